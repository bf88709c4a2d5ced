package reconcile

import (
	"fmt"
	"maps"
	"math/rand"
	"strings"
	"testing"

	"charm-octavia/internal/juju"
	"charm-octavia/internal/juju/jujutest"
	"charm-octavia/internal/octavia"
)

// peerBus fires the cluster-relation-changed hooks Juju fires when a hook
// changed the peer relation: a changed unit bag wakes every other unit, a
// changed application bag wakes every unit but the leader that wrote it.
// Juju coalesces: a unit with a hook queued for a remote gets one hook.
type peerBus struct {
	h     *harness
	relID string
	seen  map[string]map[string]string // bag owner ("app" or a unit) -> last bag
	queue []peerEvent
	rnd   *rand.Rand // nil: first in, first out
	// check runs after every hook the bus or the test runs through it.
	// pre are the bags before the hook ("app" and each unit); leader says
	// whether the unit led during the hook.
	check func(unit string, env jujutest.HookEnv, ops []string, pre map[string]map[string]string, leader bool)
}

type peerEvent struct {
	unit string
	env  jujutest.HookEnv
}

// newPeerBus starts with an empty view of the bags, so that its first
// look wakes every unit for every bag, as if each had just changed.
func newPeerBus(h *harness) *peerBus {
	rel := h.m.RelationsOn(octavia.EndpointCluster)[0]
	return &peerBus{h: h, relID: rel.ID, seen: map[string]map[string]string{}}
}

// look queues the hooks for the bags that changed since the last look.
func (b *peerBus) look() {
	rel := b.h.m.Relation(b.relID)
	units := b.h.m.UnitNames()
	now := map[string]map[string]string{"app": rel.LocalAppData}
	for _, u := range units {
		now[u] = rel.LocalUnits[u]
	}
	for owner, bag := range now {
		if maps.Equal(bag, b.seen[owner]) && b.seen[owner] != nil {
			continue
		}
		b.seen[owner] = maps.Clone(bag)
		if b.seen[owner] == nil {
			b.seen[owner] = map[string]string{}
		}
		for _, u := range units {
			if u == owner || (owner == "app" && u == b.h.m.Leader) {
				continue
			}
			env := jujutest.HookEnv{Hook: octavia.EndpointCluster + "-relation-changed", RelationID: b.relID, RemoteApp: b.h.m.App}
			if owner != "app" {
				env.RemoteUnit = owner
			}
			b.enqueue(peerEvent{unit: u, env: env})
		}
	}
}

func (b *peerBus) enqueue(e peerEvent) {
	for _, q := range b.queue {
		if q.unit == e.unit && q.env.RemoteUnit == e.env.RemoteUnit {
			return
		}
	}
	b.queue = append(b.queue, e)
}

// run runs one hook through the bus: it checks, then looks for changes.
func (b *peerBus) run(unit string, env jujutest.HookEnv) {
	b.h.t.Helper()
	rel := b.h.m.Relation(b.relID)
	pre := map[string]map[string]string{"app": maps.Clone(rel.LocalAppData)}
	for u, bag := range rel.LocalUnits {
		pre[u] = maps.Clone(bag)
	}
	leader := b.h.m.Leader == unit
	first := len(b.h.systems[unit].ops)
	if _, err := b.h.run(unit, env); err != nil {
		b.h.t.Fatalf("%s on %s: %v", env.Hook, unit, err)
	}
	if b.check != nil {
		b.check(unit, env, b.h.systems[unit].ops[first:], pre, leader)
	}
	b.look()
}

// drain runs the queued hooks (in random order when rnd is set) until none
// is left, then update-status everywhere, until nothing changes.
func (b *peerBus) drain() {
	b.h.t.Helper()
	for round := 0; round < 20; round++ {
		b.look()
		for n := 0; len(b.queue) > 0; n++ {
			if n > 500 {
				b.h.t.Fatal("the peer relation never settles")
			}
			i := 0
			if b.rnd != nil {
				i = b.rnd.Intn(len(b.queue))
			}
			e := b.queue[i]
			b.queue = append(b.queue[:i], b.queue[i+1:]...)
			b.run(e.unit, e.env)
		}
		waiting := false
		for _, u := range b.h.m.UnitNames() {
			b.run(u, jujutest.HookEnv{Hook: "update-status"})
			waiting = waiting || b.h.status(u).Message == WaitingForRestartLock
		}
		if len(b.queue) == 0 && !waiting {
			return
		}
	}
	b.h.t.Fatal("units still wait for the restart lock")
}

