package octavia

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"charm-octavia/internal/relations"
)

// testCA plays Vault's PKI in the TLS tests: a CA that signs server
// certificates for requested CNs and SANs.
type testCA struct {
	cert   *x509.Certificate
	key    *ecdsa.PrivateKey
	pem    string
	serial int64
}

func newTestCA(t testing.TB) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test Vault Root CA"},
		NotBefore: testNow.Add(-time.Hour), NotAfter: testNow.Add(365 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &testCA{cert: cert, key: key, pem: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), serial: 1}
}

// issue signs a certificate for cn and sans; it returns the certificate
// and key PEM.
func (ca *testCA) issue(t testing.TB, cn string, sans []string) (string, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ca.serial++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(ca.serial), Subject: pkix.Name{CommonName: cn},
		NotBefore: testNow.Add(-time.Hour), NotAfter: testNow.Add(30 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, s := range append([]string{cn}, sans...) {
		if ip := net.ParseIP(s); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, s)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalPKCS8PrivateKey(key)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}))
}

// answer is what Vault publishes (relation-interfaces.md §7.2) for the
// requests in a requirer's bag.
func (ca *testCA) answer(t testing.TB, req relations.Bag) relations.Bag {
	t.Helper()
	unit := req["unit_name"]
	out := relations.Bag{"ca": ca.pem}
	if cn := req["common_name"]; cn != "" {
		var sans []string
		if err := json.Unmarshal([]byte(req["sans"]), &sans); err != nil {
			t.Fatalf("sans: %v", err)
		}
		out[unit+".server.cert"], out[unit+".server.key"] = ca.issue(t, cn, sans)
	}
	if raw := req["cert_requests"]; raw != "" {
		var reqs map[string]struct {
			SANs []string `json:"sans"`
		}
		if err := json.Unmarshal([]byte(raw), &reqs); err != nil {
			t.Fatalf("cert_requests: %v", err)
		}
		processed := map[string]map[string]string{}
		for cn, r := range reqs {
			c, k := ca.issue(t, cn, r.SANs)
			processed[cn] = map[string]string{"cert": c, "key": k}
		}
		b, _ := json.Marshal(processed)
		out[unit+".processed_requests"] = string(b)
	}
	return out
}

// tlsInputs is a ready noop unit related to Vault, which has not answered.
func tlsInputs(t testing.TB) Inputs {
	in := noop(readyInputs(t))
	in.Relations[EndpointCertificates] = relations.Endpoint{{ID: "certificates:9", RemoteApp: "vault",
		Units: map[string]relations.Bag{"vault/0": {}}}}
	return in
}

// vaultAnswers plans once, has ca answer the published request, and returns
// the inputs of the next pass.
func vaultAnswers(t testing.TB, in Inputs, ca *testCA) Inputs {
	t.Helper()
	pl := NewPlanner().Plan(in)
	req := pl.Publish["certificates:9"]
	if req == nil {
		t.Fatal("no certificates request published")
	}
	r := &in.Relations[EndpointCertificates][0]
	r.Local = req
	r.Units = map[string]relations.Bag{"vault/0": ca.answer(t, req)}
	return in
}

func filesByPath(pl Plan) map[string]File {
	out := map[string]File{}
	for _, f := range pl.Files {
		out[f.Path] = f
	}
	return out
}

