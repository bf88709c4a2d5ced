// Package reconcile runs one reconcile pass per hook: gather the inputs from
// Juju and the machine, compute the plan (octavia.Planner.Plan, pure), apply
// it idempotently, and report one workload status. Actions enter through the
// same gather and effects.
package reconcile

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"charm-octavia/internal/cloud"
	"charm-octavia/internal/hostnet"
	"charm-octavia/internal/juju"
	"charm-octavia/internal/octavia"
	"charm-octavia/internal/relations/hacluster"
	"charm-octavia/internal/system/apt"
	"charm-octavia/internal/system/service"
)

// System is everything a pass does to the machine, so that tests can run a
// pass against a fake machine. SystemHost implements it for real.
type System interface {
	CPUs() int
	Series() string
	InterfaceAddress(name string) string
	Interfaces() []hacluster.Interface
	MissingPackages(ctx context.Context, names []string) ([]string, error)
	PackageVersion(ctx context.Context, name string) (string, error)
	WriteSource(o apt.Origin) error
	UpdatePackages(ctx context.Context) error
	InstallPackages(ctx context.Context, names []string) error
	UpgradePackages(ctx context.Context, names []string) error
	EnsureDir(d octavia.Dir) (bool, error)
	RemoveFile(path string) (bool, error)
	EnsureMember(ctx context.Context, user, group string) (bool, error)
	WriteFile(f octavia.File) (bool, error)
	EnableApacheModule(ctx context.Context, name string) (bool, error)
	EnableApacheSite(ctx context.Context, name string) (bool, error)
	ServiceExists(name string) bool
	Services() service.Services
	Run(ctx context.Context, name string, args ...string) (stdout []byte, err error)
	UpdateCATrust(ctx context.Context) error
}

// Unit is one unit of the charm during one hook or action.
type Unit struct {
	Env     juju.Env
	Tools   *juju.Tools
	System  System
	Planner *octavia.Planner
	// Root prefixes the machine paths read directly (tests use a temp dir).
	Root string
	// Log receives the charm's log lines; Juju puts a hook's stdout in the
	// unit log at DEBUG, so logging costs no hook-tool call.
	Log io.Writer
	// Now and Rand default to the clock and crypto/rand.
	Now  func() time.Time
	Rand io.Reader

	// ConnectCloud opens an OpenStack session with the service
	// credentials; Plumbing plugs the health-manager interface; ObserveLink
	// reads it cheaply. Nil ConnectCloud leaves the management network alone.
	ConnectCloud func(ctx context.Context, c cloud.Credentials) (ManagementCloud, error)
	Plumbing     Plumbing
	ObserveLink  func(name string) (hostnet.Observed, error)

	cloudSession ManagementCloud
	lastReport   *cloud.Report
	lastStatus   octavia.Status

	// upgrade is set by the upgrade actions for the pass they run (upgrade.go).
	upgrade *upgradeRun

	// secrets are the secret values this pass knows (passwords from
	// relations, the shared keys, passphrases); Redact removes them from
	// anything logged or shown in a status.
	secrets []string
}

// Logf writes one line to the unit log, with secret values redacted.
func (u *Unit) Logf(format string, a ...any) {
	if u.Log != nil {
		fmt.Fprintln(u.Log, u.Redact(fmt.Sprintf(format, a...)))
	}
}

// Redact replaces every known secret value in s. Error text from other
// programs (apt, octavia-db-manage, init scripts) is shown to operators; it
// must not carry a password that a driver happened to print.
func (u *Unit) Redact(s string) string {
	for _, v := range u.secrets {
		if len(v) >= 4 {
			s = strings.ReplaceAll(s, v, "***")
		}
	}
	return s
}

// knowSecrets records the secret values of this pass's inputs for Redact.
func (u *Unit) knowSecrets(in octavia.Inputs) {
	u.secrets = u.secrets[:0]
	for _, ep := range in.Relations {
		for _, r := range ep {
			for _, bag := range r.Units {
				for k, v := range bag {
					if strings.Contains(k, "password") || strings.HasSuffix(k, "_key") || strings.HasSuffix(k, ".key") {
						u.secrets = append(u.secrets, v, url.QueryEscape(v), url.PathEscape(v))
					}
				}
			}
		}
	}
	if sh := in.Shared; sh != nil {
		u.secrets = append(u.secrets, sh.HeartbeatKey, sh.ServerCertsKeyPassphrase, sh.PKI.IssuingCAPassphrase)
	}
	u.secrets = append(u.secrets, in.Config.IssuingCAKeyPassphrase)
}

func (u *Unit) now() time.Time {
	if u.Now != nil {
		return u.Now()
	}
	return time.Now()
}

// Run is the entry point of every hook and action.
func (u *Unit) Run(ctx context.Context) error {
	ev := u.Env.Event()
	if ev.Kind == juju.ActionEvent {
		return u.runAction(ctx, ev.Name)
	}
	return u.Reconcile(ctx)
}