// settle fires the peer hooks Juju would fire until the units stop
// changing the peer relation (used by tests of other features with peers).
func (h *harness) settle() {
	h.t.Helper()
	newPeerBus(h).drain()
}

// restarts counts the "restart <svc>" effects in ops.
func restarts(ops []string) int {
	n := 0
	for _, op := range ops {
		if strings.HasPrefix(op, "restart ") {
			n++
		}
	}
	return n
}

// lockChecker asserts, after every hook, that a unit restarted services
// only while it held the lock: the grant before the hook named it with the
// request it then released, or it led and nobody else held the grant (the
// leader grants itself in its own hook). Each request is served once; it
// counts the hooks in which each unit restarted.
type lockChecker struct {
	t        *testing.T
	h        *harness
	relID    string
	restarts map[string]int    // unit -> hooks in which it restarted services
	served   map[string]string // request nonce -> unit
}

func newLockChecker(t *testing.T, h *harness, relID string) *lockChecker {
	return &lockChecker{t: t, h: h, relID: relID, restarts: map[string]int{}, served: map[string]string{}}
}

func (c *lockChecker) check(unit string, env jujutest.HookEnv, ops []string, pre map[string]map[string]string, leader bool) {
	c.t.Helper()
	rel := c.h.m.Relation(c.relID)
	// The grant moves only when its holder has released it: its done
	// nonce, committed before this hook or in it (the leader's own), is
	// the granted one.
	if before, now := pre["app"][peerRestartGrant], rel.LocalAppData[peerRestartGrant]; before != now && before != "" {
		i := strings.LastIndex(before, ":")
		holder, nonce := before[:i], before[i+1:]
		released := pre[holder][peerRestartDone] == nonce || (holder == unit && rel.LocalUnits[unit][peerRestartDone] == nonce)
		if _, member := rel.LocalUnits[holder]; member && !released {
			c.t.Fatalf("%s moved the grant from %q to %q before it was released", unit, before, now)
		}
	}
	if restarts(ops) == 0 {
		return
	}
	c.restarts[unit]++
	after := rel.LocalUnits[unit]
	nonce := after[peerRestartDone]
	if nonce == "" || outstanding(after) != "" || pre[unit][peerRestartDone] == nonce {
		c.t.Fatalf("%s restarted in %s without releasing a request: bag before %v, after %v", unit, env.Hook, pre[unit], after)
	}
	grant := pre["app"][peerRestartGrant]
	holder, held := "", false
	if i := strings.LastIndex(grant, ":"); i > 0 {
		holder = grant[:i]
		held = outstanding(pre[holder]) == grant[i+1:]
	}
	switch {
	case grant == unit+":"+nonce:
	case leader && (!held || holder == unit):
	default:
		c.t.Fatalf("%s restarted in %s while the grant before the hook was %q (held: %v)", unit, env.Hook, grant, held)
	}
	if other, ok := c.served[nonce]; ok {
		c.t.Fatalf("request %s served twice (%s, then %s)", nonce, other, unit)
	}
	c.served[nonce] = unit
}

// watchedCluster is three deployed units whose peer hooks run through a
// bus that checks the restart lock after every hook and action.
func watchedCluster(t *testing.T) (*harness, *peerBus, *lockChecker) {
	h := threeUnits(t)
	bus := newPeerBus(h)
	bus.look()
	bus.queue = nil
	lc := newLockChecker(t, h, bus.relID)
	bus.check = lc.check
	return h, bus, lc
}

func threeUnits(t *testing.T) *harness {
	h := newHarness(t, "octavia/0", "octavia/1", "octavia/2")
	h.deploy(true)
	h.settle()
	for _, u := range h.m.UnitNames() {
		if st := h.status(u); st.Code != "active" {
			t.Fatalf("%s after deploy: %+v", u, st)
		}
		h.systems[u].takeOps()
	}
	return h
}