// servesTLS checks the plan serves the API over TLS with the given CNs.
func servesTLS(t *testing.T, pl Plan, cns ...string) {
	t.Helper()
	files := filesByPath(pl)
	for _, cn := range cns {
		cert, key := files[APISSLDir+"/cert_"+cn], files[APISSLDir+"/key_"+cn]
		if !strings.Contains(string(cert.Data), "BEGIN CERTIFICATE") {
			t.Errorf("no certificate file for %s", cn)
		}
		if !strings.Contains(string(key.Data), "PRIVATE KEY") {
			t.Errorf("no key file for %s", cn)
		}
		if key.Mode&0o077 != 0 || key.Owner != "root" || key.Group != "root" {
			t.Errorf("key_%s is %s:%s %v, want root:root 0600", cn, key.Owner, key.Group, key.Mode)
		}
		if !containsString(key.Reload, SvcApache) || !containsString(cert.Reload, SvcApache) {
			t.Errorf("a renewed certificate for %s would not reload Apache", cn)
		}
	}
	site := string(files[HTTPSFrontendPath].Data)
	for _, want := range []string{"Listen 9866", "SSLProtocol all -SSLv3 -TLSv1 -TLSv1.1",
		"ProxyPass / http://127.0.0.1:9856/", `RequestHeader set X-Forwarded-Proto "https"`} {
		if !strings.Contains(site, want) {
			t.Errorf("frontend site lacks %q:\n%s", want, site)
		}
	}
	if n := strings.Count(site, "<VirtualHost *:9866>"); n != len(cns) {
		t.Errorf("frontend site has %d vhosts, want %d", n, len(cns))
	}
	if first := strings.Index(site, "ServerName "+cns[0]+"\n"); first < 0 || first > strings.Index(site, "ServerName ") {
		t.Errorf("the default vhost is not %s:\n%s", cns[0], site)
	}
	if s := string(files[APISitePath].Data); !strings.Contains(s, "Listen 9856") {
		t.Errorf("mod_wsgi vhost not moved to 9856:\n%s", s)
	}
	if s := string(files[HAProxyConfPath].Data); !strings.Contains(s, "10.0.0.11:9866 check check-ssl verify none") {
		t.Errorf("haproxy does not check over TLS:\n%s", s)
	}
	for _, m := range tlsModules {
		if !containsString(pl.ApacheModules, m) {
			t.Errorf("module %s not enabled", m)
		}
	}
	if !containsString(pl.ApacheSites, HTTPSFrontendSite) {
		t.Error("frontend site not enabled")
	}
	ks := pl.Publish["identity-service:3"]
	for _, k := range []string{"public_url", "internal_url", "admin_url"} {
		if !strings.HasPrefix(ks[k], "https://") {
			t.Errorf("%s = %q, want https", k, ks[k])
		}
	}
	if nb := pl.Publish["neutron-api:5"]["base_url"]; !strings.Contains(nb, "https://") {
		t.Errorf("neutron-api base_url = %s, want https", nb)
	}
}

// servesHTTP checks the plan serves the API as without TLS.
func servesHTTP(t *testing.T, pl Plan) {
	t.Helper()
	files := filesByPath(pl)
	if s := string(files[APISitePath].Data); !strings.Contains(s, "Listen 9866") {
		t.Errorf("mod_wsgi vhost not on 9866:\n%s", s)
	}
	if s := string(files[HTTPSFrontendPath].Data); strings.Contains(s, "VirtualHost") || strings.Contains(s, "Listen") {
		t.Errorf("frontend site without TLS:\n%s", s)
	}
	if s := string(files[HAProxyConfPath].Data); strings.Contains(s, "check-ssl") {
		t.Errorf("haproxy checks over TLS without TLS:\n%s", s)
	}
	if containsString(pl.ApacheSites, HTTPSFrontendSite) {
		t.Error("frontend site enabled without TLS")
	}
	if u := pl.Publish["identity-service:3"]["public_url"]; !strings.HasPrefix(u, "http://") {
		t.Errorf("public_url = %q, want http", u)
	}
	for path := range files {
		if strings.HasPrefix(path, APISSLDir) || IsSystemCA(path) {
			t.Errorf("%s written without TLS", path)
		}
	}
}

func TestTLSFromVault(t *testing.T) {
	ca := newTestCA(t)
	p := NewPlanner()

	// Related, not answered: the request is published, HTTP goes on.
	in := tlsInputs(t)
	pl := p.Plan(in)
	req := pl.Publish["certificates:9"]
	want := relations.Bag{"unit_name": "octavia_0", "common_name": "juju-3f2a1b-0", "sans": `["10.0.0.11"]`,
		"certificate_name": certificateName("octavia/0")}
	for k, v := range want {
		if req[k] != v {
			t.Errorf("published %s = %q, want %q", k, req[k], v)
		}
	}
	if st := StatusOf(pl.Reasons); st.Code != "waiting" || st.Message != "Waiting for the API certificate from vault: the provider has not published ca" {
		t.Errorf("status %v", st)
	}
	if !pl.Configure {
		t.Fatal("the unit must keep serving while Vault has not answered")
	}
	servesHTTP(t, pl)

	// Vault answers: TLS, the CA in the trust store, https endpoints.
	in = vaultAnswers(t, in, ca)
	pl = p.Plan(in)
	if st := StatusOf(pl.Reasons); st != Ready {
		t.Errorf("status %v", st)
	}
	servesTLS(t, pl, "juju-3f2a1b-0")
	files := filesByPath(pl)
	if string(files[SystemCAPath].Data) != ca.pem {
		t.Error("the CA is not installed in the system trust store")
	}
	if pl.Publish["certificates:9"]["certificate_name"] != want["certificate_name"] {
		t.Error("certificate_name changed")
	}

	// Renewal: a new certificate in the relation is a new file (reload).
	renewed := vaultAnswers(t, in, ca)
	pl2 := p.Plan(renewed)
	if string(filesByPath(pl2)[APISSLDir+"/cert_juju-3f2a1b-0"].Data) == string(files[APISSLDir+"/cert_juju-3f2a1b-0"].Data) {
		t.Error("the renewed certificate is not rendered")
	}
	if string(filesByPath(pl2)[SystemCAPath].Data) != ca.pem {
		t.Error("CA changed on renewal")
	}
}

