package reconcile

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"charm-octavia/internal/checklist"
	"charm-octavia/internal/juju"
	"charm-octavia/internal/juju/jujutest"
	"charm-octavia/internal/octavia"
	"charm-octavia/internal/relations"
)

// Secret values the audited octavia.conf holds; no result may show them.
const (
	testHeartbeatKey = "hb-7c1f0e2a-secret"
	testPassphrase   = "srv-passphrase-9d2b"
	testCAPassphrase = "ca-passphrase-41aa"
	testPassword     = "ks-password-5e77"
)

// unitRoot is a machine root holding what the charm renders under
// /etc/octavia, owned (through its own passwd and group files) by the
// test's user and group, named as the test wants.
type unitRoot struct {
	t    *testing.T
	root string
}

func newUnitRoot(t *testing.T, owner, group string) *unitRoot {
	t.Helper()
	r := &unitRoot{t: t, root: t.TempDir()}
	r.write("/etc/passwd", 0o644, fmt.Sprintf("%s:x:%d:%d::/root:/bin/sh\n", owner, os.Getuid(), os.Getgid()))
	r.write("/etc/group", 0o644, fmt.Sprintf("%s:x:%d:\n", group, os.Getgid()))
	r.dir("/etc/octavia", 0o750)
	r.dir("/etc/octavia/certs", 0o750)
	r.dir("/etc/octavia/policy.d", 0o750)
	r.write("/etc/octavia/certs/issuing_ca.pem", 0o640, "cert")
	r.write("/etc/octavia/certs/issuing_ca_key.pem", 0o440, "key")
	r.write("/etc/octavia/certs/controller_ca.pem", 0o640, "cert")
	r.write("/etc/octavia/policy.d/overrides.yaml", 0o644, "{}\n")
	return r
}

func (r *unitRoot) dir(p string, mode fs.FileMode) {
	r.t.Helper()
	if err := os.MkdirAll(filepath.Join(r.root, p), 0o755); err != nil {
		r.t.Fatal(err)
	}
	r.chmod(p, mode)
}

func (r *unitRoot) write(p string, mode fs.FileMode, data string) {
	r.t.Helper()
	full := filepath.Join(r.root, p)
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(full, []byte(data), 0o600); err != nil {
		r.t.Fatal(err)
	}
	r.chmod(p, mode)
}

func (r *unitRoot) chmod(p string, mode fs.FileMode) {
	r.t.Helper()
	if err := os.Chmod(filepath.Join(r.root, p), mode); err != nil {
		r.t.Fatal(err)
	}
}

// conf writes octavia.conf as the charm renders it, with the given
// debug flag, Keystone scheme and heartbeat key.
func (r *unitRoot) conf(mode fs.FileMode, debug bool, scheme, heartbeatKey string) {
	r.write(octavia.ConfPath, mode, fmt.Sprintf(`[DEFAULT]
debug = %t
# debug = true in a comment is not a setting

[api_settings]
auth_strategy = keystone

[health_manager]
heartbeat_key = %s

[certificates]
ca_private_key_passphrase = %s
server_certs_key_passphrase = %s

[service_auth]
auth_type = password
auth_url = %s://10.0.0.5:35357
password = %s

[keystone_authtoken]
www_authenticate_uri = %s://10.0.0.5:5000
auth_type = password
auth_url = %s://10.0.0.5:35357
password = %s
`, debug, heartbeatKey, testCAPassphrase, testPassphrase, scheme, testPassword, scheme, scheme, testPassword))
}

// runChecklist runs the security-checklist action on a unit whose
// machine is root, and returns the action's outcome.
func runChecklist(t *testing.T, root, charmDir string) *jujutest.ActionState {
	t.Helper()
	h := newHarness(t, "octavia/0")
	ctx := h.m.Context("octavia/0", jujutest.HookEnv{Action: "security-checklist"})
	vars := ctx.Env()
	vars["JUJU_CHARM_DIR"] = charmDir
	var log strings.Builder
	u := &Unit{Env: juju.ReadEnv(func(k string) string { return vars[k] }), Tools: juju.New(ctx), System: h.systems["octavia/0"], Planner: h.planner, Root: root, Log: &log}
	if err := u.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	a := ctx.Action()
	ctx.Close(true)
	everything := fmt.Sprint(a.Results, a.Message, a.Logs, log.String())
	for _, secret := range []string{testHeartbeatKey, testPassphrase, testCAPassphrase, testPassword} {
		if strings.Contains(everything, secret) {
			t.Errorf("the checklist shows a secret value: %s", everything)
		}
	}
	return a
}

