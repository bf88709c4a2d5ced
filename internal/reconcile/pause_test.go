package reconcile

import (
	"context"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"charm-octavia/internal/juju"
	"charm-octavia/internal/juju/jujutest"
	"charm-octavia/internal/octavia"
	"charm-octavia/internal/system/service"
)

// pausedStatus is the status a paused unit shows, word for word as the
// upstream charm (charms.openstack) shows it.
var pausedStatus = juju.Status{Code: "maintenance", Message: "Paused. Use 'resume' action to resume normal service."}

// startOrder is the order the services start in (octavia.Plan.Services).
var startOrder = []string{"memcached", "apache2", "haproxy", "octavia-worker", "octavia-health-manager", "octavia-housekeeping"}

// action runs an action on a unit and returns its outcome.
func (h *harness) action(unit, name string) *jujutest.ActionState {
	h.t.Helper()
	if _, err := h.run(unit, jujutest.HookEnv{Action: name}); err != nil {
		h.t.Fatalf("action %s on %s: %v", name, unit, err)
	}
	rec := h.m.History[len(h.m.History)-1]
	if rec.Action == nil || rec.Action.Name != name {
		h.t.Fatalf("last record is not action %s: %+v", name, rec)
	}
	return rec.Action
}

// checkingSystem is the unit's fake machine that also records each
// running-check (a process on a real unit) as an effect.
type checkingSystem struct{ *fakeSystem }

func (c checkingSystem) Services() service.Services {
	return checkingServices{fakeServices{c.fakeSystem}}
}

type checkingServices struct{ fakeServices }

func (s checkingServices) Running(ctx context.Context, names []string) (map[string]bool, error) {
	s.f.op("check running %v", names)
	return s.fakeServices.Running(ctx, names)
}

// runChecking runs one hook as harness.run does, on the unit's machine
// with its running-checks recorded, and returns its hook-tool calls.
func (h *harness) runChecking(unit string, env jujutest.HookEnv) (int, error) {
	h.t.Helper()
	ctx := h.m.Context(unit, env)
	vars := ctx.Env()
	vars["JUJU_CHARM_DIR"] = h.dirs[unit]
	u := &Unit{
		Env:     juju.ReadEnv(func(k string) string { return vars[k] }),
		Tools:   juju.New(ctx),
		System:  checkingSystem{h.systems[unit]},
		Planner: h.planner,
		Log:     io.Discard,
		Now:     func() time.Time { return time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC) },
	}
	err := u.Run(context.Background())
	ctx.Close(err == nil)
	total := 0
	for _, n := range ctx.Calls() {
		total += n
	}
	return total, err
}

// serviceOps keeps the effects on services: start, stop, restart, reload,
// enable, disable, and running-checks.
func serviceOps(ops []string) []string {
	var out []string
	for _, op := range ops {
		verb, _, _ := strings.Cut(op, " ")
		switch verb {
		case "start", "stop", "restart", "reload", "enable", "disable", "check":
			out = append(out, op)
		}
	}
	return out
}

func opsFor(verbs []string, names []string) []string {
	var out []string
	for _, n := range names {
		for _, v := range verbs {
			out = append(out, v+" "+n)
		}
	}
	return out
}

func reversed(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[len(names)-1-i] = n
	}
	return out
}

func pausedDeploy(t *testing.T) (*harness, *fakeSystem) {
	t.Helper()
	h := newHarness(t, "octavia/0")
	h.deploy(true)
	sys := h.systems["octavia/0"]
	sys.takeOps()
	if a := h.action("octavia/0", "pause"); a.Failed {
		t.Fatalf("pause failed: %s", a.Message)
	}
	sys.takeOps()
	return h, sys
}

// TestManagedServicesAreThePlanOrder: the actions know the same services,
// in the same order, as the passes start them.
func TestManagedServicesAreThePlanOrder(t *testing.T) {
	h := newHarness(t, "octavia/0")
	h.deploy(true)
	// The first pass that runs services starts or restarts each once.
	var started []string
	seen := map[string]bool{}
	for _, op := range h.systems["octavia/0"].ops {
		verb, name, _ := strings.Cut(op, " ")
		if (verb == "start" || verb == "restart") && !seen[name] {
			seen[name] = true
			started = append(started, name)
		}
	}
	if !reflect.DeepEqual(started, managedServices()) || !reflect.DeepEqual(started, startOrder) {
		t.Errorf("deploy started %v; the actions manage %v", started, managedServices())
	}
}

