package reconcile

// Upgrades: the openstack-upgrade and package-upgrade actions, and the
// upgrade a change of openstack-origin causes by itself.
//
// An upgrade on a unit writes the new package source (openstack-upgrade
// only), runs apt-get update, then upgrades the charm's packages to their
// candidate versions with apt-get install (the charm's package list and
// what those packages need; keeping the configuration files, as every apt
// call of the charm does). Unlike upstream, which runs apt-get
// dist-upgrade, it leaves the machine's other packages alone: they belong to
// the operator, or to the other charms on the machine. The same pass then
// renders the files for the new release, the leader migrates the database
// (octavia-db-manage upgrade head, recorded in the leader setting
// octavia-schema), followers wait for that record when their new release
// needs a newer schema, and every managed service restarts, in start
// order, through the rolling-restart lock (restartlock.go).
//
// openstack-origin changed on an installed unit:
//   - action-managed-upgrade=false: the config-changed pass upgrades.
//   - action-managed-upgrade=true: nothing changes on the unit (the old
//     source stays) until openstack-upgrade runs on it; meanwhile an active
//     unit says "Unit is ready (openstack-origin changed: run the
//     openstack-upgrade action)", which keeps the "Unit is ready" prefix
//     tools wait for. Upstream only logs it.
//
// The actions run the upgrade whatever action-managed-upgrade says (as
// upstream's reactive layer does), set the status maintenance "Running
// openstack upgrade" or "Running package upgrade" (upstream's words) while
// apt runs, and on the leader always migrate the database, even when no
// package changed. package-upgrade stays within the configured source: when
// openstack-origin names a source the unit has not been upgraded to yet it
// does nothing and says so in "outcome", as upstream does.

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"charm-octavia/internal/juju"
	"charm-octavia/internal/octavia"
	"charm-octavia/internal/system/apt"
)

// Status messages of an upgrade in progress, as upstream sets them.
const (
	runningOpenStackUpgrade = "Running openstack upgrade"
	runningPackageUpgrade   = "Running package upgrade"
)

// upgradeRun is what an upgrade action asks of the pass that follows it.
type upgradeRun struct {
	// forced is set once the pass has turned the leader's plan into a
	// migration; migrates says the pass migrated (or tried to).
	forced, migrates bool
}

// actionManagedUpgrade reads action-managed-upgrade from the snapshot's config.
func actionManagedUpgrade(s *Snapshot) bool {
	var c struct {
		ActionManaged bool `json:"action-managed-upgrade"`
	}
	_ = json.Unmarshal(s.Config, &c)
	return c.ActionManaged
}

// originChanged reports whether an installed unit's openstack-origin
// names another source than the one it runs from.
func originChanged(s *Snapshot, origin interface{ SourcesLine() string }) bool {
	return s.Packages.SourceConfigured != "" && s.Packages.SourceConfigured != originKey(origin)
}

// upgradeOnOriginChange handles a changed openstack-origin on an installed
// unit in a hook: upgrade now, or leave it for openstack-upgrade.
func (u *Unit) upgradeOnOriginChange(ctx context.Context, s *Snapshot, origin apt.Origin) error {
	if actionManagedUpgrade(s) {
		return nil
	}
	u.Logf("openstack-origin changed to %s: upgrading", origin.String())
	return u.upgradePackages(ctx, s, &origin)
}

// upgradePackages upgrades the charm's packages, from origin when it is
// not nil (openstack-upgrade) or from the configured source, and marks
// every managed service for a restart.
func (u *Unit) upgradePackages(ctx context.Context, s *Snapshot, origin *apt.Origin) error {
	msg := runningPackageUpgrade
	if origin != nil {
		msg = runningOpenStackUpgrade
	}
	if err := u.status(ctx, s, juju.Status{Code: "maintenance", Message: msg}); err != nil {
		return err
	}
	if origin != nil {
		if origin.NeedsKeyring() {
			if err := u.System.InstallPackages(ctx, []string{apt.KeyringPackage}); err != nil {
				return fmt.Errorf("install %s: %w", apt.KeyringPackage, err)
			}
		}
		if err := u.System.WriteSource(*origin); err != nil {
			return err
		}
	}
	if err := u.System.UpdatePackages(ctx); err != nil {
		return fmt.Errorf("apt-get update: %w", err)
	}
	before := s.Packages.OctaviaVersion
	if err := u.System.UpgradePackages(ctx, octavia.PackageNames()); err != nil {
		return fmt.Errorf("upgrade packages: %w", err)
	}
	if origin != nil {
		s.Packages.SourceConfigured = originKey(*origin)
	}
	if err := u.readPackages(ctx, s); err != nil {
		return err
	}
	u.Logf("%s: octavia-common %s -> %s", strings.ToLower(msg), before, s.Packages.OctaviaVersion)
	// The daemons run the old code until they restart (or dpkg restarted
	// them already, with the old configuration): restart them all.
	restart := map[string]bool{}
	for _, name := range managedServices() {
		restart[name] = true
	}
	u.holdRestarts(s, restart)
	return nil
}

