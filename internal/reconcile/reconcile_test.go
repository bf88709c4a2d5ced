package reconcile

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"charm-octavia/internal/cloud"
	"charm-octavia/internal/juju"
	"charm-octavia/internal/juju/jujutest"
	"charm-octavia/internal/octavia"
)

// harness runs the charm's passes in-process against the fake model core
// and a fake machine per unit.
type harness struct {
	t       testing.TB
	m       *jujutest.Model
	planner *octavia.Planner
	systems map[string]*fakeSystem
	dirs    map[string]string
	// now is the clock of every pass.
	now time.Time
	// cloud and links, when set, are the management network (mgmtnet_test.go).
	cloud *fakeCloud
	links map[string]*fakeLink
}

func newHarness(t testing.TB, units ...string) *harness {
	t.Helper()
	m := jujutest.NewModel("octavia")
	if err := m.LoadConfigDefaults("../../charms/octavia/config.yaml"); err != nil {
		t.Fatal(err)
	}
	m.SetEndpoints(append(octavia.Endpoints(), "public", "internal", "admin")...)
	m.AddPeerRelation(octavia.EndpointCluster)
	h := &harness{t: t, m: m, planner: octavia.NewPlanner(), systems: map[string]*fakeSystem{}, dirs: map[string]string{},
		now: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)}
	for i, u := range units {
		m.AddUnit(u, i == 0)
		h.systems[u] = newFakeSystem()
		h.systems[u].version = "1:11.0.0-3"
		h.dirs[u] = t.TempDir()
	}
	return h
}

// run runs one hook on a unit, commits or discards its writes as Juju does,
// and returns its hook-tool calls.
func (h *harness) run(unit string, env jujutest.HookEnv) (int, error) {
	h.t.Helper()
	byTool, err := h.calls(unit, env)
	total := 0
	for _, n := range byTool {
		total += n
	}
	return total, err
}

// calls runs one hook (or action) like run and returns its hook-tool calls
// by tool.
func (h *harness) calls(unit string, env jujutest.HookEnv) (map[string]int, error) {
	h.t.Helper()
	ctx := h.m.Context(unit, env)
	err := h.newUnit(unit, ctx).Run(context.Background())
	ctx.Close(err == nil)
	return ctx.Calls(), err
}

// toolCalls is calls for a hook that must succeed.
func (h *harness) toolCalls(unit string, env jujutest.HookEnv) map[string]int {
	h.t.Helper()
	byTool, err := h.calls(unit, env)
	if err != nil {
		h.t.Fatalf("%s%s on %s: %v", env.Hook, env.Action, unit, err)
	}
	return byTool
}

// newUnit is the charm's Unit in one hook context, on the unit's fake
// machine (and fake cloud and link, when the harness has them).
func (h *harness) newUnit(unit string, ctx *jujutest.Context) *Unit {
	vars := ctx.Env()
	vars["JUJU_CHARM_DIR"] = h.dirs[unit]
	u := &Unit{
		Env:     juju.ReadEnv(func(k string) string { return vars[k] }),
		Tools:   juju.New(ctx),
		System:  h.systems[unit],
		Planner: h.planner,
		Log:     io.Discard,
		Now:     func() time.Time { return h.now },
	}
	if h.cloud != nil {
		u.ConnectCloud = func(context.Context, cloud.Credentials) (ManagementCloud, error) { return h.cloud, nil }
		u.Plumbing = h.links[unit]
		u.ObserveLink = h.links[unit].observe
	}
	return u
}

func (h *harness) hook(unit, name string) int {
	h.t.Helper()
	n, err := h.run(unit, jujutest.HookEnv{Hook: name})
	if err != nil {
		h.t.Fatalf("%s on %s: %v", name, unit, err)
	}
	return n
}

