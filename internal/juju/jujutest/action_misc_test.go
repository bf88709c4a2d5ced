package jujutest

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"charm-octavia/internal/juju"
)

func TestActions(t *testing.T) {
	m, _, _ := newTestModel(t)
	c := m.Context("octavia/0", HookEnv{Action: "configure-resources", ActionParams: map[string]any{
		"force": true, "nested": map[string]any{"deep": "v"},
	}})
	env := c.Env()
	if env["JUJU_DISPATCH_PATH"] != "actions/configure-resources" || env["JUJU_ACTION_NAME"] != "configure-resources" || env["JUJU_HOOK_NAME"] != "" || env["JUJU_ACTION_UUID"] == "" {
		t.Errorf("action env = %v", env)
	}
	if out := mustExec(t, c, "action-get", "nested.deep"); out != "v\n" {
		t.Errorf("action-get nested = %q", out)
	}
	if out := mustExec(t, c, "action-get", "--format=json"); out != `{"force":true,"nested":{"deep":"v"}}`+"\n" {
		t.Errorf("action-get = %q", out)
	}
	mustExec(t, c, "action-set", "outfile.size=10G", "foo.bar=2")
	mustExec(t, c, "action-set", "foo.baz.val=3", "foo.bar.zab=4")
	mustExec(t, c, "action-set", "foo.baz=1")
	want := map[string]any{
		"outfile": map[string]any{"size": "10G"},
		"foo":     map[string]any{"bar": map[string]any{"zab": "4"}, "baz": "1"},
	}
	if !reflect.DeepEqual(c.Action().Results, want) {
		t.Errorf("merged results = %v, want %v", c.Action().Results, want)
	}
	mustFail(t, c, 2, `cannot set reserved action key "stdout"`, "action-set", "stdout=x")
	mustFail(t, c, 2, `key "Bad" must start and end with lowercase alphanumeric`, "action-set", "Bad=x")
	mustFail(t, c, 2, "must be of the form key...=value", "action-set", "novalue")
	mustExec(t, c, "action-log", "--", "-step", "one")
	mustExec(t, c, "action-fail", "--", "-boom")
	mustFail(t, c, 2, "unrecognized args", "action-fail", "a", "b")
	c.Close(true)
	h := m.History[len(m.History)-1]
	if h.Action == nil || !h.Action.Failed || h.Action.Message != "-boom" || !reflect.DeepEqual(h.Action.Logs, []string{"-step one"}) {
		t.Errorf("action record = %+v", h.Action)
	}
	hookCtx := m.Context("octavia/0", hook("install"))
	mustFail(t, hookCtx, 1, "not running an action", "action-get")
	mustFail(t, hookCtx, 1, "not running an action", "action-set", "a=b")
	mustFail(t, hookCtx, 1, "not running an action", "action-log", "x")
	mustFail(t, hookCtx, 1, "not running an action", "action-fail")
}

func TestJujuLog(t *testing.T) {
	m, _, db := newTestModel(t)
	c := m.Context("octavia/0", HookEnv{Hook: "shared-db-relation-joined", RelationID: db.ID, RemoteUnit: "mysql/0"})
	mustExec(t, c, "juju-log", "--log-level", "WARNING", "--", "-n", "is odd")
	mustExec(t, c, "juju-log", "-l", "bogus", "still logged")
	mustFail(t, c, 2, "no message specified", "juju-log")
	c.Close(false)
	lines := m.LogLines("octavia/0")
	if len(lines) != 3 || lines[0] != db.ID+": -n is odd" || m.Log[0].Level != "WARNING" || m.Log[2].Level != "INFO" {
		t.Errorf("log = %+v", m.Log)
	}
}

func TestNetworkAndUnitGet(t *testing.T) {
	m, _, _ := newTestModel(t)
	m.SetEndpoints("shared-db", "public")
	m.SetNetwork("octavia/1", "lb-mgmt", juju.Network{
		BindAddresses:    []juju.BindAddress{{InterfaceName: "o-hm0", Addresses: []juju.InterfaceAddr{{Value: "fc00::5", CIDR: "fc00::/64"}}}},
		IngressAddresses: []string{"fc00::5"},
	})
	c := m.Context("octavia/1", hook("config-changed"))
	n := decode[juju.Network](t, mustExec(t, c, "network-get", "public", "--format=json"))
	if n.PrimaryAddress() != "10.0.0.11" {
		t.Errorf("network-get public = %+v", n)
	}
	if out := mustExec(t, c, "network-get", "lb-mgmt", "--bind-address", "--format=json"); out != `"fc00::5"`+"\n" {
		t.Errorf("--bind-address = %q", out)
	}
	if out := mustExec(t, c, "network-get", "lb-mgmt", "--bind-address", "--ingress-address", "--format=json"); out != `{"bind-address":"fc00::5","ingress-address":"fc00::5"}`+"\n" {
		t.Errorf("two keys = %q", out)
	}
	mustFail(t, c, 1, `no network config found for binding "nope"`, "network-get", "nope")
	if out := mustExec(t, c, "unit-get", "private-address", "--format=json"); out != `"10.0.0.11"`+"\n" {
		t.Errorf("unit-get = %q", out)
	}
	mustFail(t, c, 2, `unknown setting "foo"`, "unit-get", "foo")
}

func TestResourceGet(t *testing.T) {
	m, _, _ := newTestModel(t)
	path := filepath.Join(t.TempDir(), "image.qcow2")
	if err := os.WriteFile(path, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	m.SetResource("octavia-image", path)
	c := m.Context("octavia/0", hook("install"))
	if out := mustExec(t, c, "resource-get", "octavia-image"); strings.TrimSpace(out) != path {
		t.Errorf("resource-get = %q", out)
	}
	mustFail(t, c, 1, `resource "other" not found`, "resource-get", "other")
	mustFail(t, c, 2, "missing required resource name", "resource-get")
	mustFail(t, c, 2, "flag provided but not defined: --format", "resource-get", "--format=json", "octavia-image")
}

func TestOpenContextChecks(t *testing.T) {
	m, _, db := newTestModel(t)
	for _, tt := range []struct {
		unit string
		env  HookEnv
	}{
		{"octavia/9", hook("install")},
		{"octavia/0", HookEnv{}},
		{"octavia/0", HookEnv{Hook: "install", Action: "pause"}},
		{"octavia/0", HookEnv{Hook: "shared-db-relation-changed"}},
		{"octavia/0", HookEnv{Hook: "amqp-relation-changed", RelationID: db.ID}},
		{"octavia/0", HookEnv{Hook: "install", RelationID: db.ID}},
	} {
		if _, err := m.OpenContext(tt.unit, tt.env); err == nil {
			t.Errorf("OpenContext(%q, %+v) succeeded", tt.unit, tt.env)
		}
	}
}

func TestOutputFileAndWarnings(t *testing.T) {
	m, _, db := newTestModel(t)
	c := m.Context("octavia/0", hook("update-status"))
	path := filepath.Join(t.TempDir(), "out.json")
	if out := mustExec(t, c, "is-leader", "--format=json", "-o", path); out != "" {
		t.Errorf("stdout with -o = %q", out)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "true\n" {
		t.Errorf("-o file = %q, %v", b, err)
	}
	_, stderr, code := exec(c, "relation-set", "-r", db.ID, "--format", "json", "a=b")
	if code != 0 || !strings.Contains(stderr, "deprecated") {
		t.Errorf("relation-set --format: %d %q", code, stderr)
	}
	if _, err := c.Run(cancelled(), "is-leader", nil, nil); err == nil {
		t.Errorf("Run with a cancelled context succeeded")
	}
}
