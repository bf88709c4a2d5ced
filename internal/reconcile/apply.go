package reconcile

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"charm-octavia/internal/juju"
	"charm-octavia/internal/octavia"
	"charm-octavia/internal/relations"
	"charm-octavia/internal/system"
	"charm-octavia/internal/system/apt"
)

// migrationTimeout bounds `octavia-db-manage upgrade head`.
const migrationTimeout = 10 * time.Minute

// apply makes the unit match the plan and returns the reasons it could not.
// Each step is idempotent and does nothing when the unit already matches.
func (u *Unit) apply(ctx context.Context, s *Snapshot, pl octavia.Plan) ([]octavia.Reason, error) {
	var faults []octavia.Reason
	pl = u.upgradePlan(s, pl)
	// A paused unit touches no service (pause.go); the record is read once.
	if err := u.readPaused(ctx, s); err != nil {
		return nil, err
	}

	// Packages and their source.
	if len(pl.Packages) > 0 {
		version := s.Packages.OctaviaVersion
		if err := u.applyPackages(ctx, s, pl); err != nil {
			return nil, err
		}
		if version != "" && version != s.Packages.OctaviaVersion {
			// Upgraded to another release: Reconcile plans again for it.
			return nil, nil
		}
	}
	if err := u.disablePackagedAPI(ctx, s, pl); err != nil {
		return nil, err
	}

	// Files, then the services that read them.
	restart, reload := map[string]bool{}, map[string]bool{}
	if pl.Configure {
		for _, d := range pl.Dirs {
			if _, err := u.System.EnsureDir(d); err != nil {
				return nil, err
			}
		}
		if err := u.removeStale(s, pl, restart, reload); err != nil {
			return nil, err
		}
		trust := false
		for _, f := range pl.Files {
			changed, err := u.System.WriteFile(f)
			if err != nil {
				return nil, err
			}
			if changed {
				u.Logf("wrote %s", f.Path)
				trust = trust || octavia.IsSystemCA(f.Path)
				for _, svc := range f.Restart {
					restart[svc] = true
				}
				for _, svc := range f.Reload {
					reload[svc] = true
				}
			}
		}
		for _, m := range pl.ApacheModules {
			changed, err := u.System.EnableApacheModule(ctx, m)
			if err != nil {
				return nil, err
			}
			if changed {
				restart[octavia.SvcApache] = true
			}
		}
		for _, site := range pl.ApacheSites {
			changed, err := u.System.EnableApacheSite(ctx, site)
			if err != nil {
				return nil, err
			}
			if changed {
				reload[octavia.SvcApache] = true
			}
		}
		// A new or renewed CA joins the system trust store (the API's
		// own clients, and Octavia's clients of Vault-issued services).
		if trust {
			if err := u.System.UpdateCATrust(ctx); err != nil {
				return nil, fmt.Errorf("update-ca-certificates: %w", err)
			}
			u.Logf("updated the system CA trust store")
		}
	}

	schemaReady := pl.SchemaReady
	if pl.Configure && pl.Migrate {
		if err := u.migrate(ctx, s, pl.SchemaMark); err != nil {
			faults = append(faults, octavia.Reason{Severity: octavia.Waiting, Message: "Database migration failed, will retry: " + firstLine(err.Error())})
		} else {
			schemaReady = true
		}
	}
	// A paused unit renders its files but starts, restarts and reloads
	// nothing: resume starts the services with what is on disk then.
	if pl.Configure && schemaReady && !s.Paused {
		// Restarts go through the peer restart lock (restartlock.go).
		reasons, err := u.rollServices(ctx, s, pl.Services, restart, reload)
		if err != nil {
			return nil, err
		}
		faults = append(faults, reasons...)
	} else {
		u.holdRestarts(s, restart)
	}
	if err := u.grantRestart(ctx, s); err != nil {
		return nil, err
	}
	u.refreshOthers(ctx, pl, reload)

	// Tell Juju: relation data, ports, version.
	if len(s.Restart.Pending) > 0 {
		keepServedAgentConfig(s, pl.Publish)
	}
	if err := u.publish(ctx, s, pl.Publish); err != nil {
		return nil, err
	}
	if err := u.openPorts(ctx, s, pl.Ports); err != nil {
		return nil, err
	}
	if v := apt.UpstreamVersion(s.Packages.OctaviaVersion); v != "" && v != s.AppVersion {
		if err := u.Tools.ApplicationVersionSet(ctx, v); err != nil {
			return nil, err
		}
		s.AppVersion = v
	}
	return faults, nil
}