func TestPauseStopsAndDisablesEveryService(t *testing.T) {
	h := newHarness(t, "octavia/0")
	h.deploy(true)
	sys := h.systems["octavia/0"]
	sys.takeOps()
	a := h.action("octavia/0", "pause")
	if a.Failed {
		t.Fatalf("pause failed: %s", a.Message)
	}
	want := opsFor([]string{"stop", "disable"}, reversed(startOrder))
	if got := serviceOps(sys.takeOps()); !reflect.DeepEqual(got, want) {
		t.Errorf("pause did\n%v\nwant\n%v", got, want)
	}
	for _, name := range startOrder {
		if sys.running[name] {
			t.Errorf("%s still runs", name)
		}
	}
	if st := h.status("octavia/0"); st != pausedStatus {
		t.Errorf("status = %+v, want %+v", st, pausedStatus)
	}
	if got := a.Results["stopped"]; got != strings.Join(reversed(startOrder), " ") {
		t.Errorf("stopped = %v", got)
	}
	// The record outlives the snapshot in Juju's unit state.
	state := h.m.Unit("octavia/0").State
	if state[statePaused] != "true" || state[statePausedRunning] != strings.Join(startOrder, " ") {
		t.Errorf("unit state = %v", state)
	}
}

// TestPausedUnitHooksStartNothing: every hook on a paused unit leaves the
// services alone and keeps the paused status; update-status starts no
// process and stays within its budget.
func TestPausedUnitHooksStartNothing(t *testing.T) {
	h, sys := pausedDeploy(t)
	hooks := []jujutest.HookEnv{
		{Hook: "update-status"}, {Hook: "config-changed"}, {Hook: "start"}, {Hook: "upgrade-charm"},
		{Hook: "leader-elected"}, {Hook: "leader-settings-changed"}, {Hook: "update-status"},
	}
	for _, r := range h.m.Relations {
		for ru := range r.RemoteUnits {
			hooks = append(hooks, jujutest.HookEnv{Hook: r.Endpoint + "-relation-changed", RelationID: r.ID, RemoteUnit: ru})
			break
		}
	}
	for _, env := range hooks {
		calls, err := h.runChecking("octavia/0", env)
		if err != nil {
			t.Fatalf("%s: %v", env.Hook, err)
		}
		if ops := serviceOps(sys.takeOps()); len(ops) > 0 {
			t.Errorf("%s on a paused unit did %v", env.Hook, ops)
		}
		if st := h.status("octavia/0"); st != pausedStatus {
			t.Errorf("after %s status = %+v", env.Hook, st)
		}
		if env.Hook == "update-status" && calls > 3 {
			t.Errorf("update-status on a paused unit made %d hook-tool calls, budget 3", calls)
		}
	}
	for _, name := range startOrder {
		if sys.running[name] {
			t.Errorf("%s runs on a paused unit", name)
		}
	}
}

// TestUpdateStatusOnPausedUnitIsFree: no hook-tool call, no process.
func TestUpdateStatusOnPausedUnitIsFree(t *testing.T) {
	h, sys := pausedDeploy(t)
	calls, err := h.runChecking("octavia/0", jujutest.HookEnv{Hook: "update-status"})
	if err != nil {
		t.Fatal(err)
	}
	if ops := sys.takeOps(); len(ops) > 0 || calls != 0 {
		t.Errorf("update-status on a paused unit: %d hook-tool calls, effects %v", calls, ops)
	}
}

func TestConfigChangeWhilePausedWritesButRestartsNothing(t *testing.T) {
	h, sys := pausedDeploy(t)
	if err := h.m.SetConfig("debug", true); err != nil {
		t.Fatal(err)
	}
	h.hook("octavia/0", "config-changed")
	ops := sys.takeOps()
	if !strings.Contains(strings.Join(ops, "\n"), "write "+octavia.ConfPath) {
		t.Errorf("config-changed while paused did not write octavia.conf: %v", ops)
	}
	if got := serviceOps(ops); len(got) > 0 {
		t.Errorf("config-changed while paused did %v", got)
	}
	if !strings.Contains(string(sys.files[octavia.ConfPath].Data), "debug = true") {
		t.Error("octavia.conf does not have the new setting")
	}
	if st := h.status("octavia/0"); st != pausedStatus {
		t.Errorf("status = %+v", st)
	}

	// Resume starts the services with the new file: nothing to restart.
	if a := h.action("octavia/0", "resume"); a.Failed {
		t.Fatalf("resume failed: %s", a.Message)
	}
	want := append(opsFor([]string{"enable"}, startOrder), opsFor([]string{"start"}, startOrder)...)
	if got := serviceOps(sys.takeOps()); !reflect.DeepEqual(got, want) {
		t.Errorf("resume did\n%v\nwant\n%v", got, want)
	}
}