// Reconcile runs one pass: gather, plan, apply, status, and save what was learnt.
func (u *Unit) Reconcile(ctx context.Context) error {
	path := SnapshotPath(u.Env.CharmDir)
	s, ok, err := loadSnapshot(path)
	if err != nil {
		return err
	}
	ev := u.Env.Event()
	full := !ok || fullRefreshEvents[ev.Name]
	if err := u.refresh(ctx, s, full); err != nil {
		return fmt.Errorf("read model: %w", err)
	}
	if err := u.readPolicy(ctx, s, full); err != nil {
		return err
	}
	// dpkg is asked only when packages can have changed, so that
	// update-status on a converged unit starts no process.
	if full || ev.Name == "config-changed" || ev.Name == "start" || !s.Converged {
		if err := u.readPackages(ctx, s); err != nil {
			return err
		}
	}

	// A pass that installs packages plans again with them installed, so
	// that it configures the unit in the same hook.
	var pl octavia.Plan
	var in octavia.Inputs
	var faults []octavia.Reason
	for round := 0; round < 2; round++ {
		if in, err = u.inputs(ctx, s); err != nil {
			return err
		}
		u.knowSecrets(in)
		if round == 0 && u.departing() {
			// Teardown: give back the port and the interface, change
			// nothing else (the machine is going away).
			err := u.leaveNetwork(ctx, s, in)
			if serr := s.save(path); err == nil {
				err = serr
			}
			return err
		}
		if round == 0 && u.ConnectCloud != nil {
			if err := u.manageNetwork(ctx, s, &in); err != nil {
				_ = s.save(path)
				return err
			}
			// The interface may have its address now.
			in.Host.MgmtAddress = u.System.InterfaceAddress("o-hm0")
		}
		in.Network = s.Mgmt.State
		pl = u.Planner.Plan(in)
		missing, version := len(s.Packages.Missing), s.Packages.OctaviaVersion
		if faults, err = u.apply(ctx, s, pl); err != nil {
			// Keep what was learnt (e.g. installed packages); Juju retries the hook.
			_ = s.save(path)
			return err
		}
		// An upgrade to another release plans again too (upgrade.go).
		if len(s.Packages.Missing) > 0 || (missing == 0 && version == s.Packages.OctaviaVersion) {
			break
		}
	}
	if u.ConnectCloud != nil {
		u.pushAgentConfig(ctx, s, in)
	}
	reasons := append(append([]octavia.Reason{}, pl.Reasons...), faults...)
	st := u.upgradeStatus(s, pl, octavia.StatusOf(reasons))
	if s.Paused {
		st = octavia.Paused
	}
	st.Message = pl.StatusPrefix + st.Message
	u.lastStatus = st
	if err := u.status(ctx, s, juju.Status{Code: st.Code, Message: st.Message}); err != nil {
		return err
	}
	s.Converged = len(faults) == 0 && pl.Configure && (pl.SchemaReady || pl.Migrate) && !s.Mgmt.Pending
	return s.save(path)
}

// inputs turns the snapshot and machine facts into the planner's inputs.
func (u *Unit) inputs(ctx context.Context, s *Snapshot) (octavia.Inputs, error) {
	cfg := octavia.DefaultConfig()
	if len(s.Config) > 0 {
		if err := json.Unmarshal(s.Config, &cfg); err != nil {
			return octavia.Inputs{}, fmt.Errorf("decode config: %w", err)
		}
	}
	shared, err := u.shared(ctx, s)
	if err != nil {
		return octavia.Inputs{}, err
	}
	host := u.hostFacts()
	host.Addresses = s.Addresses
	return octavia.Inputs{
		Unit:           u.Env.UnitName,
		Leader:         s.Leader,
		Config:         cfg,
		Relations:      s.Relations,
		LeaderSettings: s.LeaderSettings,
		Shared:         shared,
		Host:           host,
		Packages:       s.Packages,
		Policy:         s.policyInputs(),
		Installed:      s.Installed,
		Now:            u.now(),
	}, nil
}

// status sets the workload status when it differs from the last one set.
func (u *Unit) status(ctx context.Context, s *Snapshot, st juju.Status) error {
	if s.Status == st {
		return nil
	}
	st.Message = u.Redact(st.Message)
	if s.Status == st {
		return nil
	}
	if err := u.Tools.StatusSet(ctx, false, st); err != nil {
		return err
	}
	u.Logf("status: %s: %s", st.Code, st.Message)
	s.Status = st
	return nil
}

// pendingActions are declared in actions.yaml and arrive with later work.
var pendingActions = map[string]string{}

func (u *Unit) runAction(ctx context.Context, name string) error {
	if name == "configure-resources" {
		return u.configureResources(ctx)
	}
	if run, ok := unitActions[name]; ok {
		return run(u, ctx)
	}
	if what, ok := pendingActions[name]; ok {
		return u.Tools.ActionFail(ctx, fmt.Sprintf("%s is not implemented in this revision of the charm yet; it arrives with %s", name, what))
	}
	return u.Tools.ActionFail(ctx, "unknown action "+name)
}

// configureResources is the configure-resources action: on the leader, one
// pass that creates or finds the cloud resources whatever
// auto-configure-resources says, then reports what it created, found, could
// not find and could not do.
func (u *Unit) configureResources(ctx context.Context) error {
	leader, err := u.Tools.IsLeader(ctx)
	if err != nil {
		return err
	}
	if !leader {
		return u.Tools.ActionFail(ctx, "configure-resources must run on the leader unit")
	}
	if u.ConnectCloud == nil {
		return u.Tools.ActionFail(ctx, "this unit has no OpenStack client")
	}
	if err := u.Reconcile(ctx); err != nil {
		return u.Tools.ActionFail(ctx, u.Redact(firstLine(err.Error())))
	}
	r := u.lastReport
	if r == nil {
		return u.Tools.ActionFail(ctx, "the management network is not managed yet: "+u.Redact(u.lastStatus.Message))
	}
	results := map[string]string{
		"created": strings.Join(r.Created, "\n"),
		"found":   strings.Join(r.Found, "\n"),
		"missing": strings.Join(r.Missing, "\n"),
		"failed":  strings.Join(r.Failed, "\n"),
	}
	for k, v := range results {
		if v == "" {
			delete(results, k)
		}
	}
	if err := u.Tools.ActionSet(ctx, results); err != nil {
		return err
	}
	if len(r.Missing) > 0 || len(r.Failed) > 0 {
		return u.Tools.ActionFail(ctx, "some cloud resources are missing or could not be set up: see the results")
	}
	return nil
}