// applyPackages writes the package source and installs what is missing. apt
// runs only when something is missing or the source changed.
func (u *Unit) applyPackages(ctx context.Context, s *Snapshot, pl octavia.Plan) error {
	origin := pl.Origin
	want := originKey(origin)
	sourceChanged := s.Packages.SourceConfigured != want
	if originChanged(s, origin) && len(s.Packages.Missing) == 0 {
		// An installed unit changes source: an upgrade (upgrade.go).
		return u.upgradeOnOriginChange(ctx, s, origin)
	}
	if sourceChanged {
		if origin.NeedsKeyring() {
			if err := u.status(ctx, s, juju.Status{Code: "maintenance", Message: "Configuring the package source"}); err != nil {
				return err
			}
			if err := u.System.InstallPackages(ctx, []string{"ubuntu-cloud-keyring"}); err != nil {
				return fmt.Errorf("install ubuntu-cloud-keyring: %w", err)
			}
		}
		if err := u.System.WriteSource(origin); err != nil {
			return err
		}
	}
	if !sourceChanged && len(s.Packages.Missing) == 0 {
		return nil
	}
	if err := u.status(ctx, s, juju.Status{Code: "maintenance", Message: "Installing packages"}); err != nil {
		return err
	}
	if err := u.System.UpdatePackages(ctx); err != nil {
		return fmt.Errorf("apt-get update: %w", err)
	}
	if len(s.Packages.Missing) > 0 {
		if err := u.System.InstallPackages(ctx, s.Packages.Missing); err != nil {
			return fmt.Errorf("install packages: %w", err)
		}
	}
	s.Packages.SourceConfigured = want
	return u.readPackages(ctx, s)
}

func originKey(o interface{ SourcesLine() string }) string {
	if line := o.SourcesLine(); line != "" {
		return line
	}
	return "distro"
}

// disablePackagedAPI stops and disables the API service the octavia-api
// package ships (uWSGI on Debian), once: the charm serves the API from Apache.
func (u *Unit) disablePackagedAPI(ctx context.Context, s *Snapshot, pl octavia.Plan) error {
	if s.PackagedAPIDisabled || len(s.Packages.Missing) > 0 || s.Packages.OctaviaVersion == "" {
		return nil
	}
	for _, svc := range pl.Disable {
		if !u.System.ServiceExists(svc) {
			continue
		}
		if err := u.System.Services().Stop(ctx, svc); err != nil {
			return fmt.Errorf("stop packaged %s: %w", svc, err)
		}
		if err := u.System.Services().Disable(ctx, svc); err != nil {
			return fmt.Errorf("disable packaged %s: %w", svc, err)
		}
		u.Logf("stopped and disabled the packaged %s service", svc)
	}
	s.PackagedAPIDisabled = true
	return nil
}

// migrate runs the schema migration (leader only) and records it in leader
// settings, which wakes the followers.
func (u *Unit) migrate(ctx context.Context, s *Snapshot, mark string) error {
	leader, err := u.Tools.IsLeader(ctx)
	if err != nil {
		return err
	}
	if !leader {
		return fmt.Errorf("no longer the leader")
	}
	if err := u.status(ctx, s, juju.Status{Code: "maintenance", Message: "Migrating the database"}); err != nil {
		return err
	}
	mctx, cancel := context.WithTimeout(ctx, migrationTimeout)
	defer cancel()
	if out, err := u.System.Run(mctx, "octavia-db-manage", "--config-file", octavia.ConfPath, "upgrade", "head"); err != nil {
		u.Logf("octavia-db-manage upgrade head: %v", err)
		// octavia-db-manage logs its exception on stdout (oslo.log).
		for _, text := range []string{string(out), system.Stderr(err)} {
			if cause := toolCause(text); cause != "" {
				return errors.New(cause)
			}
		}
		return fmt.Errorf("octavia-db-manage upgrade head: %w", err)
	}
	if err := u.Tools.LeaderSet(ctx, map[string]string{octavia.LeaderSchema: mark}); err != nil {
		return err
	}
	s.LeaderSettings[octavia.LeaderSchema] = mark
	u.Logf("database schema migrated to head for Octavia %s", mark)
	return nil
}