func (h *harness) relationHooks(unit, relID, remoteUnit string) {
	h.t.Helper()
	ep := h.m.Relation(relID).Endpoint
	for _, kind := range []string{"joined", "changed"} {
		if _, err := h.run(unit, jujutest.HookEnv{Hook: ep + "-relation-" + kind, RelationID: relID, RemoteUnit: remoteUnit}); err != nil {
			h.t.Fatalf("%s-relation-%s on %s: %v", ep, kind, unit, err)
		}
	}
}

func (h *harness) status(unit string) juju.Status { return h.m.Unit(unit).Status }

// deploy runs the deployment hooks and relates the three required services
// with the documented provider data.
func (h *harness) deploy(noop bool) {
	h.t.Helper()
	if noop {
		if err := h.m.SetConfig("noop-drivers", true); err != nil {
			h.t.Fatal(err)
		}
	}
	units := h.m.UnitNames()
	for _, u := range units {
		h.hook(u, "install")
		if u == h.m.Leader {
			h.hook(u, "leader-elected")
		} else {
			h.hook(u, "leader-settings-changed")
		}
		h.hook(u, "config-changed")
		h.hook(u, "start")
	}
	allowed := strings.Join(units, " ")
	db := h.m.AddRelation(octavia.EndpointSharedDB, "mysql")
	db.AddRemoteUnit("mysql/0", map[string]string{"db_host": "10.0.0.50", "password": "db-pw", "allowed_units": allowed})
	mq := h.m.AddRelation(octavia.EndpointAMQP, "rabbitmq-server")
	mq.AddRemoteUnit("rabbitmq-server/0", map[string]string{"hostname": "10.0.0.21", "private-address": "10.0.0.21", "password": "mq-pw"})
	ks := h.m.AddRelation(octavia.EndpointIdentityService, "keystone")
	ks.AddRemoteUnit("keystone/0", map[string]string{
		"service_host": "10.0.0.5", "service_port": "5000", "service_protocol": "http",
		"auth_host": "10.0.0.5", "auth_port": "35357", "auth_protocol": "http",
		"service_username": "octavia", "service_password": "ks-pw", "service_tenant": "services",
		"service_tenant_id": "abc", "service_domain": "service_domain", "api_version": "3",
	})
	for _, u := range units {
		h.relationHooks(u, db.ID, "mysql/0")
		h.relationHooks(u, mq.ID, "rabbitmq-server/0")
		h.relationHooks(u, ks.ID, "keystone/0")
	}
	// Followers learn of the leader's migration through leader settings.
	for _, u := range units {
		if u != h.m.Leader {
			h.hook(u, "leader-settings-changed")
		}
	}
}

func TestDeployReachesActive(t *testing.T) {
	h := newHarness(t, "octavia/0")
	h.hook("octavia/0", "install")
	sys := h.systems["octavia/0"]
	if ops := strings.Join(sys.ops, "\n"); !strings.Contains(ops, "apt-get install") {
		t.Fatalf("install did not install packages:\n%s", ops)
	}
	h.hook("octavia/0", "leader-elected")
	h.hook("octavia/0", "config-changed")
	st := h.status("octavia/0")
	if st.Code != "blocked" || !strings.HasPrefix(st.Message, "'shared-db' missing, 'amqp' missing, 'identity-service' missing") {
		t.Fatalf("status before relations = %+v", st)
	}
	h.deploy(true)
	if st := h.status("octavia/0"); st != (juju.Status{Code: "active", Message: "Unit is ready"}) {
		t.Fatalf("status = %+v, want active", st)
	}
	ops := strings.Join(sys.takeOps(), "\n")
	for _, want := range []string{"write /etc/octavia/octavia.conf", "run octavia-db-manage", "start octavia-worker", "start apache2", "a2ensite octavia-api"} {
		if !strings.Contains(ops, want) {
			t.Errorf("deploy did not %q:\n%s", want, ops)
		}
	}
	if h.m.LeaderData[octavia.LeaderSchema] != "11.0.0" {
		t.Errorf("leader did not record the migration: %v", h.m.LeaderData)
	}
	if h.m.Unit("octavia/0").WorkloadVersion != "11.0.0" {
		t.Errorf("application version = %q", h.m.Unit("octavia/0").WorkloadVersion)
	}
	// The relation data the providers read.
	db := h.m.RelationsOn(octavia.EndpointSharedDB)[0].LocalUnitData("octavia/0")
	if db["database"] != "octavia" || db["username"] != "octavia" || db["hostname"] == "" {
		t.Errorf("shared-db publishes %v", db)
	}
	ks := h.m.RelationsOn(octavia.EndpointIdentityService)[0].LocalUnitData("octavia/0")
	if ks["service"] != "octavia" || !strings.HasSuffix(ks["public_url"], ":9876") {
		t.Errorf("identity-service publishes %v", ks)
	}
}

