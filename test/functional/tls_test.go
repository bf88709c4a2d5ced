//go:build functional

package functional

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"charm-octavia/internal/emulated"
	"charm-octavia/internal/juju/jujutest"
)

// bedCA is the CA the bed's provider signs with as Vault (test/bed/provider/vault.go).
const bedCA = "/var/lib/octavia-bed/vault-ca.crt"

// TestAPITLS relates the unit to Vault, played by the bed's provider with
// its own CA: the API must be served over TLS 1.2+ on 9876 with the
// certificate Vault issued (TLS 1.1 refused), Keystone must list https
// endpoints once Keystone has the new URLs, tempest's load balancer API tests
// must pass over https (trusting the CA through the system store the charm
// updated), and a renewed certificate must be served after the next hook.
func TestAPITLS(t *testing.T) {
	d := deployNoop(t)
	t.Cleanup(func() { forgetCA(t) })

	vault := func(ours map[string]string) map[string]string {
		req, err := json.Marshal(ours)
		fatalIf(t, err, "request")
		return provider(t, d.bin, "certificates", "--request", string(req))
	}
	id := d.relate("certificates", "vault", vault)
	if st := d.status(); st != "active Unit is ready" {
		t.Fatalf("status once Vault answered: %s", st)
	}
	// Keystone sees the https URLs the charm now publishes, and answers.
	d.reanswer(relationOf(t, d, "identity-service"), "keystone/0", func(ours map[string]string) map[string]string {
		if !strings.HasPrefix(ours["public_url"], "https://") {
			t.Fatalf("identity-service public_url %q, want https", ours["public_url"])
		}
		return provider(d.t, d.bin, "identity-service", "--service", ours["service"], "--region", ours["region"],
			"--public-url", ours["public_url"], "--internal-url", ours["internal_url"], "--admin-url", ours["admin_url"],
			"--requested-roles", ours["requested_roles"])
	})

	// TLS 1.2 with the bed's CA, through haproxy.
	out := run(t, "curl", "-sS", "--noproxy", "*", "--fail", "--tlsv1.2", "--cacert", bedCA, "https://127.0.0.1:9876/")
	if !strings.Contains(out, `"versions"`) {
		t.Errorf("GET https://127.0.0.1:9876/: %s", out)
	}
	// TLS 1.0 and 1.1 refused by the server (the client offers them).
	for _, v := range []uint16{tls.VersionTLS10, tls.VersionTLS11} {
		conn, err := tls.Dial("tcp", "127.0.0.1:9876", &tls.Config{MinVersion: v, MaxVersion: v, InsecureSkipVerify: true,
			CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA}})
		if err == nil {
			conn.Close()
			t.Errorf("the API accepted %s", tls.VersionName(v))
		} else if !strings.Contains(err.Error(), "protocol version") {
			t.Errorf("%s: %v (want the server's protocol_version alert)", tls.VersionName(v), err)
		}
	}
	serial := servedSerial(t)
	vaultCert := issuedCert(t, d, id)
	if serial != vaultCert.SerialNumber.String() {
		t.Errorf("served serial %s, Vault issued %s", serial, vaultCert.SerialNumber)
	}

	// Keystone's catalog: https for every load-balancer endpoint.
	var eps []struct {
		Interface string `json:"Interface"`
		URL       string `json:"URL"`
	}
	admin := exec.Command("openstack", "endpoint", "list", "--service", "load-balancer", "-f", "json")
	for k, v := range openrc(t) {
		admin.Env = append(admin.Env, k+"="+v)
	}
	admin.Env = append(admin.Env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "no_proxy=*")
	b, err := admin.Output()
	fatalIf(t, err, "openstack endpoint list: %s", stderrOf(err))
	fatalIf(t, json.Unmarshal(b, &eps), "endpoint list")
	if len(eps) != 3 {
		t.Errorf("load-balancer endpoints: %+v", eps)
	}
	for _, e := range eps {
		if !strings.HasPrefix(e.URL, "https://") {
			t.Errorf("%s endpoint %s is not https", e.Interface, e.URL)
		}
	}

	// A load balancer over https, then tempest's load balancer API tests.
	c := newClient(t)
	drivers := providerDrivers(t, c)
	if os.Getenv("OCTAVIA_TLS_TEMPEST") != "0" {
		w := newTempestWorkspace(t)
		w.writeConf(tempestConf{openrc: openrc(t), providerDrivers: drivers})
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
		defer cancel()
		regex := `^octavia_tempest_plugin\.tests\.api\.v2\.test_load_balancer\.`
		runOut, runErr := w.command(ctx, tempestBin, "run", "--regex", regex, "--concurrency", "2").CombinedOutput()
		res, err := w.results()
		if err != nil {
			t.Fatalf("tempest results (run: %v): %v\n%s", runErr, err, runOut)
		}
		_, total := byModule(res)
		t.Logf("tempest over https: %s", total)
		if total.failed > 0 || total.passed == 0 {
			t.Errorf("tempest over https: %s\n%s", total, runOut)
		}
	}

	// Renewal: Vault issues again; the next hook serves the new certificate.
	d.reanswer(id, "vault/0", vault)
	renewed := issuedCert(t, d, id)
	if renewed.SerialNumber.String() == serial {
		t.Fatal("the provider did not issue a new certificate")
	}
	deadline := time.Now().Add(15 * time.Second)
	for servedSerial(t) != renewed.SerialNumber.String() {
		if time.Now().After(deadline) {
			t.Fatalf("the renewed certificate (serial %s) is not served: still %s", renewed.SerialNumber, servedSerial(t))
		}
		time.Sleep(200 * time.Millisecond)
	}
	run(t, "curl", "-sS", "--noproxy", "*", "--fail", "--cacert", bedCA, "https://127.0.0.1:9876/")

	// Converged: nothing more to do.
	res := d.mustHook(jujutest.HookEnv{Hook: "config-changed"})
	if res.PerTool["status-set"] > 0 || res.PerTool["relation-set"] > 0 || res.Calls > 30 {
		t.Errorf("config-changed on a converged TLS unit: %d calls %v", res.Calls, res.PerTool)
	}
	if st := d.status(); st != "active Unit is ready" {
		t.Errorf("status: %s", st)
	}
}