// runServices starts what is stopped and restarts (or reloads) what runs
// with changed inputs. It returns a blocked reason naming what failed.
func (u *Unit) runServices(ctx context.Context, want []string, restart, reload map[string]bool) []octavia.Reason {
	svcs := u.System.Services()
	running, err := svcs.Running(ctx, want)
	if err != nil {
		return []octavia.Reason{{Severity: octavia.Blocked, Message: "Cannot check services: " + firstLine(err.Error())}}
	}
	var failed []string
	for _, name := range want {
		var err error
		switch {
		case restart[name]:
			// Restart whatever the running check says: a daemon it missed
			// would otherwise keep its old configuration.
			err = svcs.Restart(ctx, name)
			if err == nil {
				u.Logf("restarted %s", name)
			}
		case !running[name]:
			err = svcs.Start(ctx, name)
			if err == nil {
				u.Logf("started %s", name)
			}
		case reload[name]:
			err = svcs.Reload(ctx, name)
			if err == nil {
				u.Logf("reloaded %s", name)
			}
		}
		if err != nil {
			u.Logf("service %s: %v", name, err)
			failed = append(failed, name)
		}
	}
	if len(failed) > 0 {
		return []octavia.Reason{{Severity: octavia.Blocked, Message: "Services not running that should be: " + strings.Join(failed, ", ")}}
	}
	return nil
}

// publish sets relation data that differs from what this unit last published.
func (u *Unit) publish(ctx context.Context, s *Snapshot, want map[string]relations.Bag) error {
	ids := make([]string, 0, len(want))
	for id := range want {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		ep, i := s.relation(id)
		if i < 0 {
			continue
		}
		r := &s.Relations[ep][i]
		diff := relations.Bag{}
		for k, v := range want[id] {
			if r.Local[k] != v {
				diff[k] = v
			}
		}
		if len(diff) == 0 {
			continue
		}
		if err := u.Tools.RelationSet(ctx, id, false, diff); err != nil {
			return err
		}
		if r.Local == nil {
			r.Local = relations.Bag{}
		}
		for k, v := range diff {
			r.Local[k] = v
		}
	}
	return nil
}

// openPorts opens the plan's ports and closes those it no longer wants.
func (u *Unit) openPorts(ctx context.Context, s *Snapshot, want []string) error {
	for _, p := range want {
		if !slices.Contains(s.Ports, p) {
			n, proto := splitPort(p)
			if err := u.Tools.OpenPort(ctx, n, proto); err != nil {
				return err
			}
		}
	}
	for _, p := range s.Ports {
		if !slices.Contains(want, p) {
			n, proto := splitPort(p)
			if err := u.Tools.ClosePort(ctx, n, proto); err != nil {
				return err
			}
		}
	}
	s.Ports = append([]string(nil), want...)
	return nil
}

// splitPort splits "9876/tcp".
func splitPort(p string) (int, string) {
	port, proto, _ := strings.Cut(p, "/")
	n, _ := strconv.Atoi(port)
	return n, proto
}

// toolCause finds why an OpenStack tool failed in what it printed: the
// message of oslo.log's "Unhandled error:" line, else the last line that is
// not an empty log record.
func toolCause(out string) string {
	const unhandled = "Unhandled error: "
	last := ""
	for _, line := range strings.Split(out, "\n") {
		if i := strings.Index(line, unhandled); i >= 0 {
			return strings.TrimSpace(line[i+len(unhandled):])
		}
		line = strings.TrimSpace(strings.ReplaceAll(line, "\x1b[00m", ""))
		if line != "" && !strings.HasSuffix(line, "octavia-db-manage") {
			last = line
		}
	}
	return last
}

// firstLine shortens a message to its first line, for a status.
func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	const max = 120
	if len(s) > max {
		s = s[:max] + "..."
	}
	return s
}