func results(a *jujutest.ActionState) map[string]string {
	out := map[string]string{}
	for k, v := range a.Results {
		out[k] = fmt.Sprint(v)
	}
	return out
}

// TestSecurityChecklistGoodUnit: a unit rendered as the charm renders it,
// behind a TLS frontend, passes every check.
func TestSecurityChecklistGoodUnit(t *testing.T) {
	r := newUnitRoot(t, "root", "octavia")
	r.conf(0o640, false, "https", testHeartbeatKey)
	r.write(octavia.HAProxyConfPath, 0o644, "frontend tcp-in_octavia-api\n    bind *:9876 ssl crt /etc/haproxy/octavia.pem\n")
	a := runChecklist(t, r.root, t.TempDir())
	got := results(a)
	if len(got) != len(checklist.Run(checklist.Facts{})) {
		t.Errorf("results = %v", got)
	}
	for name, v := range got {
		if v != "PASS" {
			t.Errorf("%s = %s", name, v)
		}
	}
	if a.Failed {
		t.Errorf("the action failed: %s", a.Message)
	}
}

// TestSecurityChecklistPlainHTTP: the charm as it is today serves the API
// over plain HTTP; only that check fails, and the action fails as
// charm-helpers' do.
func TestSecurityChecklistPlainHTTP(t *testing.T) {
	r := newUnitRoot(t, "root", "octavia")
	r.conf(0o640, false, "https", testHeartbeatKey)
	r.write(octavia.HAProxyConfPath, 0o644, "frontend tcp-in_octavia-api\n    bind *:9876\n")
	a := runChecklist(t, r.root, t.TempDir())
	for name, v := range results(a) {
		if (name == checklist.EnablesTLS) == (v == "PASS") {
			t.Errorf("%s = %s", name, v)
		}
	}
	if !a.Failed || a.Message != checklist.FailMessage {
		t.Errorf("action: failed %v, %q", a.Failed, a.Message)
	}
}

// TestSecurityChecklistBadUnit: loose modes, a foreign group, debug on,
// Keystone over plain http and a published heartbeat key all fail, each
// with what was found.
func TestSecurityChecklistBadUnit(t *testing.T) {
	r := newUnitRoot(t, "root", "users")
	r.conf(0o644, true, "http", "insecure")
	r.chmod("/etc/octavia", 0o755)
	r.chmod("/etc/octavia/certs/issuing_ca_key.pem", 0o640)
	r.write("/etc/octavia/policy.d/loose.yaml", 0o666, "{}\n")
	a := runChecklist(t, r.root, t.TempDir())
	got := results(a)
	want := map[string]string{
		checklist.DebugDisabled:           "FAIL - debug is on",
		checklist.EnablesTLS:              "FAIL - the API endpoints are plain http",
		checklist.FileOwnership:           "FAIL - /etc/octavia: group users, want octavia",
		checklist.FilePermissions:         "FAIL - /etc/octavia: mode 0755, want 0750 or stricter",
		checklist.HeartbeatKeyNotDefault:  "FAIL - [health_manager] heartbeat_key is empty or a published default",
		checklist.IssuingCAKeyPermissions: "FAIL - /etc/octavia/certs/issuing_ca_key.pem: mode 0640, want 0440",
		checklist.OctaviaConfPermissions:  "FAIL - /etc/octavia/octavia.conf: mode 0644, want 0640",
		checklist.PassphrasesNotDefault:   "PASS",
		checklist.UsesKeystone:            "PASS",
		checklist.UsesTLSForKeystone:      "FAIL - Keystone is reached over plain http",
	}
	for name, prefix := range want {
		if !strings.HasPrefix(got[name], prefix) {
			t.Errorf("%s = %q, want %q...", name, got[name], prefix)
		}
	}
	if !strings.Contains(got[checklist.FilePermissions], "/etc/octavia/policy.d/loose.yaml: mode 0666") {
		t.Errorf("%s misses the world-writable policy file: %q", checklist.FilePermissions, got[checklist.FilePermissions])
	}
	if !a.Failed || a.Message != checklist.FailMessage {
		t.Errorf("action: failed %v, %q", a.Failed, a.Message)
	}
}