// TestConvergedHooksChangeNothing: every hook run again on a converged unit
// writes no file, restarts no service, runs no apt, and stays in budget.
func TestConvergedHooksChangeNothing(t *testing.T) {
	h := newHarness(t, "octavia/0")
	h.deploy(true)
	sys := h.systems["octavia/0"]
	sys.takeOps()
	hooks := []jujutest.HookEnv{
		{Hook: "config-changed"}, {Hook: "update-status"}, {Hook: "upgrade-charm"}, {Hook: "start"},
		{Hook: "leader-elected"}, {Hook: "leader-settings-changed"},
	}
	for _, r := range h.m.Relations {
		ru := ""
		for u := range r.RemoteUnits {
			ru = u
		}
		hooks = append(hooks, jujutest.HookEnv{Hook: r.Endpoint + "-relation-changed", RelationID: r.ID, RemoteUnit: ru})
	}
	for _, env := range hooks {
		before := h.status("octavia/0")
		calls, err := h.run("octavia/0", env)
		if err != nil {
			t.Fatalf("%s: %v", env.Hook, err)
		}
		if ops := sys.takeOps(); len(ops) > 0 {
			t.Errorf("%s on a converged unit did %v", env.Hook, ops)
		}
		if h.status("octavia/0") != before {
			t.Errorf("%s changed the status", env.Hook)
		}
		budget := 30
		if env.Hook == "update-status" {
			budget = 3
		}
		if calls > budget {
			t.Errorf("%s made %d hook-tool calls, budget %d", env.Hook, calls, budget)
		}
	}
}

func TestFollowerWaitsForLeaderThenConverges(t *testing.T) {
	h := newHarness(t, "octavia/0", "octavia/1")
	h.deploy(true)
	for _, u := range []string{"octavia/0", "octavia/1"} {
		if st := h.status(u); st.Code != "active" {
			t.Errorf("%s status = %+v", u, st)
		}
	}
	// Both units render the same shared material.
	a := h.systems["octavia/0"].files[octavia.CertDir+"/issuing_ca.pem"].Data
	b := h.systems["octavia/1"].files[octavia.CertDir+"/issuing_ca.pem"].Data
	if len(a) == 0 || string(a) != string(b) {
		t.Error("units do not share the issuing CA")
	}
	ops := strings.Join(h.systems["octavia/1"].ops, "\n")
	if strings.Contains(ops, "octavia-db-manage") {
		t.Error("a follower ran the migration")
	}
}

func TestSecretsAreGeneratedOnceAndReuseUpstreamHeartbeatKey(t *testing.T) {
	h := newHarness(t, "octavia/0")
	h.m.SetLeaderData(map[string]string{"heartbeat-key": "upstream-uuid"})
	h.deploy(true)
	if n := len(h.m.Secrets); n != 2 {
		t.Fatalf("%d secrets, want 2", n)
	}
	conf := string(h.systems["octavia/0"].files[octavia.ConfPath].Data)
	if !strings.Contains(conf, "heartbeat_key = upstream-uuid") {
		t.Error("the upstream heartbeat key was not reused")
	}
	// Without a snapshot (a refresh from the Python charm, or a new
	// snapshot format) the unit reads the same secrets back.
	h.dirs["octavia/0"] = t.TempDir()
	h.hook("octavia/0", "upgrade-charm")
	if n := len(h.m.Secrets); n != 2 {
		t.Fatalf("%d secrets after upgrade-charm, want 2", n)
	}
}

