package juju

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestArgv(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		out   map[string]string
		do    func(*Tools) error
		tool  string
		args  []string
		stdin string
	}{
		{"config-get", map[string]string{"config-get": `{}`},
			func(t *Tools) error { var v map[string]any; return t.ConfigGet(ctx, &v) },
			"config-get", []string{"--all", "--format=json"}, ""},
		{"relation-ids", map[string]string{"relation-ids": `["db:1"]`},
			func(t *Tools) error { _, err := t.RelationIDs(ctx, "db"); return err },
			"relation-ids", []string{"--format=json", "db"}, ""},
		{"relation-list", map[string]string{"relation-list": `[]`},
			func(t *Tools) error { _, err := t.RelationList(ctx, "db:1"); return err },
			"relation-list", []string{"-r", "db:1", "--format=json"}, ""},
		{"relation-list --app", map[string]string{"relation-list": `"mysql"`},
			func(t *Tools) error { _, err := t.RelationApp(ctx, "db:1"); return err },
			"relation-list", []string{"-r", "db:1", "--app", "--format=json"}, ""},
		{"relation-get unit", map[string]string{"relation-get": `{}`},
			func(t *Tools) error { _, err := t.RelationGet(ctx, "db:1", "mysql/0", false); return err },
			"relation-get", []string{"-r", "db:1", "--format=json", "-", "mysql/0"}, ""},
		{"relation-get app", map[string]string{"relation-get": `{}`},
			func(t *Tools) error { _, err := t.RelationGet(ctx, "db:1", "mysql", true); return err },
			"relation-get", []string{"-r", "db:1", "--format=json", "--app", "-", "mysql"}, ""},
		{"relation-set", nil,
			func(t *Tools) error { return t.RelationSet(ctx, "db:1", true, map[string]string{"a": "1", "b": ""}) },
			"relation-set", []string{"-r", "db:1", "--app", "--file", "-"}, `{"a":"1","b":""}`},
		{"is-leader", map[string]string{"is-leader": "true\n"},
			func(t *Tools) error { _, err := t.IsLeader(ctx); return err },
			"is-leader", []string{"--format=json"}, ""},
		{"leader-get", map[string]string{"leader-get": "{}\n"},
			func(t *Tools) error { _, err := t.LeaderGet(ctx); return err },
			"leader-get", []string{"--format=json"}, ""},
		{"leader-set", nil,
			func(t *Tools) error { return t.LeaderSet(ctx, map[string]string{"b": "2", "a": "x=y"}) },
			"leader-set", []string{"--", "a=x=y", "b=2"}, ""},
		{"secret-get", map[string]string{"secret-get": `{"k":"v"}`},
			func(t *Tools) error {
				_, err := t.SecretGet(ctx, "secret:abc", "lbl", SecretGetOptions{Refresh: true})
				return err
			},
			"secret-get", []string{"secret:abc", "--label", "lbl", "--refresh", "--format=json"}, ""},
		{"secret-get peek", map[string]string{"secret-get": `{}`},
			func(t *Tools) error {
				_, err := t.SecretGet(ctx, "secret:abc", "", SecretGetOptions{Peek: true})
				return err
			},
			"secret-get", []string{"secret:abc", "--peek", "--format=json"}, ""},
		{"secret-grant", nil,
			func(t *Tools) error { return t.SecretGrant(ctx, "secret:abc", "db:1", "mysql/0") },
			"secret-grant", []string{"secret:abc", "-r", "db:1", "--unit", "mysql/0"}, ""},
		{"secret-revoke", nil,
			func(t *Tools) error { return t.SecretRevoke(ctx, "secret:abc", "db:1", "") },
			"secret-revoke", []string{"secret:abc", "-r", "db:1"}, ""},
		{"secret-remove", nil,
			func(t *Tools) error { return t.SecretRemove(ctx, "secret:abc", 2) },
			"secret-remove", []string{"secret:abc", "--revision", "2"}, ""},
		{"secret-ids", map[string]string{"secret-ids": `null`},
			func(t *Tools) error { _, err := t.SecretIDs(ctx); return err },
			"secret-ids", []string{"--format=json"}, ""},
		{"secret-info-get", map[string]string{"secret-info-get": `{"abc":{"revision":1}}`},
			func(t *Tools) error { _, err := t.SecretInfoGet(ctx, "", "lbl"); return err },
			"secret-info-get", []string{"--format=json", "--label", "lbl"}, ""},
		{"status-get", map[string]string{"status-get": `{"status":"active","message":"","status-data":{}}`},
			func(t *Tools) error { _, err := t.StatusGet(ctx, false); return err },
			"status-get", []string{"--include-data", "--format=json"}, ""},
		{"status-get app", map[string]string{"status-get": `{"application-status":{"status":"active"}}`},
			func(t *Tools) error { _, err := t.StatusGet(ctx, true); return err },
			"status-get", []string{"--application", "--include-data", "--format=json"}, ""},
		{"status-set", nil,
			func(t *Tools) error { return t.StatusSet(ctx, false, Status{Code: "blocked", Message: "-x is wrong"}) },
			"status-set", []string{"--", "blocked", "-x is wrong"}, ""},
		{"status-set app no message", nil,
			func(t *Tools) error { return t.StatusSet(ctx, true, Status{Code: "active"}) },
			"status-set", []string{"--application", "--", "active"}, ""},
		{"application-version-set", nil,
			func(t *Tools) error { return t.ApplicationVersionSet(ctx, "14.0.0") },
			"application-version-set", []string{"--", "14.0.0"}, ""},
		{"open-port", nil,
			func(t *Tools) error { return t.OpenPort(ctx, 9876, "") },
			"open-port", []string{"--", "9876/tcp"}, ""},
		{"close-port", nil,
			func(t *Tools) error { return t.ClosePort(ctx, 5555, "udp") },
			"close-port", []string{"--", "5555/udp"}, ""},
		{"opened-ports", map[string]string{"opened-ports": `[]`},
			func(t *Tools) error { _, err := t.OpenedPorts(ctx); return err },
			"opened-ports", []string{"--format=json"}, ""},
		{"network-get", map[string]string{"network-get": `{}`},
			func(t *Tools) error { _, err := t.NetworkGet(ctx, "public"); return err },
			"network-get", []string{"--format=json", "--", "public"}, ""},
		{"unit-get", map[string]string{"unit-get": `"10.0.0.1"`},
			func(t *Tools) error { _, err := t.UnitGet(ctx, "private-address"); return err },
			"unit-get", []string{"--format=json", "--", "private-address"}, ""},
		{"action-get", map[string]string{"action-get": `{}`},
			func(t *Tools) error { var v map[string]any; return t.ActionGet(ctx, &v) },
			"action-get", []string{"--format=json"}, ""},
		{"action-set", nil,
			func(t *Tools) error { return t.ActionSet(ctx, map[string]string{"out.b": "2", "out.a": "1"}) },
			"action-set", []string{"--", "out.a=1", "out.b=2"}, ""},
		{"action-log", nil,
			func(t *Tools) error { return t.ActionLog(ctx, "-- working") },
			"action-log", []string{"--", "-- working"}, ""},
		{"action-fail", nil,
			func(t *Tools) error { return t.ActionFail(ctx, "-bad") },
			"action-fail", []string{"--", "-bad"}, ""},
		{"juju-log", nil,
			func(t *Tools) error { return t.Log(ctx, "WARNING", "-n is odd") },
			"juju-log", []string{"--log-level", "WARNING", "--", "-n is odd"}, ""},
		{"state-get", map[string]string{"state-get": `null`},
			func(t *Tools) error { _, err := t.StateGet(ctx); return err },
			"state-get", []string{"--format=json"}, ""},
		{"state-set", nil,
			func(t *Tools) error { return t.StateSet(ctx, map[string]string{"k": "v"}) },
			"state-set", []string{"--file", "-"}, `{"k":"v"}`},
		{"state-delete", nil,
			func(t *Tools) error { return t.StateDelete(ctx, "k") },
			"state-delete", []string{"--", "k"}, ""},
		{"resource-get", map[string]string{"resource-get": "/r/x\n"},
			func(t *Tools) error { _, err := t.ResourceGet(ctx, "octavia-image"); return err },
			"resource-get", []string{"--", "octavia-image"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{out: tt.out}
			if err := tt.do(New(r)); err != nil {
				t.Fatalf("error: %v", err)
			}
			if len(r.calls) != 1 {
				t.Fatalf("got %d calls, want 1", len(r.calls))
			}
			c := r.last()
			if c.tool != tt.tool || !reflect.DeepEqual(c.args, tt.args) {
				t.Errorf("ran %s %q, want %s %q", c.tool, c.args, tt.tool, tt.args)
			}
			if string(c.stdin) != tt.stdin {
				t.Errorf("stdin %q, want %q", c.stdin, tt.stdin)
			}
		})
	}
}