func TestResumeStartsInOrderAndReturnsToActive(t *testing.T) {
	h, sys := pausedDeploy(t)
	a := h.action("octavia/0", "resume")
	if a.Failed {
		t.Fatalf("resume failed: %s", a.Message)
	}
	want := append(opsFor([]string{"enable"}, startOrder), opsFor([]string{"start"}, startOrder)...)
	if got := serviceOps(sys.takeOps()); !reflect.DeepEqual(got, want) {
		t.Errorf("resume did\n%v\nwant\n%v", got, want)
	}
	for _, name := range startOrder {
		if !sys.running[name] {
			t.Errorf("%s does not run after resume", name)
		}
	}
	if st := h.status("octavia/0"); st != (juju.Status{Code: "active", Message: "Unit is ready"}) {
		t.Errorf("status after resume = %+v", st)
	}
	if a.Results["status"] != "active: Unit is ready" {
		t.Errorf("results = %v", a.Results)
	}
	if state := h.m.Unit("octavia/0").State; len(state) != 0 {
		t.Errorf("the pause record stays in the unit state: %v", state)
	}
	// The unit is converged again.
	sys.takeOps()
	h.hook("octavia/0", "update-status")
	if ops := sys.takeOps(); len(ops) > 0 {
		t.Errorf("update-status after resume did %v", ops)
	}
	h.hook("octavia/0", "config-changed")
	if ops := sys.takeOps(); len(ops) > 0 {
		t.Errorf("config-changed after resume did %v", ops)
	}
}

// TestResumeRestoresWhatRan: a unit that lost a relation keeps its last
// good configuration running and is blocked; pause and resume bring back
// exactly that, although the pass does not start services while blocked.
func TestResumeRestoresWhatRan(t *testing.T) {
	h := newHarness(t, "octavia/0")
	h.deploy(true)
	sys := h.systems["octavia/0"]
	mq := h.m.RelationsOn(octavia.EndpointAMQP)[0]
	mq.DepartRemoteUnit("rabbitmq-server/0")
	if _, err := h.run("octavia/0", jujutest.HookEnv{Hook: "amqp-relation-departed", RelationID: mq.ID, RemoteUnit: "rabbitmq-server/0", DepartingUnit: "rabbitmq-server/0"}); err != nil {
		t.Fatal(err)
	}
	h.m.BreakRelation(mq.ID)
	if _, err := h.run("octavia/0", jujutest.HookEnv{Hook: "amqp-relation-broken", RelationID: mq.ID}); err != nil {
		t.Fatal(err)
	}
	before := h.status("octavia/0")
	if before.Code != "blocked" {
		t.Fatalf("status after amqp left = %+v", before)
	}
	if a := h.action("octavia/0", "pause"); a.Failed {
		t.Fatal(a.Message)
	}
	if st := h.status("octavia/0"); st != pausedStatus {
		t.Errorf("paused blocked unit shows %+v", st)
	}
	sys.takeOps()
	if a := h.action("octavia/0", "resume"); a.Failed {
		t.Fatal(a.Message)
	}
	var started []string
	for _, op := range sys.takeOps() {
		if name, ok := strings.CutPrefix(op, "start "); ok {
			started = append(started, name)
		}
	}
	if !reflect.DeepEqual(started, startOrder) {
		t.Errorf("resume started %v, want %v", started, startOrder)
	}
	if st := h.status("octavia/0"); st != before {
		t.Errorf("status after resume = %+v, want %+v", st, before)
	}
}