func TestTLSHostnamesGetTheirOwnCertificates(t *testing.T) {
	ca := newTestCA(t)
	in := tlsInputs(t)
	in.Config.OSPublicHostname = "octavia.example.com"
	in = vaultAnswers(t, in, ca)
	req := in.Relations[EndpointCertificates][0].Local
	if req["common_name"] != "octavia.example.com" || req["cert_requests"] != `{"juju-3f2a1b-0": {"sans": ["10.0.0.11"]}}` {
		t.Errorf("request %v", req)
	}
	pl := NewPlanner().Plan(in)
	if st := StatusOf(pl.Reasons); st != Ready {
		t.Errorf("status %v", st)
	}
	servesTLS(t, pl, "juju-3f2a1b-0", "octavia.example.com")
	if u := pl.Publish["identity-service:3"]["public_url"]; u != "https://octavia.example.com:9876" {
		t.Errorf("public_url %q", u)
	}
}

func TestTLSPreviousCertificateNameWins(t *testing.T) {
	in := tlsInputs(t)
	in.Relations[EndpointCertificates][0].Local = relations.Bag{"certificate_name": "5f0c2d8e-0000-4000-8000-000000000000"}
	pl := NewPlanner().Plan(in)
	if got := pl.Publish["certificates:9"]["certificate_name"]; got != "5f0c2d8e-0000-4000-8000-000000000000" {
		t.Errorf("certificate_name %q", got)
	}
	a, b := certificateName("octavia/0"), certificateName("octavia/1")
	if a == b || len(a) != 36 || a != certificateName("octavia/0") {
		t.Errorf("certificate names %q %q", a, b)
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestTLSFromOptions(t *testing.T) {
	ca := newTestCA(t)
	cert, key := ca.issue(t, "octavia.example.com", []string{"10.0.0.11"})
	in := noop(readyInputs(t))
	in.Config.SSLCert, in.Config.SSLKey, in.Config.SSLCA = b64(cert), b64(key), b64(ca.pem)
	pl := NewPlanner().Plan(in)
	if st := StatusOf(pl.Reasons); st != Ready {
		t.Fatalf("status %v", st)
	}
	servesTLS(t, pl, "10.0.0.11")
	files := filesByPath(pl)
	if string(files[APISSLDir+"/cert_10.0.0.11"].Data) != cert || string(files[SystemCAPath].Data) != ca.pem {
		t.Error("the configured certificate and CA are not what is written")
	}

	// The options win over Vault, which is still asked.
	vin := tlsInputs(t)
	vin.Config = in.Config
	vin = vaultAnswers(t, vin, newTestCA(t))
	pl = NewPlanner().Plan(vin)
	if st := StatusOf(pl.Reasons); st != Ready {
		t.Errorf("status %v", st)
	}
	if string(filesByPath(pl)[APISSLDir+"/cert_10.0.0.11"].Data) != cert {
		t.Error("the relation's certificate won over ssl_cert")
	}
	if pl.Publish["certificates:9"]["unit_name"] != "octavia_0" {
		t.Error("the certificates request is not published")
	}

	// Raw PEM and wrapped base64 are accepted too.
	in.Config.SSLCert, in.Config.SSLKey, in.Config.SSLCA = cert, wrap(b64(key)), ""
	if st := StatusOf(NewPlanner().Plan(in).Reasons); st != Ready {
		t.Errorf("raw PEM and wrapped base64: %v", st)
	}
}

func wrap(s string) string {
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\n")
		s = s[76:]
	}
	return b.String() + s
}

func TestTLSBadOptionsBlock(t *testing.T) {
	ca, other := newTestCA(t), newTestCA(t)
	cert, key := ca.issue(t, "octavia.example.com", nil)
	_, otherKey := ca.issue(t, "octavia.example.com", nil)
	cases := []struct {
		name            string
		sslCert, sslKey string
		sslCA           string
		msg             string
	}{
		{"bad key", b64(cert), b64("-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n"), "",
			"ssl_key: is not a base64-encoded unencrypted PEM private key"},
		{"key not base64", b64(cert), "%%%" + b64(key)[3:], "", "ssl_key: is not a base64-encoded unencrypted PEM private key"},
		{"key of another certificate", b64(cert), b64(otherKey), "", "ssl_key: does not match the certificate in ssl_cert"},
		{"cert without key", b64(cert), "", "", "ssl_key: must be set with ssl_cert"},
		{"key without cert", "", b64(key), "", "ssl_cert: must be set with ssl_key"},
		{"cert is a key", b64(key), b64(key), "", "ssl_cert: is not a base64-encoded PEM certificate"},
		{"CA that did not issue it", b64(cert), b64(key), b64(other.pem), "ssl_ca: did not issue the certificate in ssl_cert"},
		{"CA not PEM", b64(cert), b64(key), b64("nope"), "ssl_ca: is not a base64-encoded PEM certificate"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := noop(readyInputs(t))
			in.Config.SSLCert, in.Config.SSLKey, in.Config.SSLCA = tc.sslCert, tc.sslKey, tc.sslCA
			pl := NewPlanner().Plan(in)
			st := StatusOf(pl.Reasons)
			if st.Code != "blocked" || st.Message != tc.msg {
				t.Errorf("status %v, want blocked %q", st, tc.msg)
			}
			if pl.Configure || len(pl.Files) > 0 {
				t.Error("bad options must leave the last good files alone")
			}
			noKeyMaterial(t, st.Message, key, otherKey, tc.sslKey)
		})
	}
}

