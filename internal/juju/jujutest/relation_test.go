package jujutest

import (
	"reflect"
	"testing"
)

func TestRelationIDsAndList(t *testing.T) {
	m, peer, db := newTestModel(t)
	db2 := m.AddRelation("shared-db", "mysql-b")
	m.BreakRelation(db2.ID)
	c := m.Context("octavia/1", hook("update-status"))
	ids := decode[[]string](t, mustExec(t, c, "relation-ids", "shared-db", "--format=json"))
	if !reflect.DeepEqual(ids, []string{db.ID}) {
		t.Errorf("relation-ids = %q (the broken one must be gone)", ids)
	}
	if out := mustExec(t, c, "relation-ids", "nothing", "--format=json"); out != "[]\n" {
		t.Errorf("relation-ids of an empty endpoint = %q", out)
	}
	mustFail(t, c, 2, "no endpoint name specified", "relation-ids")
	units := decode[[]string](t, mustExec(t, c, "relation-list", "-r", peer.ID, "--format=json"))
	if !reflect.DeepEqual(units, []string{"octavia/0", "octavia/2"}) {
		t.Errorf("peer relation-list = %q, want the other units", units)
	}
	if out := mustExec(t, c, "relation-list", "-r", peer.ID, "--app", "--format=json"); out != "\"octavia\"\n" {
		t.Errorf("peer relation-list --app = %q", out)
	}
	if out := mustExec(t, c, "relation-list", "-r", db.ID); out != "mysql/0\n" {
		t.Errorf("smart relation-list = %q", out)
	}
}

func TestRelationHookDefaults(t *testing.T) {
	m, _, db := newTestModel(t)
	c := m.Context("octavia/0", HookEnv{Hook: "shared-db-relation-changed", RelationID: db.ID, RemoteUnit: "mysql/0"})
	if out := mustExec(t, c, "relation-ids", "--format=json"); out != `["`+db.ID+`"]`+"\n" {
		t.Errorf("relation-ids in a relation hook = %q", out)
	}
	if out := mustExec(t, c, "relation-get", "db_host"); out != "10.5.0.1\n" {
		t.Errorf("relation-get key = %q", out)
	}
	if out := mustExec(t, c, "relation-get", "--app", "--format=json"); out != `{"endpoints":"10.5.0.1:3306"}`+"\n" {
		t.Errorf("relation-get --app = %q", out)
	}
	if out := mustExec(t, c, "relation-get", "missing", "--format=json"); out != "null\n" {
		t.Errorf("missing key = %q", out)
	}
	env := c.Env()
	for k, v := range map[string]string{
		"JUJU_RELATION": "shared-db", "JUJU_RELATION_ID": db.ID, "JUJU_REMOTE_UNIT": "mysql/0",
		"JUJU_REMOTE_APP": "mysql", "JUJU_DISPATCH_PATH": "hooks/shared-db-relation-changed",
		"JUJU_HOOK_NAME": "shared-db-relation-changed", "JUJU_UNIT_NAME": "octavia/0", "JUJU_CONTEXT_ID": c.ID(),
		"JUJU_MODEL_UUID": m.UUID, "JUJU_MACHINE_ID": "0",
	} {
		if env[k] != v {
			t.Errorf("Env()[%s] = %q, want %q", k, env[k], v)
		}
	}
	if _, ok := env["JUJU_DEPARTING_UNIT"]; ok {
		t.Errorf("JUJU_DEPARTING_UNIT set outside -departed")
	}
	broken := m.Context("octavia/0", HookEnv{Hook: "shared-db-relation-broken", RelationID: db.ID})
	if out := mustExec(t, broken, "relation-get", "--format=json"); out != `{"endpoints":"10.5.0.1:3306"}`+"\n" {
		t.Errorf("relation-get with no remote unit reads the app bag, got %q", out)
	}
}

