package reconcile

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"charm-octavia/internal/octavia"
	"charm-octavia/internal/relations"
	"charm-octavia/internal/relations/nrpe"
)

// fullRefreshEvents re-read everything from Juju: the unit is new. A charm
// revision that keeps more in its snapshot bumps snapshotFormat, which makes
// its first pass re-read everything too (as does a refresh from the Python
// charm, which left no snapshot).
var fullRefreshEvents = map[string]bool{"install": true}

// refresh brings the snapshot up to date for this pass's event, reading from
// Juju only what the event can have changed.
func (u *Unit) refresh(ctx context.Context, s *Snapshot, full bool) error {
	ev := u.Env.Event()
	if full {
		if err := u.readConfig(ctx, s); err != nil {
			return err
		}
		if err := u.readLeadership(ctx, s); err != nil {
			return err
		}
		if err := u.readAddresses(ctx, s); err != nil {
			return err
		}
		return u.readAllRelations(ctx, s)
	}
	if endpoint, kind, ok := ev.RelationEndpoint(); ok && u.Env.RelationID != "" {
		return u.readRelation(ctx, s, endpoint, u.Env.RelationID, kind == "broken")
	}
	if ev.IsAction() {
		// An action runs on demand: leadership may have moved since.
		return u.readLeadership(ctx, s)
	}
	switch ev.Name {
	case "config-changed", "upgrade-charm":
		// Juju also runs config-changed when the machine's addresses change.
		if err := u.readConfig(ctx, s); err != nil {
			return err
		}
		if err := u.readAddresses(ctx, s); err != nil {
			return err
		}
		if ev.Name == "upgrade-charm" {
			// A new revision may read leader settings the old one ignored.
			return u.readLeadership(ctx, s)
		}
		leader, err := u.Tools.IsLeader(ctx)
		if err != nil {
			return err
		}
		s.Leader = leader
	case "leader-elected", "leader-settings-changed":
		return u.readLeadership(ctx, s)
	case "secret-changed":
		// Drop the cached content; the shared-secrets step reads it again.
		delete(s.Secrets, u.Env.SecretID)
	}
	return nil
}

func (u *Unit) readConfig(ctx context.Context, s *Snapshot) error {
	var raw json.RawMessage
	if err := u.Tools.ConfigGet(ctx, &raw); err != nil {
		return err
	}
	s.Config = raw
	return nil
}

func (u *Unit) readLeadership(ctx context.Context, s *Snapshot) error {
	leader, err := u.Tools.IsLeader(ctx)
	if err != nil {
		return err
	}
	settings, err := u.Tools.LeaderGet(ctx)
	if err != nil {
		return err
	}
	if settings == nil {
		settings = map[string]string{}
	}
	s.Leader, s.LeaderSettings = leader, settings
	return nil
}

func (u *Unit) readAddresses(ctx context.Context, s *Snapshot) error {
	addrs := map[string]string{}
	for _, b := range octavia.Bindings() {
		n, err := u.Tools.NetworkGet(ctx, b)
		if err != nil {
			return err
		}
		addrs[b] = n.PrimaryAddress()
	}
	s.Addresses = addrs
	return nil
}

func (u *Unit) readAllRelations(ctx context.Context, s *Snapshot) error {
	all := map[string]relations.Endpoint{}
	for _, ep := range octavia.Endpoints() {
		ids, err := u.Tools.RelationIDs(ctx, ep)
		if err != nil {
			return err
		}
		for _, id := range ids {
			r, err := u.fetchRelation(ctx, id)
			if err != nil {
				return err
			}
			all[ep] = append(all[ep], r)
		}
	}
	s.Relations = all
	return nil
}

// readRelation refreshes one relation in the snapshot (or drops it when broken).
func (u *Unit) readRelation(ctx context.Context, s *Snapshot, endpoint, id string, broken bool) error {
	rels := s.Relations[endpoint]
	kept := rels[:0:0]
	var previous *relations.Relation
	for i := range rels {
		if rels[i].ID == id {
			previous = &rels[i]
			continue
		}
		kept = append(kept, rels[i])
	}
	if !broken {
		r, err := u.fetchRelation(ctx, id)
		if err != nil {
			return err
		}
		if previous != nil && len(r.Local) == 0 {
			r.Local = previous.Local
		}
		kept = append(kept, r)
	}
	if len(kept) == 0 {
		delete(s.Relations, endpoint)
	} else {
		s.Relations[endpoint] = kept
	}
	return nil
}

// fetchRelation reads every bag of one relation.
func (u *Unit) fetchRelation(ctx context.Context, id string) (relations.Relation, error) {
	r := relations.Relation{ID: id, Units: map[string]relations.Bag{}}
	units, err := u.Tools.RelationList(ctx, id)
	if err != nil {
		return r, err
	}
	app := u.Env.RemoteApp
	if u.Env.RelationID != id || app == "" {
		if app, err = u.Tools.RelationApp(ctx, id); err != nil {
			return r, err
		}
	}
	r.RemoteApp = app
	if app != "" {
		bag, err := u.Tools.RelationGet(ctx, id, app, true)
		if err != nil {
			return r, err
		}
		r.App = bag
	}
	for _, unit := range units {
		bag, err := u.Tools.RelationGet(ctx, id, unit, false)
		if err != nil {
			return r, err
		}
		r.Units[unit] = bag
	}
	local, err := u.Tools.RelationGet(ctx, id, u.Env.UnitName, false)
	if err != nil {
		return r, err
	}
	r.Local = withoutJujuKeys(local)
	return r, nil
}

// withoutJujuKeys drops the keys Juju itself maintains in every unit bag, so
// that the snapshot's local bag holds only what the charm published.
func withoutJujuKeys(b relations.Bag) relations.Bag {
	out := relations.Bag{}
	for k, v := range b {
		switch k {
		case "ingress-address", "egress-subnets":
			continue
		}
		out[k] = v
	}
	return out
}

// hostFacts reads the machine facts a pass needs; all are cheap (no process
// is started).
func (u *Unit) hostFacts() octavia.Host {
	h := octavia.Host{CPUs: u.System.CPUs(), Series: u.System.Series()}
	h.Hostname, _ = os.Hostname()
	_, err := os.Stat(u.root("/proc/net/if_inet6"))
	h.IPv6 = err == nil
	_, err = os.Stat(u.root("/run/systemd/system"))
	h.Systemd = err == nil
	_, err = os.Stat(u.root(nrpe.ExportDir))
	h.NagiosExport = err == nil
	h.MgmtAddress = u.System.InterfaceAddress("o-hm0")
	h.Interfaces = u.System.Interfaces()
	return h
}

func (u *Unit) root(path string) string { return strings.TrimSuffix(u.Root, "/") + path }

// readPackages asks dpkg which of the charm's packages are installed.
func (u *Unit) readPackages(ctx context.Context, s *Snapshot) error {
	missing, err := u.System.MissingPackages(ctx, octavia.PackageNames())
	if err != nil {
		return fmt.Errorf("check packages: %w", err)
	}
	version, err := u.System.PackageVersion(ctx, "octavia-common")
	if err != nil {
		return fmt.Errorf("check packages: %w", err)
	}
	s.Packages.Missing, s.Packages.OctaviaVersion = missing, version
	return nil
}