// TestRollingRestartOneUnitAtATime: a config change that restarts the
// controllers on three units, with the hooks in many random orders: no
// two units ever restart under the same grant or without it, every unit
// restarts exactly once, and all end active.
func TestRollingRestartOneUnitAtATime(t *testing.T) {
	waited := 0
	for seed := int64(1); seed <= 12; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			h, bus, lc := watchedCluster(t)
			bus.rnd = rand.New(rand.NewSource(seed))
			if err := h.m.SetConfig("debug", true); err != nil {
				t.Fatal(err)
			}
			units := h.m.UnitNames()
			bus.rnd.Shuffle(len(units), func(i, j int) { units[i], units[j] = units[j], units[i] })
			// config-changed reaches the units in any order, interleaved
			// with the peer hooks the first ones cause.
			for _, u := range units {
				bus.run(u, jujutest.HookEnv{Hook: "config-changed"})
				for k := bus.rnd.Intn(3); k > 0 && len(bus.queue) > 0; k-- {
					i := bus.rnd.Intn(len(bus.queue))
					e := bus.queue[i]
					bus.queue = append(bus.queue[:i], bus.queue[i+1:]...)
					bus.run(e.unit, e.env)
				}
			}
			for _, u := range units {
				if h.status(u).Message == WaitingForRestartLock {
					waited++
				}
			}
			bus.drain()
			for _, u := range units {
				if lc.restarts[u] != 1 {
					t.Errorf("%s restarted in %d hooks, want 1", u, lc.restarts[u])
				}
				if st := h.status(u); st != (juju.Status{Code: "active", Message: "Unit is ready"}) {
					t.Errorf("%s: %+v", u, st)
				}
				if !h.systems[u].running[octavia.SvcWorker] {
					t.Errorf("%s: the worker does not run", u)
				}
			}
		})
	}
	if waited == 0 {
		t.Error("no unit ever waited for the lock: the test proves nothing")
	}
}

// TestRollingRestartSurvivesLeaderChange: leadership moves to another
// unit in the middle of a roll; the new leader carries on from the bags.
func TestRollingRestartSurvivesLeaderChange(t *testing.T) {
	h, bus, lc := watchedCluster(t)
	if err := h.m.SetConfig("debug", true); err != nil {
		t.Fatal(err)
	}
	// The followers first: both request, the leader sees both requests
	// and grants the first.
	bus.run("octavia/1", jujutest.HookEnv{Hook: "config-changed"})
	bus.run("octavia/2", jujutest.HookEnv{Hook: "config-changed"})
	var rest []peerEvent
	for _, e := range bus.queue {
		if e.unit == "octavia/0" {
			bus.run(e.unit, e.env)
		} else {
			rest = append(rest, e)
		}
	}
	bus.queue = rest
	grant := h.m.Relation(bus.relID).LocalAppData[peerRestartGrant]
	if !strings.HasPrefix(grant, "octavia/1:") {
		t.Fatalf("grant after the leader's hook = %q", grant)
	}
	// The old leader loses leadership before anyone else ran a hook.
	h.m.SetLeader("octavia/2")
	bus.run("octavia/2", jujutest.HookEnv{Hook: "leader-elected"})
	bus.run("octavia/0", jujutest.HookEnv{Hook: "leader-settings-changed"})
	bus.run("octavia/1", jujutest.HookEnv{Hook: "leader-settings-changed"})
	// The old leader gets its config-changed only now.
	bus.run("octavia/0", jujutest.HookEnv{Hook: "config-changed"})
	if st := h.status("octavia/0"); st.Message != WaitingForRestartLock {
		t.Errorf("the old leader does not wait for the lock: %+v", st)
	}
	bus.drain()
	for _, u := range h.m.UnitNames() {
		if lc.restarts[u] != 1 {
			t.Errorf("%s restarted in %d hooks, want 1", u, lc.restarts[u])
		}
		if st := h.status(u); st.Code != "active" {
			t.Errorf("%s: %+v", u, st)
		}
	}
}

// TestSingleUnitRestartsWithoutLock: one unit has nobody to take turns
// with; it restarts in the config-changed hook and publishes no request.
func TestSingleUnitRestartsWithoutLock(t *testing.T) {
	h := newHarness(t, "octavia/0")
	h.deploy(true)
	h.systems["octavia/0"].takeOps()
	if err := h.m.SetConfig("debug", true); err != nil {
		t.Fatal(err)
	}
	h.hook("octavia/0", "config-changed")
	if n := restarts(h.systems["octavia/0"].takeOps()); n == 0 {
		t.Error("no restart")
	}
	rel := h.m.RelationsOn(octavia.EndpointCluster)[0]
	if req := rel.LocalUnits["octavia/0"][peerRestartRequest]; req != "" {
		t.Errorf("a lone unit requested the lock: %q", req)
	}
	if st := h.status("octavia/0"); st.Code != "active" {
		t.Errorf("status %+v", st)
	}
}