func TestRelationGetPermissions(t *testing.T) {
	m, peer, db := newTestModel(t)
	db.SetLocalAppData(map[string]string{"mine": "1"})
	peer.SetLocalAppData(map[string]string{"shared": "x"})
	peer.SetLocalUnitData("octavia/0", map[string]string{"addr": "10.0.0.10"})
	leader := m.Context("octavia/0", hook("update-status"))
	other := m.Context("octavia/1", hook("update-status"))
	if out := mustExec(t, leader, "relation-get", "-r", db.ID, "--app", "--format=json", "-", "octavia"); out != `{"mine":"1"}`+"\n" {
		t.Errorf("leader reads its app bag: %q", out)
	}
	mustFail(t, other, 1, "permission denied", "relation-get", "-r", db.ID, "--app", "-", "octavia")
	if out := mustExec(t, other, "relation-get", "-r", peer.ID, "--app", "--format=json", "-", "octavia"); out != `{"shared":"x"}`+"\n" {
		t.Errorf("peer app bag readable by all: %q", out)
	}
	if out := mustExec(t, other, "relation-get", "-r", peer.ID, "--format=json", "-", "octavia/0"); out != `{"addr":"10.0.0.10"}`+"\n" {
		t.Errorf("peer unit bag: %q", out)
	}
	mustFail(t, other, 1, "permission denied", "relation-get", "-r", db.ID, "-", "octavia/0")
	mustFail(t, other, 1, "settings not found", "relation-get", "-r", db.ID, "-", "mysql/7")
	mustFail(t, other, 2, `expected unit name, got application name "mysql"`, "relation-get", "-r", db.ID, "-", "mysql")
	mustFail(t, other, 2, "no unit or application specified", "relation-get", "-r", db.ID)
	// A departed unit's data stays readable.
	db.AddRemoteUnit("mysql/1", map[string]string{"x": "y"}).DepartRemoteUnit("mysql/1")
	if out := mustExec(t, other, "relation-get", "-r", db.ID, "x", "mysql/1"); out != "y\n" {
		t.Errorf("departed unit: %q", out)
	}
	if out := mustExec(t, other, "relation-list", "-r", db.ID); out != "mysql/0\n" {
		t.Errorf("departed unit still listed: %q", out)
	}
}

func TestRelationSetDeferredAndVisible(t *testing.T) {
	m, _, db := newTestModel(t)
	db.SetLocalUnitData("octavia/1", map[string]string{"old": "1", "keep": "k"})
	c := m.Context("octavia/1", hook("config-changed"))
	mustExec(t, c, "relation-set", "-r", db.ID, "host=10.0.0.11", "old=")
	if _, stderr, code := execIn(c, `{"password":"pw","n":5}`, "relation-set", "-r", db.ID, "--file", "-"); code != 0 {
		t.Fatalf("relation-set --file -: %s", stderr)
	}
	own := decode[map[string]string](t, mustExec(t, c, "relation-get", "-r", db.ID, "--format=json", "-", "octavia/1"))
	if !reflect.DeepEqual(own, map[string]string{"host": "10.0.0.11", "keep": "k", "password": "pw", "n": "5"}) {
		t.Errorf("own bag with pending writes = %v", own)
	}
	if got := db.LocalUnitData("octavia/1"); !reflect.DeepEqual(got, map[string]string{"old": "1", "keep": "k"}) {
		t.Errorf("written before the hook ends: %v", got)
	}
	c.Close(true)
	if got := db.LocalUnitData("octavia/1"); !reflect.DeepEqual(got, own) {
		t.Errorf("after commit: %v, want %v", got, own)
	}

	c2 := m.Context("octavia/1", hook("config-changed"))
	mustExec(t, c2, "relation-set", "-r", db.ID, "host=changed")
	c2.Close(false)
	if got := db.LocalUnitData("octavia/1")["host"]; got != "10.0.0.11" {
		t.Errorf("after rollback host = %q", got)
	}
	mustFail(t, c2, 1, "unknown context id", "relation-get", "-r", db.ID, "-", "octavia/1")
}

func TestRelationSetAppLeaderOnly(t *testing.T) {
	m, peer, db := newTestModel(t)
	other := m.Context("octavia/2", hook("config-changed"))
	mustFail(t, other, 1, "cannot write relation settings", "relation-set", "-r", db.ID, "--app", "a=b")
	mustFail(t, other, 1, "cannot write relation settings", "relation-set", "-r", peer.ID, "--app", "a=b")
	mustFail(t, other, 2, `expected "key=value", got "novalue"`, "relation-set", "-r", db.ID, "novalue")
	mustFail(t, other, 2, `key "a" specified more than once`, "relation-set", "-r", db.ID, "a=1", "a=2")
	leader := m.Context("octavia/0", hook("config-changed"))
	mustExec(t, leader, "relation-set", "-r", peer.ID, "--app", "shared=1")
	if out := mustExec(t, leader, "relation-get", "-r", peer.ID, "--app", "shared", "octavia"); out != "1\n" {
		t.Errorf("leader sees its pending app write: %q", out)
	}
	leader.Close(true)
	if peer.LocalAppData["shared"] != "1" {
		t.Errorf("app bag after commit: %v", peer.LocalAppData)
	}
}
