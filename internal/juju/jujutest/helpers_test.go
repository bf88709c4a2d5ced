package jujutest

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const testConfig = `options:
  debug:
    type: boolean
    default: false
    description: Enable debug logging.
  workers:
    type: int
    default: 4
  ratio:
    type: float
    default: 1
  region:
    type: string
    default: RegionOne
  lb-mgmt-issuing-cacert:
    type: string
    description: no default
  tls-key:
    type: secret
`

// newTestModel is octavia with three units (octavia/0 leads), the cluster
// peer relation, and shared-db with mysql/0.
func newTestModel(t *testing.T) (*Model, *Relation, *Relation) {
	t.Helper()
	m := NewModel("octavia")
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(testConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := m.LoadConfigDefaults(path); err != nil {
		t.Fatal(err)
	}
	m.AddUnit("octavia/0", true)
	m.AddUnit("octavia/1", false)
	m.AddUnit("octavia/2", false)
	peer := m.AddPeerRelation("cluster")
	db := m.AddRelation("shared-db", "mysql").
		AddRemoteUnit("mysql/0", map[string]string{"db_host": "10.5.0.1", "password": "pw"}).
		SetRemoteAppData(map[string]string{"endpoints": "10.5.0.1:3306"})
	return m, peer, db
}

// exec runs a tool and returns stdout, stderr and the exit status.
func exec(c *Context, tool string, args ...string) (string, string, int) {
	res := c.Exec(tool, args, nil)
	return string(res.Stdout), strings.TrimSpace(string(res.Stderr)), res.Code
}

// execIn runs a tool with stdin.
func execIn(c *Context, stdin, tool string, args ...string) (string, string, int) {
	res := c.Exec(tool, args, strings.NewReader(stdin))
	return string(res.Stdout), strings.TrimSpace(string(res.Stderr)), res.Code
}

// mustExec runs a tool that must succeed and returns its stdout.
func mustExec(t *testing.T, c *Context, tool string, args ...string) string {
	t.Helper()
	out, stderr, code := exec(c, tool, args...)
	if code != 0 {
		t.Fatalf("%s %q: exit %d: %s", tool, args, code, stderr)
	}
	return out
}

// mustFail runs a tool that must fail with code and a stderr containing
// want.
func mustFail(t *testing.T, c *Context, code int, want, tool string, args ...string) {
	t.Helper()
	_, stderr, got := exec(c, tool, args...)
	if got != code || !strings.HasPrefix(stderr, "ERROR ") || !strings.Contains(stderr, want) {
		t.Fatalf("%s %q: exit %d %q; want exit %d with %q", tool, args, got, stderr, code, want)
	}
}

// decode unmarshals JSON output.
func decode[T any](t *testing.T, out string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("decode %q: %v", out, err)
	}
	return v
}

func hook(name string) HookEnv { return HookEnv{Hook: name} }

// cancelled is a context that is already done.
func cancelled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}
