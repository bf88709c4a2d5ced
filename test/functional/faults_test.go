//go:build functional

package functional

import (
	"crypto/rand"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"charm-octavia/internal/juju/jujutest"
	"charm-octavia/internal/pki"
)

// TestBadConfigKeepsServing sets broken values one at a time on a running
// unit: each blocks the unit with a status naming the option, leaves every
// rendered file and every daemon as it was, and the API keeps answering;
// putting the value back makes the unit active again.
func TestBadConfigKeepsServing(t *testing.T) {
	d := deployNoop(t)
	c := newClient(t)
	now := time.Now()
	good, err := pki.Generate(rand.Reader, now)
	fatalIf(t, err, "generate")
	other, err := pki.Generate(rand.Reader, now)
	fatalIf(t, err, "generate")
	expired, err := pki.Generate(rand.Reader, now.AddDate(-11, 0, 0))
	fatalIf(t, err, "generate")
	b64 := func(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
	lbMgmt := func(b pki.Bundle, mutate func(map[string]any)) map[string]any {
		v := map[string]any{
			"lb-mgmt-issuing-cacert":            b64(b.IssuingCACert),
			"lb-mgmt-issuing-ca-private-key":    b64(b.IssuingCAKey),
			"lb-mgmt-issuing-ca-key-passphrase": b.IssuingCAPassphrase,
			"lb-mgmt-controller-cacert":         b64(b.ControllerCACert),
			"lb-mgmt-controller-cert":           b64(b.ControllerBundle()),
		}
		if mutate != nil {
			mutate(v)
		}
		return v
	}
	cases := []struct {
		name   string
		values map[string]any
		option string // the status must start with it
	}{
		{"unknown topology", map[string]any{"loadbalancer-topology": "TRIPLE"}, "loadbalancer-topology:"},
		{"unknown anti-affinity policy", map[string]any{"anti-affinity-policy": "sometimes"}, "anti-affinity-policy:"},
		{"negative worker multiplier", map[string]any{"worker-multiplier": -1.0}, "worker-multiplier:"},
		{"malformed origin", map[string]any{"openstack-origin": "cloud:nonsense"}, "openstack-origin:"},
		{"origin for another series", map[string]any{"openstack-origin": "cloud:jammy-zed"}, "openstack-origin:"},
		{"negative retries", map[string]any{"connection-max-retries": -5}, "connection-max-retries:"},
		{"two-word region", map[string]any{"region": "Region One"}, "region:"},
		{"garbage issuing CA", lbMgmt(good, func(v map[string]any) { v["lb-mgmt-issuing-cacert"] = "not base64 at all!" }), "lb-mgmt-issuing-cacert:"},
		{"garbage controller CA", lbMgmt(good, func(v map[string]any) {
			v["lb-mgmt-controller-cacert"] = b64([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
		}), "lb-mgmt-controller-cacert:"},
		{"key does not match its certificate", lbMgmt(good, func(v map[string]any) {
			v["lb-mgmt-issuing-ca-private-key"] = b64(other.IssuingCAKey)
			v["lb-mgmt-issuing-ca-key-passphrase"] = other.IssuingCAPassphrase
		}), "lb-mgmt-issuing-ca-private-key:"},
		{"wrong passphrase", lbMgmt(good, func(v map[string]any) { v["lb-mgmt-issuing-ca-key-passphrase"] = "not-the-passphrase" }), "lb-mgmt-issuing-ca-"},
		{"the same CA twice", lbMgmt(good, func(v map[string]any) { v["lb-mgmt-controller-cacert"] = b64(good.IssuingCACert) }), "lb-mgmt-controller-cacert:"},
		{"expired CA", lbMgmt(expired, nil), "lb-mgmt-"},
		{"controller cert from another CA", lbMgmt(good, func(v map[string]any) { v["lb-mgmt-controller-cert"] = b64(other.ControllerBundle()) }), "lb-mgmt-controller-cert:"},
		{"only one of the five set", map[string]any{"lb-mgmt-controller-cacert": b64(good.ControllerCACert)}, "lb-mgmt-"},
	}
	before := fingerprint(t)
	conf, err := os.ReadFile("/etc/octavia/octavia.conf")
	fatalIf(t, err, "read octavia.conf")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d.update(func(m *jujutest.Model) error {
				for k, v := range tc.values {
					if err := m.SetConfig(k, v); err != nil {
						return err
					}
				}
				return nil
			})
			res := d.mustHook(jujutest.HookEnv{Hook: "config-changed"})
			if tc.name == "wrong passphrase" {
				t.Logf("what the operator reads in the unit log:\n%s", res.Output)
			}
			st := d.status()
			if !strings.HasPrefix(st, "blocked "+tc.option) {
				t.Errorf("status %q, want blocked %s...", st, tc.option)
			}
			for _, secret := range []string{good.IssuingCAPassphrase, other.IssuingCAPassphrase} {
				if strings.Contains(st, secret) || strings.Contains(res.Output, secret) {
					t.Error("a passphrase reached the status or the log")
				}
			}
			after := fingerprint(t)
			for k, v := range before {
				if after[k] != v {
					t.Errorf("bad config changed %s", k)
				}
			}
			var lbs map[string]any
			c.do("GET", "/v2/lbaas/loadbalancers", nil, &lbs) // the API keeps answering
			d.update(func(m *jujutest.Model) error {
				for k := range tc.values {
					delete(m.Config, k)
				}
				return nil
			})
			d.mustHook(jujutest.HookEnv{Hook: "config-changed"})
			if st := d.status(); st != "active Unit is ready" {
				t.Errorf("after putting the value back: %s", st)
			}
		})
	}
	now2, err := os.ReadFile("/etc/octavia/octavia.conf")
	fatalIf(t, err, "read octavia.conf")
	if string(now2) != string(conf) {
		t.Error("octavia.conf differs after every value was put back")
	}
}

