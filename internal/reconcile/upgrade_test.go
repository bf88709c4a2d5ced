package reconcile

import (
	"strings"
	"testing"

	"charm-octavia/internal/juju/jujutest"
	"charm-octavia/internal/octavia"
)

// count counts the effects in ops that start with prefix.
func count(ops []string, prefix string) int {
	n := 0
	for _, op := range ops {
		if strings.HasPrefix(op, prefix) {
			n++
		}
	}
	return n
}

// TestOriginChangeUpgradesByItself: without action-managed-upgrade, a new
// openstack-origin upgrades the unit in config-changed: new source, apt,
// migration to the new release on the leader, every service restarted.
func TestOriginChangeUpgradesByItself(t *testing.T) {
	h := newHarness(t, "octavia/0")
	h.deploy(true)
	sys := h.systems["octavia/0"]
	sys.takeOps()
	sys.candidate = "1:12.0.0-0ubuntu1~cloud0"
	if err := h.m.SetConfig("openstack-origin", "cloud:jammy-antelope"); err != nil {
		t.Fatal(err)
	}
	h.hook("octavia/0", "config-changed")
	ops := sys.takeOps()
	joined := strings.Join(ops, "\n")
	for _, want := range []string{"source cloud:jammy-antelope", "apt-get update", "apt-get upgrade", "run octavia-db-manage", "restart octavia-worker", "restart apache2"} {
		if !strings.Contains(joined, want) {
			t.Errorf("the upgrade did not %q:\n%s", want, joined)
		}
	}
	if i, j := strings.Index(joined, "run octavia-db-manage"), strings.Index(joined, "restart octavia-worker"); i > j {
		t.Error("the worker restarted before the migration")
	}
	if got := h.m.LeaderData[octavia.LeaderSchema]; got != "12.0.0" {
		t.Errorf("schema mark %q, want 12.0.0", got)
	}
	if st := h.status("octavia/0"); st.Code != "active" || st.Message != "Unit is ready" {
		t.Errorf("status %+v", st)
	}
	// Once upgraded, the next hooks change nothing.
	h.hook("octavia/0", "config-changed")
	if ops := sys.takeOps(); len(ops) > 0 {
		t.Errorf("config-changed after the upgrade did %v", ops)
	}
}

// TestActionManagedUpgrade: with action-managed-upgrade, a new
// openstack-origin waits for the action on each unit. A follower upgraded
// first waits for the leader's migration; the leader migrates once; every
// unit restarts once, one at a time; nothing else runs apt.
func TestActionManagedUpgrade(t *testing.T) {
	h, bus, lc := watchedCluster(t)
	if err := h.m.SetConfig("action-managed-upgrade", true); err != nil {
		t.Fatal(err)
	}
	if err := h.m.SetConfig("openstack-origin", "cloud:jammy-antelope"); err != nil {
		t.Fatal(err)
	}
	for _, u := range h.m.UnitNames() {
		h.systems[u].candidate = "1:12.0.0-0ubuntu1~cloud0"
		bus.run(u, jujutest.HookEnv{Hook: "config-changed"})
	}
	bus.drain()
	for _, u := range h.m.UnitNames() {
		if ops := h.systems[u].takeOps(); len(ops) > 0 {
			t.Errorf("%s changed before the action: %v", u, ops)
		}
		if st := h.status(u); st.Code != "active" || !strings.HasPrefix(st.Message, "Unit is ready (openstack-origin changed") {
			t.Errorf("%s: %+v", u, st)
		}
	}
	// package-upgrade does not jump releases.
	if st := bus.action("octavia/1", "package-upgrade"); st.Failed || !strings.Contains(st.Results["outcome"].(string), "skipped") {
		t.Errorf("package-upgrade with a new origin: %+v", st)
	}

	// A follower first: upgraded, it waits for the leader's migration.
	st := bus.action("octavia/1", "openstack-upgrade")
	if st.Failed {
		t.Fatalf("openstack-upgrade on octavia/1: %+v", st)
	}
	if s := h.status("octavia/1"); s.Code != "waiting" || s.Message != "Waiting for the leader to migrate the database" {
		t.Errorf("octavia/1 after its upgrade: %+v", s)
	}
	bus.look()
	bus.drain0()
	st = bus.action("octavia/0", "openstack-upgrade")
	if st.Failed || st.Results["migration"] == nil {
		t.Fatalf("openstack-upgrade on the leader: %+v", st)
	}
	bus.look()
	bus.run("octavia/1", jujutest.HookEnv{Hook: "leader-settings-changed"})
	bus.run("octavia/2", jujutest.HookEnv{Hook: "leader-settings-changed"})
	bus.drain()
	if st := h.status("octavia/2"); !strings.HasPrefix(st.Message, "Unit is ready (openstack-origin changed") {
		t.Errorf("octavia/2 not upgraded yet: %+v", st)
	}
	st = bus.action("octavia/2", "openstack-upgrade")
	if st.Failed {
		t.Fatalf("openstack-upgrade on octavia/2: %+v", st)
	}
	bus.look()
	bus.drain()

	migrations := 0
	for _, u := range h.m.UnitNames() {
		ops := h.systems[u].takeOps()
		migrations += count(ops, "run octavia-db-manage")
		if n := count(ops, "apt-get upgrade"); n != 1 {
			t.Errorf("%s upgraded packages %d times", u, n)
		}
		if lc.restarts[u] != 1 {
			t.Errorf("%s restarted in %d hooks, want 1", u, lc.restarts[u])
		}
		if s := h.status(u); s.Code != "active" || s.Message != "Unit is ready" {
			t.Errorf("%s: %+v", u, s)
		}
	}
	if migrations != 1 {
		t.Errorf("%d migrations, want 1 (the leader's)", migrations)
	}
	if got := h.m.LeaderData[octavia.LeaderSchema]; got != "12.0.0" {
		t.Errorf("schema mark %q", got)
	}
}