// noKeyMaterial fails when text holds any part of a key.
func noKeyMaterial(t *testing.T, text string, keys ...string) {
	t.Helper()
	if strings.Contains(text, "PRIVATE KEY") || strings.Contains(text, "BEGIN") {
		t.Errorf("key material in %q", text)
	}
	for _, k := range keys {
		for _, line := range strings.Split(k, "\n") {
			if len(line) >= 8 && !strings.HasPrefix(line, "-----") && strings.Contains(text, line) {
				t.Errorf("key material in %q", text)
			}
		}
	}
}

func TestTLSBadRelationDataKeepsHTTPAndNoKeyInStatus(t *testing.T) {
	ca := newTestCA(t)
	in := vaultAnswers(t, tlsInputs(t), ca)
	vault := in.Relations[EndpointCertificates][0].Units["vault/0"]
	_, otherKey := ca.issue(t, "juju-3f2a1b-0", nil)
	vault["octavia_0.server.key"] = otherKey
	pl := NewPlanner().Plan(in)
	st := StatusOf(pl.Reasons)
	if st.Code != "waiting" || !strings.HasPrefix(st.Message, "Waiting for the API certificate from vault: ") ||
		!strings.Contains(st.Message, "key does not match the certificate") {
		t.Errorf("status %v", st)
	}
	noKeyMaterial(t, st.Message, otherKey)
	servesHTTP(t, pl)

	// No unit has joined yet: waiting, HTTP.
	in = tlsInputs(t)
	in.Relations[EndpointCertificates][0].Units = nil
	pl = NewPlanner().Plan(in)
	if st := StatusOf(pl.Reasons); st.Code != "waiting" || st.Message != "Waiting for the API certificate from vault" {
		t.Errorf("status %v", st)
	}
	servesHTTP(t, pl)
}

func TestTLSOffRendersAnEmptyFrontend(t *testing.T) {
	pl := NewPlanner().Plan(noop(readyInputs(t)))
	if st := StatusOf(pl.Reasons); st != Ready {
		t.Fatalf("status %v", st)
	}
	servesHTTP(t, pl)
	if _, ok := filesByPath(pl)[HTTPSFrontendPath]; !ok {
		t.Error("the frontend site is not rendered without TLS")
	}
	for _, m := range pl.ApacheModules {
		if m != "wsgi" {
			t.Errorf("module %s enabled without TLS", m)
		}
	}
}