// TestDatabaseDownDuringMigration stops MariaDB before the last relation
// completes: the leader cannot migrate, the unit waits with a status saying
// so and starts no controller service; once MariaDB is back, the next hook
// (update-status) migrates and the unit goes active.
func TestDatabaseDownDuringMigration(t *testing.T) {
	d := installNoop(t)
	d.relateDatabase()
	d.relateBroker()
	bed := filepath.Join(repo, "test/bed/bed.sh")
	defer run(t, bed, "up")
	// Keystone itself keeps its data in MariaDB: stop MariaDB once Keystone
	// has answered, before the charm's relation-changed hook runs.
	d.relate("identity-service", "keystone", func(ours map[string]string) map[string]string {
		answer := provider(t, d.bin, "identity-service", "--service", ours["service"], "--region", ours["region"],
			"--public-url", ours["public_url"], "--internal-url", ours["internal_url"], "--admin-url", ours["admin_url"],
			"--requested-roles", ours["requested_roles"])
		run(t, "sh", "-c", "pkill -x mariadbd; for i in $(seq 100); do pgrep -x mariadbd >/dev/null || exit 0; sleep 0.2; done; exit 1")
		return answer
	})
	if st := d.status(); !strings.HasPrefix(st, "waiting Database migration failed, will retry") {
		t.Fatalf("status with MariaDB down: %s", st)
	}
	res := d.hook(jujutest.HookEnv{Hook: "update-status"})
	if res.Err != nil || !strings.HasPrefix(d.status(), "waiting Database migration failed") {
		t.Fatalf("update-status with MariaDB down: %v %s", res.Err, d.status())
	}
	run(t, bed, "up")
	d.mustHook(jujutest.HookEnv{Hook: "update-status"})
	if st := d.status(); st != "active Unit is ready" {
		t.Fatalf("after MariaDB came back: %s", st)
	}
}
