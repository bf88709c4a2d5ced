//go:build functional

package functional

import (
	"archive/zip"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"charm-octavia/internal/juju/jujutest"
	"charm-octavia/internal/lbapi"
	"charm-octavia/internal/policyd"
)

// writePolicyZip writes a policyd-override resource holding name → content.
func writePolicyZip(t *testing.T, name string, files map[string]string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	f, err := os.Create(path)
	fatalIf(t, err, "create %s", path)
	zw := zip.NewWriter(f)
	for entry, body := range files {
		w, err := zw.Create(entry)
		fatalIf(t, err, "zip %s", entry)
		_, err = w.Write([]byte(body))
		fatalIf(t, err, "zip %s", entry)
	}
	fatalIf(t, zw.Close(), "zip")
	fatalIf(t, f.Close(), "close %s", path)
	return path
}

// listProviders answers the HTTP status of GET /v2/lbaas/providers. A
// server error is retried for a while: a graceful Apache reload (the charm
// reloads it when the policy files change) ends the old WSGI daemons, and a
// request they held in flight answers 500.
func listProviders(c *client) int {
	c.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		err := c.Do("GET", "/v2/lbaas/providers", nil, nil)
		var se *lbapi.StatusError
		switch {
		case err == nil:
			return 200
		case !errors.As(err, &se):
			c.t.Fatalf("GET /v2/lbaas/providers: %v", err)
		case se.Code < 500 || time.Now().After(deadline):
			return se.Code
		}
		time.Sleep(time.Second)
	}
}

// waitProviders waits until listing providers answers want.
func waitProviders(c *client, want int) {
	c.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		got := listProviders(c)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("GET /v2/lbaas/providers answers %d, want %d", got, want)
		}
		time.Sleep(time.Second)
	}
}

// TestPolicyOverride: a policyd-override resource that forbids listing
// providers makes that call fail only while it is applied; a broken
// resource changes nothing on the unit and says so in the status; turning
// use-policyd-override off removes the charm's files, not the package's.
func TestPolicyOverride(t *testing.T) {
	const deny = policyd.Dir + "/deny-providers.yaml"
	const packaged = policyd.Dir + "/00_default_policy.yaml"
	d := deployNoop(t)
	t.Cleanup(func() { os.Remove(deny) })
	c := newClient(t)
	if got := listProviders(c); got != 200 {
		t.Fatalf("GET /v2/lbaas/providers before any override: %d", got)
	}
	_, packagedErr := os.Stat(packaged)

	good := writePolicyZip(t, "policyd-override.zip", map[string]string{
		"deny-providers.yaml": `"os_load-balancer_api:provider:get_all": "!"` + "\n",
	})
	d.update(func(m *jujutest.Model) error {
		m.SetResource(policyd.ResourceName, good)
		return m.SetConfig(policyd.ConfigOption, true)
	})
	d.mustHook(jujutest.HookEnv{Hook: "config-changed"})
	if st := d.status(); st != "active PO: Unit is ready" {
		t.Errorf("status with the override: %s", st)
	}
	st, err := os.Stat(deny)
	fatalIf(t, err, "the override file")
	if st.Mode().Perm() != 0o640 {
		t.Errorf("%s mode %v", deny, st.Mode())
	}
	waitProviders(c, 403)
	if err := c.Do("GET", "/v2/lbaas/loadbalancers", nil, nil); err != nil {
		t.Errorf("the override forbids more than it says: %v", err)
	}

	// Converged with the override: nothing written or restarted.
	before := fingerprint(t)
	for _, h := range []string{"config-changed", "update-status", "upgrade-charm"} {
		res := d.mustHook(jujutest.HookEnv{Hook: h})
		if res.PerTool["status-set"] > 0 {
			t.Errorf("%s set the status on a converged unit", h)
		}
	}
	for k, v := range fingerprint(t) {
		if before[k] != v {
			t.Errorf("a converged hook changed %s", k)
		}
	}

	// A broken resource (bad YAML) attached: Juju runs upgrade-charm.
	broken := writePolicyZip(t, "policyd-override.zip", map[string]string{
		"deny-providers.yaml": `"os_load-balancer_api:provider:get_all": [` + "\n",
	})
	data, _ := os.ReadFile(deny)
	d.update(func(m *jujutest.Model) error { m.SetResource(policyd.ResourceName, broken); return nil })
	res := d.mustHook(jujutest.HookEnv{Hook: "upgrade-charm"})
	if st := d.status(); st != "active PO (broken): Unit is ready" {
		t.Errorf("status with a broken resource: %s", st)
	}
	if !strings.Contains(res.Output, "cannot be applied") || strings.Contains(res.Output, "provider:get_all") {
		t.Errorf("the log does not say why, or quotes the rules:\n%s", res.Output)
	}
	if after, _ := os.ReadFile(deny); string(after) != string(data) {
		t.Error("a broken resource changed the applied override")
	}
	if got := listProviders(c); got != 403 {
		t.Errorf("with a broken resource the last good override must hold: %d", got)
	}

	// Overrides off: the charm's file goes, the package's stays.
	d.update(func(m *jujutest.Model) error { return m.SetConfig(policyd.ConfigOption, false) })
	d.mustHook(jujutest.HookEnv{Hook: "config-changed"})
	if st := d.status(); st != "active Unit is ready" {
		t.Errorf("status without overrides: %s", st)
	}
	if _, err := os.Stat(deny); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s still there: %v", deny, err)
	}
	if _, err := os.Stat(packaged); (err == nil) != (packagedErr == nil) {
		t.Errorf("the packaged %s changed: %v -> %v", packaged, packagedErr, err)
	}
	waitProviders(c, 200)
}