func TestMigrationFailureWaitsAndRetries(t *testing.T) {
	h := newHarness(t, "octavia/0")
	sys := h.systems["octavia/0"]
	// A driver error that echoes the connection URL must not leak the password.
	sys.migrateErr = errors.New("(pymysql.err.OperationalError) mysql+pymysql://octavia:db-pw@10.0.0.50/octavia: connection refused")
	h.deploy(true)
	st := h.status("octavia/0")
	if st.Code != "waiting" || !strings.HasPrefix(st.Message, "Database migration failed, will retry") {
		t.Fatalf("status = %+v", st)
	}
	if strings.Contains(st.Message, "db-pw") || !strings.Contains(st.Message, "***") {
		t.Errorf("status does not redact the database password: %q", st.Message)
	}
	if sys.running[octavia.SvcWorker] {
		t.Error("the worker started before the schema was migrated")
	}
	sys.migrateErr = nil
	h.hook("octavia/0", "update-status")
	if st := h.status("octavia/0"); st.Code != "active" {
		t.Fatalf("after the database came back: %+v", st)
	}
}

func TestBadConfigBlocksAndKeepsFiles(t *testing.T) {
	h := newHarness(t, "octavia/0")
	h.deploy(true)
	sys := h.systems["octavia/0"]
	conf := sys.files[octavia.ConfPath].Data
	sys.takeOps()
	if err := h.m.SetConfig("loadbalancer-topology", "TRIPLE"); err != nil {
		t.Fatal(err)
	}
	h.hook("octavia/0", "config-changed")
	if st := h.status("octavia/0"); st.Code != "blocked" || !strings.HasPrefix(st.Message, "loadbalancer-topology:") {
		t.Fatalf("status = %+v", st)
	}
	if ops := sys.takeOps(); len(ops) > 0 {
		t.Errorf("bad config changed the unit: %v", ops)
	}
	if string(sys.files[octavia.ConfPath].Data) != string(conf) {
		t.Error("octavia.conf changed")
	}
	if err := h.m.SetConfig("loadbalancer-topology", "SINGLE"); err != nil {
		t.Fatal(err)
	}
	h.hook("octavia/0", "config-changed")
	if st := h.status("octavia/0"); st.Code != "active" {
		t.Fatalf("after fixing: %+v", st)
	}
}

// TestUpgradeActionsBeforeInstallFailClearly: nothing to upgrade yet.
func TestUpgradeActionsBeforeInstallFailClearly(t *testing.T) {
	h := newHarness(t, "octavia/0")
	for _, a := range []string{"openstack-upgrade", "package-upgrade"} {
		ctx := h.m.Context("octavia/0", jujutest.HookEnv{Action: a})
		vars := ctx.Env()
		vars["JUJU_CHARM_DIR"] = h.dirs["octavia/0"]
		u := &Unit{Env: juju.ReadEnv(func(k string) string { return vars[k] }), Tools: juju.New(ctx), System: h.systems["octavia/0"], Planner: h.planner}
		if err := u.Run(context.Background()); err != nil {
			t.Fatalf("%s: %v", a, err)
		}
		st := ctx.Action()
		ctx.Close(true)
		if st == nil || !st.Failed || !strings.Contains(st.Message, "not installed yet") {
			t.Errorf("%s: %+v", a, st)
		}
	}
}

// BenchmarkUpdateStatus measures update-status on a converged unit: wall
// time per hook and hook-tool calls (DESIGN.md budget: 20 ms, 3 calls).
func BenchmarkUpdateStatus(b *testing.B) {
	h := newHarness(b, "octavia/0")
	h.deploy(true)
	calls := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n, err := h.run("octavia/0", jujutest.HookEnv{Hook: "update-status"})
		if err != nil {
			b.Fatal(err)
		}
		calls += n
	}
	b.ReportMetric(float64(calls)/float64(b.N), "hook-tool-calls/op")
}

