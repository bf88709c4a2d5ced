package reconcile

// The policyd-override resource, and the optional files it and monitoring
// install (octavia/policy.go): the resource is read only while
// use-policyd-override is true and only in the hooks where it can have
// changed (Juju runs upgrade-charm when a resource is attached or updated),
// and what it held is kept in the snapshot, so that the other hooks cost
// nothing and a broken resource leaves the last good overrides in place.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"charm-octavia/internal/octavia"
	"charm-octavia/internal/policyd"
	"charm-octavia/internal/system/users"
)

// PolicySnapshot is what the last read of the policyd-override resource
// found.
type PolicySnapshot struct {
	// Resource is the SHA-256 of the resource last read, "" when none was
	// read (or none is attached).
	Resource string `json:"resource,omitempty"`
	// Problem is why that resource cannot be applied, "" when it was.
	Problem string `json:"problem,omitempty"`
	// Files are the validated files of the last resource that could be
	// applied: small, and re-validated never.
	Files []policyd.File `json:"files,omitempty"`
}

// policyEvents are the hooks where the resource can have changed.
var policyEvents = map[string]bool{"install": true, "config-changed": true, "upgrade-charm": true}

// readPolicy refreshes the snapshot's view of the policyd-override
// resource. Disabling overrides forgets them (the plan then removes the
// files); a resource that cannot be applied keeps the last good files and
// records why, for the "PO (broken): " status. It fails only on a snapshot
// it cannot decode.
func (u *Unit) readPolicy(ctx context.Context, s *Snapshot, full bool) error {
	var cfg struct {
		Use bool `json:"use-policyd-override"`
	}
	if len(s.Config) > 0 {
		if err := json.Unmarshal(s.Config, &cfg); err != nil {
			return fmt.Errorf("decode config: %w", err)
		}
	}
	if !cfg.Use {
		s.Policy = PolicySnapshot{}
		return nil
	}
	if !full && !policyEvents[u.Env.Event().Name] {
		return nil
	}
	data, err := u.policyResource(ctx)
	if err != nil {
		if s.Policy.Problem != err.Error() || s.Policy.Resource != "" {
			u.Logf("%s: %v; keeping the last good overrides", policyd.ResourceName, err)
		}
		s.Policy.Resource, s.Policy.Problem = "", err.Error()
		return nil
	}
	sum := sha256.Sum256(data)
	hash := hex.EncodeToString(sum[:])
	if hash == s.Policy.Resource {
		return nil
	}
	o, err := policyd.Load(data)
	if err == nil {
		err = octavia.CheckPolicyOverrides(o)
	}
	if err != nil {
		// The reason names entries and keys, never the rules themselves.
		u.Logf("%s cannot be applied: %v; keeping the last good overrides", policyd.ResourceName, err)
		s.Policy.Resource, s.Policy.Problem = hash, err.Error()
		return nil
	}
	u.Logf("%s: %d policy file(s) validated: %v", policyd.ResourceName, len(o.Names()), o.Names())
	s.Policy = PolicySnapshot{Resource: hash, Files: o.Files(policyd.Dir)}
	return nil
}

// policyResource fetches the resource and reads it, bounded.
func (u *Unit) policyResource(ctx context.Context) ([]byte, error) {
	path, err := u.Tools.ResourceGet(ctx, policyd.ResourceName)
	if err != nil || path == "" {
		return nil, policyd.ErrNoResource
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the %s resource", policyd.ResourceName)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, policyd.MaxResourceSize+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("cannot read the %s resource", policyd.ResourceName)
	case len(data) > policyd.MaxResourceSize:
		return nil, fmt.Errorf("resource is larger than %d MiB", policyd.MaxResourceSize>>20)
	}
	return data, nil
}

// policyInputs is the planner's view of the snapshot.
func (s *Snapshot) policyInputs() octavia.Policy {
	return octavia.Policy{Files: s.Policy.Files, Problem: s.Policy.Problem}
}

// removeStale removes the optional files a previous pass installed that
// the plan no longer wants, notes what their removal restarts or reloads,
// and records the plan's optional files as installed (before they are
// written, so that a pass failing half-way still knows them).
func (u *Unit) removeStale(s *Snapshot, pl octavia.Plan, restart, reload map[string]bool) error {
	for _, f := range pl.Remove {
		changed, err := u.System.RemoveFile(f.Path)
		if err != nil {
			return err
		}
		if changed {
			u.Logf("removed %s", f.Path)
			for _, svc := range f.Restart {
				restart[svc] = true
			}
			for _, svc := range f.Reload {
				reload[svc] = true
			}
		}
	}
	s.Installed = append([]string(nil), pl.Installed...)
	return nil
}

// refreshOthers gives users the groups the plan asks for (a user not
// created yet is left for a later pass), then reloads the other charms'
// services whose files changed, or restarts them when a user joined a group
// (their processes get the group at start), if they are installed. A
// failure is logged, not a reason: they are not this charm's services.
func (u *Unit) refreshOthers(ctx context.Context, pl octavia.Plan, reload map[string]bool) {
	joined := false
	if pl.Configure {
		for _, m := range pl.Memberships {
			changed, err := u.System.EnsureMember(ctx, m.User, m.Group)
			var unknown *users.UnknownError
			switch {
			case errors.As(err, &unknown):
			case err != nil:
				u.Logf("%v", err)
			case changed:
				u.Logf("added %s to group %s", m.User, m.Group)
				joined = true
			}
		}
	}
	for _, svc := range pl.ReloadOthers {
		if !(reload[svc] || joined) || !u.System.ServiceExists(svc) {
			continue
		}
		svcs := u.System.Services()
		verb, do := "reloaded", svcs.Reload
		if joined {
			verb, do = "restarted", svcs.Restart
		}
		if err := do(ctx, svc); err != nil {
			u.Logf("%s %s: %v", verb, svc, err)
			continue
		}
		u.Logf("%s %s", verb, svc)
	}
}