// TestFirstConfigurationNeedsNoLock: a unit whose services never ran with
// the charm's configuration starts them at once, peers or not.
func TestFirstConfigurationNeedsNoLock(t *testing.T) {
	h := newHarness(t, "octavia/0", "octavia/1", "octavia/2")
	h.deploy(true)
	for _, u := range h.m.UnitNames() {
		if st := h.status(u); st.Message == WaitingForRestartLock {
			t.Errorf("%s waits for the lock during its deployment", u)
		}
		if !h.systems[u].running[octavia.SvcWorker] {
			t.Errorf("%s: the worker does not run after deployment", u)
		}
	}
}

// TestRestartServicesActionQueuesWithPeers: on a follower the action
// queues the restart; the hooks the request fires restart the services
// when the leader grants the lock. On the leader with the lock free it
// restarts at once.
func TestRestartServicesActionQueuesWithPeers(t *testing.T) {
	h, bus, lc := watchedCluster(t)

	st := bus.action("octavia/1", "restart-services")
	if st.Failed || st.Results["queued"] == nil {
		t.Fatalf("follower restart-services: %+v", st)
	}
	if n := restarts(h.systems["octavia/1"].takeOps()); n != 0 {
		t.Fatalf("the follower restarted %d services before holding the lock", n)
	}
	bus.drain()
	if lc.restarts["octavia/1"] != 1 {
		t.Errorf("octavia/1 restarted in %d hooks after its queued action, want 1", lc.restarts["octavia/1"])
	}
	if st := h.status("octavia/1"); st.Code != "active" {
		t.Errorf("octavia/1: %+v", st)
	}

	st = bus.action("octavia/0", "restart-services")
	if st.Failed || st.Results["restarted"] == nil {
		t.Fatalf("leader restart-services: %+v", st)
	}
	bag := h.m.Relation(bus.relID).LocalUnits["octavia/0"]
	if outstanding(bag) != "" || !strings.HasPrefix(h.m.Relation(bus.relID).LocalAppData[peerRestartGrant], "octavia/0:") {
		t.Errorf("the leader did not take and release the lock: bag %v", bag)
	}
}

func TestNextUnitRoundRobin(t *testing.T) {
	req := map[string]string{"octavia/2": "a", "octavia/10": "b", "octavia/0": "c"}
	for last, want := range map[string]string{"": "octavia/0", "octavia/0": "octavia/2", "octavia/2": "octavia/10", "octavia/10": "octavia/0", "octavia/5": "octavia/10"} {
		if got := nextUnit(req, last); got != want {
			t.Errorf("after %q: %s, want %s", last, got, want)
		}
	}
}

// TestConvergedClusterIsQuiet: once the roll is over, the lock costs
// nothing: no effect, no relation write, update-status within budget.
func TestConvergedClusterIsQuiet(t *testing.T) {
	h := threeUnits(t)
	rel := h.m.RelationsOn(octavia.EndpointCluster)[0]
	before := maps.Clone(rel.LocalAppData)
	for _, u := range h.m.UnitNames() {
		for _, hook := range []string{"config-changed", "update-status", "leader-settings-changed"} {
			calls, err := h.run(u, jujutest.HookEnv{Hook: hook})
			if err != nil {
				t.Fatal(err)
			}
			if ops := h.systems[u].takeOps(); len(ops) > 0 {
				t.Errorf("%s %s did %v", u, hook, ops)
			}
			if budget := map[bool]int{true: 3, false: 30}[hook == "update-status"]; calls > budget {
				t.Errorf("%s %s made %d calls, budget %d", u, hook, calls, budget)
			}
		}
		if ctx := h.m.History[len(h.m.History)-1]; ctx.Calls["relation-set"] > 0 {
			t.Errorf("%s wrote relation data on a converged unit", u)
		}
	}
	if !maps.Equal(before, rel.LocalAppData) {
		t.Errorf("the application bag changed: %v -> %v", before, rel.LocalAppData)
	}
}