// TestPauseSurvivesALostSnapshot: the record in Juju's unit state keeps a
// unit paused when its snapshot is gone (a refresh, a new snapshot format).
func TestPauseSurvivesALostSnapshot(t *testing.T) {
	h, sys := pausedDeploy(t)
	h.dirs["octavia/0"] = t.TempDir()
	for _, hook := range []string{"upgrade-charm", "config-changed", "update-status"} {
		if _, err := h.runChecking("octavia/0", jujutest.HookEnv{Hook: hook}); err != nil {
			t.Fatal(err)
		}
		// The packaged octavia-api is stopped and disabled again (the
		// record of that went with the snapshot): nothing starts.
		for _, op := range serviceOps(sys.takeOps()) {
			if verb, _, _ := strings.Cut(op, " "); verb == "start" || verb == "restart" || verb == "reload" {
				t.Errorf("%s without a snapshot on a paused unit did %s", hook, op)
			}
		}
		if st := h.status("octavia/0"); st != pausedStatus {
			t.Errorf("after %s status = %+v", hook, st)
		}
	}
	// And resume works from the record alone.
	h.dirs["octavia/0"] = t.TempDir()
	if a := h.action("octavia/0", "resume"); a.Failed {
		t.Fatal(a.Message)
	}
	if st := h.status("octavia/0"); st.Code != "active" {
		t.Errorf("status after resume = %+v", st)
	}
	for _, name := range startOrder {
		if !sys.running[name] {
			t.Errorf("%s does not run after resume", name)
		}
	}
}

// TestPauseTwiceKeepsWhatRan: a second pause stops nothing new and keeps
// the first record of what ran, so resume still starts it all.
func TestPauseTwiceKeepsWhatRan(t *testing.T) {
	h, sys := pausedDeploy(t)
	if a := h.action("octavia/0", "pause"); a.Failed {
		t.Fatal(a.Message)
	}
	if got := h.m.Unit("octavia/0").State[statePausedRunning]; got != strings.Join(startOrder, " ") {
		t.Errorf("paused-running after a second pause = %q", got)
	}
	sys.takeOps()
	h.action("octavia/0", "resume")
	for _, name := range startOrder {
		if !sys.running[name] {
			t.Errorf("%s does not run after resume", name)
		}
	}
}

func TestRestartServicesRestartsInOrder(t *testing.T) {
	h := newHarness(t, "octavia/0")
	h.deploy(true)
	sys := h.systems["octavia/0"]
	sys.takeOps()
	a := h.action("octavia/0", "restart-services")
	if a.Failed {
		t.Fatalf("restart-services failed: %s", a.Message)
	}
	if got := serviceOps(sys.takeOps()); !reflect.DeepEqual(got, opsFor([]string{"restart"}, startOrder)) {
		t.Errorf("restart-services did %v", got)
	}
	if a.Results["restarted"] != strings.Join(startOrder, " ") {
		t.Errorf("restarted = %v", a.Results["restarted"])
	}
	var logged []string
	for _, name := range startOrder {
		logged = append(logged, "restarted "+name)
	}
	if !reflect.DeepEqual(a.Logs, logged) {
		t.Errorf("action log = %v", a.Logs)
	}
	if st := h.status("octavia/0"); st.Code != "active" {
		t.Errorf("status = %+v", st)
	}
}

func TestRestartServicesRefusesWhilePaused(t *testing.T) {
	h, sys := pausedDeploy(t)
	a := h.action("octavia/0", "restart-services")
	if !a.Failed || a.Message != "unit is paused: resume it first" {
		t.Errorf("restart-services on a paused unit: %+v", a)
	}
	if ops := serviceOps(sys.takeOps()); len(ops) > 0 {
		t.Errorf("restart-services on a paused unit did %v", ops)
	}
	if st := h.status("octavia/0"); st != pausedStatus {
		t.Errorf("status = %+v", st)
	}
}

// TestPauseBeforeInstallStopsNothing: an empty unit pauses (nothing to
// stop), and its install hook then installs and renders but starts nothing.
func TestPauseBeforeInstall(t *testing.T) {
	h := newHarness(t, "octavia/0")
	if a := h.action("octavia/0", "pause"); a.Failed {
		t.Fatalf("pause failed: %s", a.Message)
	}
	sys := h.systems["octavia/0"]
	if ops := sys.takeOps(); len(ops) > 0 {
		t.Errorf("pause of an empty unit did %v", ops)
	}
	h.deploy(true)
	for _, name := range startOrder {
		if sys.running[name] {
			t.Errorf("%s started on a paused unit", name)
		}
	}
	if st := h.status("octavia/0"); st != pausedStatus {
		t.Errorf("status = %+v", st)
	}
	h.action("octavia/0", "resume")
	if st := h.status("octavia/0"); st != (juju.Status{Code: "active", Message: "Unit is ready"}) {
		t.Errorf("status after resume = %+v", st)
	}
}