func TestEmptyWritesMakeNoCall(t *testing.T) {
	ctx := context.Background()
	r := &recorder{}
	tl := New(r)
	for name, err := range map[string]error{
		"relation-set": tl.RelationSet(ctx, "db:1", false, nil),
		"leader-set":   tl.LeaderSet(ctx, map[string]string{}),
		"state-set":    tl.StateSet(ctx, nil),
		"action-set":   tl.ActionSet(ctx, nil),
		"secret-set":   tl.SecretSet(ctx, "secret:x", nil, SecretOptions{}),
	} {
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if len(r.calls) != 0 {
		t.Errorf("made calls: %+v", r.calls)
	}
}

func TestDecoding(t *testing.T) {
	ctx := context.Background()
	r := &recorder{out: map[string]string{
		"leader-get":      "null\n",
		"state-get":       "null\n",
		"secret-add":      "secret:cu1v0oun8f1m0a3hmeeg\n",
		"resource-get":    "/var/lib/juju/resources/octavia-image/image.qcow2\n",
		"secret-ids":      `["cu1v0oun8f1m0a3hmeeg","secret:d0000000000000000000"]` + "\n",
		"network-get":     `{"bind-addresses":[{"mac-address":"aa","interface-name":"eth0","addresses":[{"hostname":"","value":"10.1.2.3","cidr":"10.1.2.0/24"}]}],"egress-subnets":["10.1.2.3/32"],"ingress-addresses":["192.0.2.1"]}` + "\n",
		"status-get":      `{"application-status":{"message":"ready","status":"active","status-data":{},"units":{}}}` + "\n",
		"secret-info-get": `{"cu1v0oun8f1m0a3hmeeg":{"revision":3,"label":"cp","owner":"application","description":"d","rotation":"monthly"}}` + "\n",
		"is-leader":       "false\n",
	}}
	tl := New(r)
	if m, err := tl.LeaderGet(ctx); err != nil || m == nil || len(m) != 0 {
		t.Errorf("LeaderGet = %v, %v; want empty map", m, err)
	}
	if m, err := tl.StateGet(ctx); err != nil || m == nil || len(m) != 0 {
		t.Errorf("StateGet = %v, %v; want empty map", m, err)
	}
	if id, err := tl.SecretAdd(ctx, map[string]string{"key": "v"}, SecretOptions{}); err != nil || id != "secret:cu1v0oun8f1m0a3hmeeg" {
		t.Errorf("SecretAdd = %q, %v", id, err)
	}
	if p, err := tl.ResourceGet(ctx, "octavia-image"); err != nil || p != "/var/lib/juju/resources/octavia-image/image.qcow2" {
		t.Errorf("ResourceGet = %q, %v", p, err)
	}
	if ids, err := tl.SecretIDs(ctx); err != nil || !reflect.DeepEqual(ids, []string{"secret:cu1v0oun8f1m0a3hmeeg", "secret:d0000000000000000000"}) {
		t.Errorf("SecretIDs = %q, %v", ids, err)
	}
	n, err := tl.NetworkGet(ctx, "public")
	if err != nil || n.PrimaryAddress() != "10.1.2.3" || n.BindAddresses[0].Addresses[0].CIDR != "10.1.2.0/24" || n.IngressAddresses[0] != "192.0.2.1" {
		t.Errorf("NetworkGet = %+v, %v", n, err)
	}
	if s, err := tl.StatusGet(ctx, true); err != nil || s != (Status{Code: "active", Message: "ready"}) {
		t.Errorf("StatusGet = %+v, %v", s, err)
	}
	info, err := tl.SecretInfoGet(ctx, "secret:cu1v0oun8f1m0a3hmeeg", "")
	want := SecretInfo{ID: "secret:cu1v0oun8f1m0a3hmeeg", Label: "cp", Owner: "application", Description: "d", Revision: 3, Rotation: "monthly"}
	if err != nil || info != want {
		t.Errorf("SecretInfoGet = %+v, %v; want %+v", info, err, want)
	}
	if l, err := tl.IsLeader(ctx); err != nil || l {
		t.Errorf("IsLeader = %v, %v", l, err)
	}
}

func TestPrimaryAddressFallsBackToIngress(t *testing.T) {
	n := Network{IngressAddresses: []string{"192.0.2.9"}}
	if got := n.PrimaryAddress(); got != "192.0.2.9" {
		t.Errorf("PrimaryAddress = %q", got)
	}
	if got := (Network{}).PrimaryAddress(); got != "" {
		t.Errorf("PrimaryAddress of nothing = %q", got)
	}
}

func TestErrorsNameTheTool(t *testing.T) {
	r := &recorder{err: &ToolError{Tool: "relation-get", ExitCode: 1, Stderr: "ERROR permission denied"}}
	_, err := New(r).RelationGet(context.Background(), "db:1", "octavia", true)
	var te *ToolError
	if !errors.As(err, &te) || te.ExitCode != 1 {
		t.Fatalf("error %v is not a *ToolError", err)
	}
	if got, want := err.Error(), "relation-get db:1 octavia: relation-get: exit 1: ERROR permission denied"; got != want {
		t.Errorf("error = %q, want %q", got, want)
	}
}

func TestBadJSONIsAnError(t *testing.T) {
	r := &recorder{out: map[string]string{"relation-ids": "db:1\n"}}
	if _, err := New(r).RelationIDs(context.Background(), "db"); err == nil || !strings.Contains(err.Error(), "decode") {
		t.Errorf("error = %v, want a decode error", err)
	}
}

// TestSecretsNeverOnArgv checks that secret values travel in private files
// or on stdin, never in the arguments.
func TestSecretsNeverOnArgv(t *testing.T) {
	const sentinel = "s3cr3t-SENTINEL-value"
	ctx := context.Background()
	var dirs []string
	r := &recorder{out: map[string]string{"secret-add": "secret:cu1v0oun8f1m0a3hmeeg\n"}}
	r.during = func(c call) {
		for _, a := range c.args {
			_, path, ok := strings.Cut(a, "#file=")
			if !ok {
				continue
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Errorf("%s: secret file: %v", c.tool, err)
				continue
			}
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("%s: secret file mode %v, want 0600", c.tool, fi.Mode().Perm())
			}
			di, err := os.Stat(filepath.Dir(path))
			if err != nil || di.Mode().Perm() != 0o700 {
				t.Errorf("%s: secret dir mode %v (%v), want 0700", c.tool, di.Mode().Perm(), err)
			}
			dirs = append(dirs, filepath.Dir(path))
			b, _ := os.ReadFile(path)
			if string(b) != sentinel+"\n" {
				t.Errorf("%s: secret file holds %q", c.tool, b)
			}
		}
	}
	tl := New(r)
	content := map[string]string{"heartbeat-key": sentinel + "\n", "passphrase": sentinel + "\n"}
	if _, err := tl.SecretAdd(ctx, content, SecretOptions{Label: "cp", Description: "control plane"}); err != nil {
		t.Fatal(err)
	}
	if err := tl.SecretSet(ctx, "secret:cu1v0oun8f1m0a3hmeeg", content, SecretOptions{Label: "cp"}); err != nil {
		t.Fatal(err)
	}
	if err := tl.RelationSet(ctx, "db:1", false, map[string]string{"password": sentinel}); err != nil {
		t.Fatal(err)
	}
	if err := tl.StateSet(ctx, map[string]string{"key": sentinel}); err != nil {
		t.Fatal(err)
	}
	if len(r.calls) != 4 {
		t.Fatalf("got %d calls", len(r.calls))
	}
	for _, c := range r.calls {
		for _, a := range c.args {
			if strings.Contains(a, sentinel) {
				t.Errorf("%s puts a secret value on argv: %q", c.tool, c.args)
			}
		}
	}
	for _, c := range r.calls[2:] {
		if !strings.Contains(string(c.stdin), sentinel) {
			t.Errorf("%s: value not on stdin", c.tool)
		}
	}
	if len(dirs) != 4 {
		t.Errorf("saw %d secret files, want 4", len(dirs))
	}
	for _, d := range dirs {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("secret dir %s left behind (%v)", d, err)
		}
	}
	// secret-add's args keep flags before "--" and content after it.
	add := r.calls[0].args
	if i := indexOf(add, "--"); i < 0 || !strings.HasPrefix(add[i+1], "heartbeat-key#file=") || !strings.HasPrefix(add[i+2], "passphrase#file=") {
		t.Errorf("secret-add args %q", add)
	}
	if add[0] != "--label" || add[1] != "cp" || add[2] != "--description" || add[3] != "control plane" {
		t.Errorf("secret-add flags %q", add)
	}
}

func TestSecretKeysAreChecked(t *testing.T) {
	r := &recorder{}
	_, err := New(r).SecretAdd(context.Background(), map[string]string{"ca": "x"}, SecretOptions{})
	if err == nil || !strings.Contains(err.Error(), `"ca"`) {
		t.Errorf("error = %v, want a bad-key error", err)
	}
	if len(r.calls) != 0 {
		t.Errorf("made a call with a bad key")
	}
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}
