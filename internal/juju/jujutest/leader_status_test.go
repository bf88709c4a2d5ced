package jujutest

import (
	"reflect"
	"testing"

	"charm-octavia/internal/juju"
)

func TestLeadership(t *testing.T) {
	m, _, _ := newTestModel(t)
	m.SetLeaderData(map[string]string{"heartbeat-key": "secret:abc", "old": "x"})
	leader := m.Context("octavia/0", hook("leader-elected"))
	other := m.Context("octavia/1", hook("leader-settings-changed"))
	if out := mustExec(t, leader, "is-leader", "--format=json"); out != "true\n" {
		t.Errorf("is-leader = %q", out)
	}
	if out := mustExec(t, other, "is-leader"); out != "False\n" {
		t.Errorf("smart is-leader = %q", out)
	}
	mustFail(t, other, 1, "not the leader", "leader-set", "a=b")
	mustExec(t, leader, "leader-set", "new=1", "old=")
	// leader-set is immediate: a failed hook keeps it.
	leader.Close(false)
	want := map[string]string{"heartbeat-key": "secret:abc", "new": "1"}
	if !reflect.DeepEqual(m.LeaderData, want) {
		t.Errorf("leader data = %v", m.LeaderData)
	}
	got := decode[map[string]string](t, mustExec(t, other, "leader-get", "--format=json"))
	if !reflect.DeepEqual(got, want) {
		t.Errorf("leader-get = %v", got)
	}
	if out := mustExec(t, other, "leader-get", "new"); out != "1\n" {
		t.Errorf("leader-get key = %q", out)
	}
	mustFail(t, other, 2, `invalid key "a=b"`, "leader-get", "a=b")
}

func TestStatus(t *testing.T) {
	m, _, _ := newTestModel(t)
	other := m.Context("octavia/1", hook("config-changed"))
	// Free text starting with "-" is a flag unless "--" comes first, as in
	// Juju.
	mustFail(t, other, 2, "flag provided but not defined: -- bad option", "status-set", "blocked", "-- bad option")
	mustExec(t, other, "status-set", "--", "blocked", "-x wrong")
	mustFail(t, other, 1, "this unit is not the leader", "status-set", "--application", "active")
	mustFail(t, other, 2, `invalid status "error"`, "status-set", "error")
	mustFail(t, other, 2, "invalid args, require <status> [message]", "status-set")
	mustFail(t, other, 2, "unrecognized args", "status-set", "active", "a", "b")
	other.Close(false)
	if s := m.Units["octavia/1"].Status; s != (juju.Status{Code: "blocked", Message: "-x wrong"}) {
		t.Errorf("status after a failed hook = %+v (status-set is immediate)", s)
	}
	c := m.Context("octavia/1", hook("update-status"))
	got := decode[map[string]any](t, mustExec(t, c, "status-get", "--include-data", "--format=json"))
	if got["status"] != "blocked" || got["message"] != "-x wrong" {
		t.Errorf("status-get = %v", got)
	}
	if out := mustExec(t, c, "status-get", "--format=json"); out != `{"status":"blocked"}`+"\n" {
		t.Errorf("status-get without data = %q", out)
	}
	if out := mustExec(t, c, "status-get"); out != "blocked\n" {
		t.Errorf("smart status-get = %q", out)
	}
	mustFail(t, c, 1, "not the leader", "status-get", "--application")
	leader := m.Context("octavia/0", hook("update-status"))
	mustExec(t, leader, "status-set", "--application", "active", "Unit is ready")
	app := decode[map[string]map[string]any](t, mustExec(t, leader, "status-get", "--application", "--include-data", "--format=json"))
	if app["application-status"]["message"] != "Unit is ready" || app["application-status"]["units"] == nil {
		t.Errorf("status-get --application = %v", app)
	}
	mustExec(t, leader, "application-version-set", "14.0.0")
	if m.Units["octavia/0"].WorkloadVersion != "14.0.0" {
		t.Errorf("workload version %q", m.Units["octavia/0"].WorkloadVersion)
	}
}

func TestPorts(t *testing.T) {
	m, _, _ := newTestModel(t)
	c := m.Context("octavia/0", hook("config-changed"))
	mustExec(t, c, "open-port", "9876/tcp")
	mustExec(t, c, "open-port", "9876")
	mustExec(t, c, "open-port", "5555/UDP")
	mustExec(t, c, "open-port", "icmp")
	mustFail(t, c, 1, "port range conflicts with 9876/tcp", "open-port", "9870-9880/tcp")
	mustFail(t, c, 2, "invalid port range", "open-port", "http")
	mustFail(t, c, 2, "between 1 and 65535", "open-port", "70000/tcp")
	mustFail(t, c, 2, "no port or range specified", "open-port")
	ports := decode[[]string](t, mustExec(t, c, "opened-ports", "--format=json"))
	if !reflect.DeepEqual(ports, []string{"icmp", "5555/udp", "9876/tcp"}) {
		t.Errorf("opened-ports in the hook = %q", ports)
	}
	if len(m.Units["octavia/0"].Ports) != 0 {
		t.Errorf("ports opened before the hook ends")
	}
	c.Close(true)
	if len(m.Units["octavia/0"].Ports) != 3 {
		t.Errorf("ports after commit: %v", m.Units["octavia/0"].Ports)
	}
	c2 := m.Context("octavia/0", hook("config-changed"))
	mustExec(t, c2, "close-port", "5555/udp")
	mustExec(t, c2, "open-port", "80", "--endpoints", "public,admin")
	if out := mustExec(t, c2, "opened-ports", "--endpoints"); out != "icmp (*)\n80/tcp (admin, public)\n9876/tcp (*)\n" {
		t.Errorf("opened-ports --endpoints = %q", out)
	}
	c2.Close(false)
	if len(m.Units["octavia/0"].Ports) != 3 {
		t.Errorf("ports after rollback: %v", m.Units["octavia/0"].Ports)
	}
}

func TestState(t *testing.T) {
	m, _, _ := newTestModel(t)
	c := m.Context("octavia/1", hook("install"))
	if out := mustExec(t, c, "state-get", "--format=json"); out != "null\n" {
		t.Errorf("empty state-get = %q", out)
	}
	if _, stderr, code := execIn(c, `{"a":"1","b":"2"}`, "state-set", "--file", "-"); code != 0 {
		t.Fatal(stderr)
	}
	mustExec(t, c, "state-delete", "b")
	if out := mustExec(t, c, "state-get", "--format=json"); out != `{"a":"1"}`+"\n" {
		t.Errorf("state-get with pending = %q", out)
	}
	if out := mustExec(t, c, "state-get", "missing", "--format=json"); out != `""`+"\n" {
		t.Errorf("missing key = %q", out)
	}
	mustFail(t, c, 1, `"missing" not found`, "state-get", "--strict", "missing")
	c.Close(true)
	if !reflect.DeepEqual(m.Units["octavia/1"].State, map[string]string{"a": "1"}) {
		t.Errorf("state after commit = %v", m.Units["octavia/1"].State)
	}
	c2 := m.Context("octavia/1", hook("update-status"))
	mustExec(t, c2, "state-set", "a=changed")
	c2.Close(false)
	if m.Units["octavia/1"].State["a"] != "1" {
		t.Errorf("state after rollback = %v", m.Units["octavia/1"].State)
	}
}