// action runs an action through the bus, checked as a hook is.
func (b *peerBus) action(unit, name string) *jujutest.ActionState {
	b.h.t.Helper()
	b.run(unit, jujutest.HookEnv{Action: name})
	rec := b.h.m.History[len(b.h.m.History)-1]
	if rec.Action == nil || rec.Action.Name != name {
		b.h.t.Fatalf("last record is not action %s: %+v", name, rec)
	}
	return rec.Action
}

// drain0 runs the queued peer hooks without update-status rounds.
func (b *peerBus) drain0() {
	for len(b.queue) > 0 {
		e := b.queue[0]
		b.queue = b.queue[1:]
		b.run(e.unit, e.env)
	}
}

// TestPackageUpgradeMigratesOnceOnLeader: nothing newer to install, yet
// the action on the leader runs the migration once and restarts every
// service in start order.
func TestPackageUpgradeMigratesOnceOnLeader(t *testing.T) {
	h := newHarness(t, "octavia/0")
	h.deploy(true)
	sys := h.systems["octavia/0"]
	sys.takeOps()
	st := h.action("octavia/0", "package-upgrade")
	if st.Failed || st.Results["outcome"] != "success, upgrade completed." || st.Results["restart"] != "done" {
		t.Fatalf("package-upgrade: %+v", st)
	}
	ops := sys.takeOps()
	if count(ops, "source ") != 0 {
		t.Errorf("package-upgrade changed the source: %v", ops)
	}
	if count(ops, "run octavia-db-manage") != 1 || count(ops, "apt-get upgrade") != 1 {
		t.Errorf("package-upgrade did %v", ops)
	}
	var restarted []string
	for _, op := range ops {
		if name, ok := strings.CutPrefix(op, "restart "); ok {
			restarted = append(restarted, name)
		}
	}
	if strings.Join(restarted, " ") != strings.Join(startOrder, " ") {
		t.Errorf("restarted %v, want %v", restarted, startOrder)
	}
	if s := h.status("octavia/0"); s.Code != "active" {
		t.Errorf("status %+v", s)
	}
	// The action set "Running package upgrade", then the pass's status.
	if rec := h.m.History[len(h.m.History)-1]; rec.Calls["status-set"] < 2 {
		t.Errorf("status-set called %d times by the action, want 2 or more", rec.Calls["status-set"])
	}
}