// TestSecurityChecklistUnrenderedUnit: before octavia.conf exists the
// action still answers, failing the checks that need it.
func TestSecurityChecklistUnrenderedUnit(t *testing.T) {
	a := runChecklist(t, t.TempDir(), t.TempDir())
	got := results(a)
	for _, name := range []string{checklist.FileOwnership, checklist.OctaviaConfPermissions, checklist.UsesKeystone} {
		if !strings.HasPrefix(got[name], "FAIL - ") {
			t.Errorf("%s = %q", name, got[name])
		}
	}
	if !a.Failed || a.Message != checklist.FailMessage {
		t.Errorf("action: failed %v, %q", a.Failed, a.Message)
	}
}

// TestAPIServesTLSFromPublishedEndpoints: the endpoints the unit
// published to Keystone decide, whatever the haproxy file says.
func TestAPIServesTLSFromPublishedEndpoints(t *testing.T) {
	for _, tc := range []struct {
		urls map[string]string
		want bool
	}{
		{map[string]string{"public_url": "https://os.example:9876", "internal_url": "https://10.0.0.10:9876", "admin_url": "https://10.0.0.10:9876"}, true},
		{map[string]string{"public_url": "https://os.example:9876", "internal_url": "http://10.0.0.10:9876", "admin_url": "https://10.0.0.10:9876"}, false},
		{map[string]string{"public_url": "http://10.0.0.10:9876"}, false},
	} {
		dir := t.TempDir()
		s := newSnapshot()
		s.Relations[octavia.EndpointIdentityService] = relations.Endpoint{{ID: "identity-service:3", Local: relations.Bag(tc.urls)}}
		if err := s.save(SnapshotPath(dir)); err != nil {
			t.Fatal(err)
		}
		root := t.TempDir()
		if err := os.MkdirAll(filepath.Join(root, "etc/haproxy"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, octavia.HAProxyConfPath), []byte("    bind *:9876 ssl crt /x.pem\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		u := &Unit{Env: juju.Env{CharmDir: dir}, Root: root}
		if got := u.apiServesTLS(); got != tc.want {
			t.Errorf("%v: apiServesTLS = %v", tc.urls, got)
		}
	}
}

// TestAPIServesTLSOfTheCharmToday: a deployed unit publishes http
// endpoints, and the security checklist says so.
func TestAPIServesTLSOfTheCharmToday(t *testing.T) {
	h := newHarness(t, "octavia/0")
	h.deploy(true)
	u := &Unit{Env: juju.Env{CharmDir: h.dirs["octavia/0"]}, Root: t.TempDir()}
	if u.apiServesTLS() {
		t.Error("a unit without TLS is said to serve TLS")
	}
}

func TestReadINI(t *testing.T) {
	p := filepath.Join(t.TempDir(), "a.conf")
	data := "key = outside\n[DEFAULT]\n; comment = x\ndebug = True\n[a]\nk = v1\nk = cost $$5 = a lot\n  spaced   =   value  \nnot a setting\n"
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := readINI(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range [][3]string{
		{"", "key", "outside"}, {"DEFAULT", "debug", "True"}, {"DEFAULT", "; comment", ""},
		{"a", "k", "cost $5 = a lot"}, {"a", "spaced", "value"}, {"a", "not a setting", ""},
	} {
		if got := f.get(c[0], c[1]); got != c[2] {
			t.Errorf("[%s] %s = %q, want %q", c[0], c[1], got, c[2])
		}
	}
	if !osloBool(f.get("DEFAULT", "debug")) || osloBool("false") || osloBool("") {
		t.Error("osloBool")
	}
}