// BenchmarkConfigChangedNoop measures a config-changed that changes nothing.
func BenchmarkConfigChangedNoop(b *testing.B) {
	h := newHarness(b, "octavia/0")
	h.deploy(true)
	calls := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n, err := h.run("octavia/0", jujutest.HookEnv{Hook: "config-changed"})
		if err != nil {
			b.Fatal(err)
		}
		calls += n
	}
	b.ReportMetric(float64(calls)/float64(b.N), "hook-tool-calls/op")
}

// TestRelationLostKeepsLastGoodState: when amqp goes away the unit is
// blocked with the upstream message, but keeps its files and services;
// relating again brings it back with nothing rewritten.
func TestRelationLostKeepsLastGoodState(t *testing.T) {
	h := newHarness(t, "octavia/0")
	h.deploy(true)
	sys := h.systems["octavia/0"]
	sys.takeOps()
	mq := h.m.RelationsOn(octavia.EndpointAMQP)[0]
	data := mq.RemoteUnits["rabbitmq-server/0"]
	mq.DepartRemoteUnit("rabbitmq-server/0")
	if _, err := h.run("octavia/0", jujutest.HookEnv{Hook: "amqp-relation-departed", RelationID: mq.ID, RemoteUnit: "rabbitmq-server/0", DepartingUnit: "rabbitmq-server/0"}); err != nil {
		t.Fatal(err)
	}
	h.m.BreakRelation(mq.ID)
	if _, err := h.run("octavia/0", jujutest.HookEnv{Hook: "amqp-relation-broken", RelationID: mq.ID}); err != nil {
		t.Fatal(err)
	}
	if st := h.status("octavia/0"); st.Code != "blocked" || st.Message != "'amqp' missing" {
		t.Fatalf("status after amqp left = %+v", st)
	}
	if ops := sys.takeOps(); len(ops) > 0 {
		t.Errorf("losing amqp changed the unit: %v", ops)
	}
	if !sys.running[octavia.SvcWorker] {
		t.Error("the worker was stopped")
	}
	again := h.m.AddRelation(octavia.EndpointAMQP, "rabbitmq-server")
	again.AddRemoteUnit("rabbitmq-server/0", data)
	h.relationHooks("octavia/0", again.ID, "rabbitmq-server/0")
	if st := h.status("octavia/0"); st.Code != "active" {
		t.Fatalf("after relating again: %+v", st)
	}
	if ops := sys.takeOps(); len(ops) > 0 {
		t.Errorf("relating the same broker again changed the unit: %v", ops)
	}
}

// TestSecretChangedRereadsTheSecret: a follower drops its cached copy on
// secret-changed and renders the new content.
func TestSecretChangedRereadsTheSecret(t *testing.T) {
	h := newHarness(t, "octavia/0", "octavia/1")
	h.deploy(true)
	sec := h.m.SecretByLabel("octavia-control-plane")
	content, err := sec.Content(sec.LatestRevision())
	if err != nil {
		t.Fatal(err)
	}
	content["heartbeat-key"] = "rotated-heartbeat-key"
	h.m.SetSecretContent(sec.URI(), content)
	if _, err := h.run("octavia/1", jujutest.HookEnv{Hook: "secret-changed", SecretID: sec.URI(), SecretLabel: "octavia-control-plane"}); err != nil {
		t.Fatal(err)
	}
	// The restart takes turns with the leader (restartlock.go).
	h.settle()
	conf := string(h.systems["octavia/1"].files[octavia.ConfPath].Data)
	if !strings.Contains(conf, "heartbeat_key = rotated-heartbeat-key") {
		t.Error("octavia/1 did not render the new heartbeat key after secret-changed")
	}
	if ops := strings.Join(h.systems["octavia/1"].takeOps(), " "); !strings.Contains(ops, "restart octavia-health-manager") {
		t.Errorf("the health manager was not restarted for the new key: %s", ops)
	}
}
