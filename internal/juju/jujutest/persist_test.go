package jujutest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestSaveLoadRoundTrip(t *testing.T) {
	m, peer, db := newTestModel(t)
	m.SetLeaderData(map[string]string{"k": "v"})
	uri := m.AddSecret("octavia", map[string]string{"key": "v"}, "cp")
	m.SetResource("octavia-image", "/tmp/image")
	c := m.Context("octavia/0", HookEnv{Action: "pause", ActionParams: map[string]any{"n": 3}})
	mustExec(t, c, "state-set", "a=1")
	mustExec(t, c, "action-set", "x.y=z")
	path := filepath.Join(t.TempDir(), "model.json")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("state file mode %v (%v), want 0600", fi.Mode().Perm(), err)
	}
	m2, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(m)
	b, _ := json.Marshal(m2)
	if string(a) != string(b) {
		t.Errorf("round trip differs:\n%s\n%s", a, b)
	}
	// The reloaded model keeps working, pending writes included.
	c2, err := m2.ResumeContext(c.ID())
	if err != nil {
		t.Fatal(err)
	}
	if out := mustExec(t, c2, "state-get", "a"); out != "1\n" {
		t.Errorf("pending state after reload = %q", out)
	}
	if out := mustExec(t, c2, "action-get", "n", "--format=json"); out != "3\n" {
		t.Errorf("action param after reload = %q", out)
	}
	c2.Close(true)
	if m2.Units["octavia/0"].State["a"] != "1" || m2.Secret(uri) == nil || m2.Relation(peer.ID) == nil || m2.Relation(db.ID).RemoteUnits["mysql/0"]["db_host"] != "10.5.0.1" {
		t.Errorf("reloaded model lost data")
	}
	if got := m2.History[len(m2.History)-1].Action.Results; !reflect.DeepEqual(got, map[string]any{"x": map[string]any{"y": "z"}}) {
		t.Errorf("action results after reload = %v", got)
	}
}

func TestStateFile(t *testing.T) {
	m, _, db := newTestModel(t)
	path := filepath.Join(t.TempDir(), "state.json")
	if err := WriteState(path, m); err != nil {
		t.Fatal(err)
	}
	id, err := BeginContext(path, "octavia/1", HookEnv{Hook: "shared-db-relation-changed", RelationID: db.ID, RemoteUnit: "mysql/0"})
	if err != nil {
		t.Fatal(err)
	}
	env, err := ContextEnv(path, id)
	if err != nil || env["JUJU_CONTEXT_ID"] != id || env[StateEnvVar] != path || env["JUJU_REMOTE_UNIT"] != "mysql/0" {
		t.Fatalf("ContextEnv = %v, %v", env, err)
	}
	res, err := RunTool(path, id, "octavia/1", "relation-set", []string{"--file", "-"}, strings.NewReader(`{"host":"10.0.0.11"}`))
	if err != nil || res.Code != 0 {
		t.Fatalf("relation-set: %v %s", err, res.Stderr)
	}
	res, _ = RunTool(path, id, "octavia/1", "relation-get", []string{"--format=json", "host", "octavia/1"}, nil)
	if string(res.Stdout) != `"10.0.0.11"`+"\n" {
		t.Errorf("relation-get = %q %q", res.Stdout, res.Stderr)
	}
	res, _ = RunTool(path, id, "octavia/2", "is-leader", nil, nil)
	if res.Code != 1 || !strings.Contains(string(res.Stderr), "unknown context id") {
		t.Errorf("wrong unit: %d %q", res.Code, res.Stderr)
	}
	if err := EndContext(path, id, true); err != nil {
		t.Fatal(err)
	}
	calls, err := ContextCalls(path, id)
	if err != nil || calls["relation-set"] != 1 || calls["relation-get"] != 1 {
		t.Errorf("calls = %v, %v", calls, err)
	}
	after, err := ReadState(path)
	if err != nil || after.Relation(db.ID).LocalUnitData("octavia/1")["host"] != "10.0.0.11" {
		t.Errorf("committed data missing: %v", err)
	}
	if err := EndContext(path, id, true); err == nil {
		t.Errorf("EndContext twice succeeded")
	}
	res, _ = RunTool(path, id, "octavia/1", "is-leader", nil, nil)
	if res.Code != 1 {
		t.Errorf("closed context still runs tools")
	}
}