// upgradePlan turns the leader's plan into a migration when an upgrade
// action asked for one and the plan has none (the installed release did
// not change): the upgrade migrates once on the leader whatever the
// packages did.
func (u *Unit) upgradePlan(s *Snapshot, pl octavia.Plan) octavia.Plan {
	run := u.upgrade
	if run == nil || run.forced || !pl.Configure {
		return pl
	}
	run.forced = true
	if !pl.Migrate && s.Leader && pl.SchemaReady {
		pl.Migrate = true
		pl.SchemaMark = apt.UpstreamVersion(s.Packages.OctaviaVersion)
	}
	run.migrates = pl.Migrate
	return pl
}

// upgradeStatus adds to a ready unit's status that openstack-origin waits
// for the openstack-upgrade action.
func (u *Unit) upgradeStatus(s *Snapshot, pl octavia.Plan, st octavia.Status) octavia.Status {
	if st == octavia.Ready && len(pl.Packages) > 0 && originChanged(s, pl.Origin) && actionManagedUpgrade(s) {
		st.Message += " (openstack-origin changed: run the openstack-upgrade action)"
	}
	return st
}

// openstackUpgrade is the openstack-upgrade action.
func (u *Unit) openstackUpgrade(ctx context.Context) error { return u.upgradeAction(ctx, true) }

// packageUpgrade is the package-upgrade action.
func (u *Unit) packageUpgrade(ctx context.Context) error { return u.upgradeAction(ctx, false) }

func (u *Unit) upgradeAction(ctx context.Context, release bool) error {
	s, path, err := u.actionSnapshot(ctx)
	if err != nil {
		return err
	}
	cfg := octavia.DefaultConfig()
	if len(s.Config) > 0 {
		if err := json.Unmarshal(s.Config, &cfg); err != nil {
			return fmt.Errorf("decode config: %w", err)
		}
	}
	origin, err := apt.ParseOrigin(cfg.OpenStackOrigin)
	if err == nil {
		origin, err = origin.ForSeries(u.System.Series())
	}
	if err != nil {
		return u.Tools.ActionFail(ctx, "openstack-origin: "+err.Error())
	}
	if err := u.readPackages(ctx, s); err != nil {
		return u.Tools.ActionFail(ctx, u.Redact(firstLine(err.Error())))
	}
	if len(s.Packages.Missing) > 0 || s.Packages.OctaviaVersion == "" {
		return u.Tools.ActionFail(ctx, "the charm's packages are not installed yet: nothing to upgrade")
	}
	if !release && originChanged(s, origin) {
		return u.Tools.ActionSet(ctx, map[string]string{"outcome": "upgrade skipped because an openstack upgrade is available: run openstack-upgrade"})
	}
	before := s.Packages.OctaviaVersion
	var o *apt.Origin
	if release {
		o = &origin
	}
	upErr := u.upgradePackages(ctx, s, o)
	if err := s.save(path); err != nil {
		return err
	}
	if upErr != nil {
		u.Logf("upgrade: %v", upErr)
		return u.Tools.ActionFail(ctx, "upgrade failed: "+u.Redact(firstLine(upErr.Error())))
	}

	// One pass: render, migrate on the leader, restart under the lock.
	u.upgrade = &upgradeRun{}
	if err := u.Reconcile(ctx); err != nil {
		return u.Tools.ActionFail(ctx, "packages upgraded, but the pass after failed and the next hook retries it: "+u.Redact(firstLine(err.Error())))
	}
	after, _, err := loadSnapshot(path)
	if err != nil {
		return err
	}
	results := map[string]string{
		"outcome":         "success, upgrade completed.",
		"octavia-version": fmt.Sprintf("%s -> %s", before, after.Packages.OctaviaVersion),
		"status":          after.Status.Code + ": " + after.Status.Message,
	}
	switch {
	case after.Paused:
		results["restart"] = "none: the unit is paused, resume starts the services"
	case len(after.Restart.Pending) > 0:
		results["restart"] = "queued: " + strings.Join(after.Restart.Pending, " ") + " restart in a later hook, once the schema is migrated and this unit holds the restart lock"
	default:
		results["restart"] = "done"
	}
	if u.upgrade.migrates {
		results["migration"] = "octavia-db-manage upgrade head run on this unit (the leader)"
	}
	if err := u.Tools.ActionSet(ctx, results); err != nil {
		return err
	}
	if u.upgrade.migrates && strings.Contains(u.lastStatus.Message, "Database migration failed") {
		return u.Tools.ActionFail(ctx, "the database migration failed: "+u.lastStatus.Message)
	}
	return nil
}