// reanswer has the provider answer again from what the charm publishes now,
// and runs -relation-changed.
func (d *deployment) reanswer(id, remote string, answer func(ours map[string]string) map[string]string) {
	d.t.Helper()
	data := answer(d.model().Relation(id).LocalUnitData(emulated.Unit))
	d.update(func(m *jujutest.Model) error {
		m.Relation(id).SetRemoteUnitData(remote, data)
		return nil
	})
	endpoint, _, _ := strings.Cut(id, ":")
	d.mustHook(jujutest.HookEnv{Hook: endpoint + "-relation-changed", RelationID: id, RemoteUnit: remote})
}

func relationOf(t *testing.T, d *deployment, endpoint string) string {
	t.Helper()
	for id, r := range d.model().Relations {
		if r.Endpoint == endpoint && !r.Broken {
			return id
		}
	}
	t.Fatalf("no %s relation", endpoint)
	return ""
}

// issuedCert is the unit's own certificate as Vault published it.
func issuedCert(t *testing.T, d *deployment, id string) *x509.Certificate {
	t.Helper()
	bag := d.model().Relation(id).RemoteUnits["vault/0"]
	block, _ := pem.Decode([]byte(bag["octavia_0.server.cert"]))
	if block == nil {
		t.Fatal("Vault published no octavia_0.server.cert")
	}
	c, err := x509.ParseCertificate(block.Bytes)
	fatalIf(t, err, "parse the issued certificate")
	return c
}

// servedSerial is the serial of the certificate the API presents on 9876,
// verified against the bed's CA.
func servedSerial(t *testing.T) string {
	t.Helper()
	pemCA, err := os.ReadFile(bedCA)
	fatalIf(t, err, "read the bed CA")
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pemCA)
	conn, err := tls.Dial("tcp", "127.0.0.1:9876", &tls.Config{RootCAs: roots, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12})
	fatalIf(t, err, "TLS 1.2 to 127.0.0.1:9876")
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0].SerialNumber.String()
}

// forgetCA takes the bed's CA out of the machine's trust store again.
func forgetCA(t *testing.T) {
	if err := os.Remove("/usr/local/share/ca-certificates/octavia.crt"); err == nil {
		if out, err := exec.Command("update-ca-certificates", "--fresh").CombinedOutput(); err != nil {
			t.Logf("update-ca-certificates: %v %s", err, out)
		}
	}
}

func stderrOf(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return string(ee.Stderr)
	}
	return ""
}
