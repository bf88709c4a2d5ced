package tlscertificates

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"maps"
	"math/big"
	"net"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"charm-octavia/internal/relations"
)

// §7.4: octavia/0 at 10.0.0.11, hostname juju-3f2a1b-0.maas, VIP
// 10.0.0.100, os-public-hostname octavia.example.com.
func workedRequest() Request {
	return Request{
		Unit:     "octavia/0",
		Hostname: "juju-3f2a1b-0.maas",
		Address:  "10.0.0.11",
		Bindings: []Binding{
			{Name: "public", Hostname: "octavia.example.com", Address: "10.0.0.11"},
			{Name: "internal", Address: "10.0.0.11"},
			{Name: "admin", Address: "10.0.0.11"},
		},
		VIPs:     []string{"10.0.0.100"},
		Networks: []netip.Prefix{netip.MustParsePrefix("10.0.0.11/24")},
	}
}

const uuid = "5f0c2d8e-1c1e-4a43-9d2b-7f6a3b1e9c00"

func workedBag() relations.Bag {
	return relations.Bag{
		"unit_name":        "octavia_0",
		"common_name":      "octavia.example.com",
		"sans":             `["10.0.0.100", "10.0.0.11", "octavia.example.com"]`,
		"certificate_name": uuid,
		"cert_requests":    `{"juju-3f2a1b-0.maas": {"sans": ["10.0.0.100", "10.0.0.11"]}}`,
	}
}

// TestRequests compares with what charm-helpers' get_certificate_request
// returns for the same network facts (run against its cert_utils.py and
// ip.py with the hook tools stubbed), in its order.
func TestRequests(t *testing.T) {
	split := func(hostnames map[string]string) Request {
		r := Request{
			Unit: "octavia/0", Hostname: "juju-3f2a1b-0.maas", Address: "10.0.0.11",
			VIPs: []string{"10.0.0.100", "10.1.0.100", "10.2.0.100"},
			Networks: []netip.Prefix{netip.MustParsePrefix("10.0.0.11/24"),
				netip.MustParsePrefix("10.1.0.11/24"), netip.MustParsePrefix("10.2.0.11/24")},
		}
		for _, b := range []Binding{{Name: "admin", Address: "10.1.0.11"}, {Name: "public", Address: "10.2.0.11"}, {Name: "internal", Address: "10.0.0.11"}} {
			b.Hostname = hostnames[b.Name]
			r.Bindings = append(r.Bindings, b)
		}
		return r
	}
	osNet := Request{
		Unit: "octavia/0", Hostname: "juju-3f2a1b-0.maas", Address: "10.0.0.11",
		Bindings: []Binding{
			{Name: "internal", Address: "10.0.0.11", NetworkAddress: "10.5.0.11", Hostname: "octavia-int.example.com"},
			{Name: "admin", Address: "10.0.0.11"}, {Name: "public", Address: "10.0.0.11"},
		},
		VIPs:     []string{"10.0.0.100", "10.5.0.100"},
		Networks: []netip.Prefix{netip.MustParsePrefix("10.0.0.11/24"), netip.MustParsePrefix("10.5.0.11/24")},
	}
	noHost := workedRequest()
	noHost.Bindings[0].Hostname = ""
	noVIP := noHost
	noVIP.VIPs = nil
	v6 := Request{
		Unit: "octavia/0", Hostname: "juju-6.maas", Address: "fd00::11",
		Bindings: []Binding{{Name: "internal", Address: "fd00::11", Hostname: "octavia-int.example.com"},
			{Name: "admin", Address: "fd00::11"}, {Name: "public", Address: "fd00::11"}},
		VIPs:     []string{"fd00::100"},
		Networks: []netip.Prefix{netip.MustParsePrefix("fd00::11/64")},
	}
	tests := []struct {
		name string
		r    Request
		want []CertRequest
	}{
		{"§7.4", workedRequest(), []CertRequest{
			{"octavia.example.com", []string{"10.0.0.100", "10.0.0.11", "octavia.example.com"}},
			{"juju-3f2a1b-0.maas", []string{"10.0.0.100", "10.0.0.11"}},
		}},
		{"§7.4 without os-public-hostname", noHost, []CertRequest{
			{"juju-3f2a1b-0.maas", []string{"10.0.0.100", "10.0.0.11"}},
		}},
		{"no VIP, no hostname", noVIP, []CertRequest{
			{"juju-3f2a1b-0.maas", []string{"10.0.0.11"}},
		}},
		{"three networks, three hostnames: internal, admin, public order", split(map[string]string{
			"public": "octavia.example.com", "internal": "octavia-int.example.com", "admin": "octavia-admin.example.com"}), []CertRequest{
			{"octavia-int.example.com", []string{"10.0.0.100", "10.0.0.11", "octavia-int.example.com"}},
			{"octavia-admin.example.com", []string{"10.1.0.100", "10.1.0.11", "octavia-admin.example.com"}},
			{"octavia.example.com", []string{"10.2.0.100", "10.2.0.11", "octavia.example.com"}},
			{"juju-3f2a1b-0.maas", []string{"10.0.0.100", "10.0.0.11"}},
		}},
		{"three networks, public hostname only: the rest go to the unit's CN", split(map[string]string{"public": "octavia.example.com"}), []CertRequest{
			{"octavia.example.com", []string{"10.2.0.100", "10.2.0.11", "octavia.example.com"}},
			{"juju-3f2a1b-0.maas", []string{"10.0.0.100", "10.0.0.11", "10.1.0.100", "10.1.0.11"}},
		}},
		{"one hostname on two bindings: first place, last SANs (as upstream)", split(map[string]string{
			"public": "octavia.example.com", "admin": "octavia.example.com"}), []CertRequest{
			{"octavia.example.com", []string{"10.2.0.100", "10.2.0.11", "octavia.example.com"}},
			{"juju-3f2a1b-0.maas", []string{"10.0.0.100", "10.0.0.11"}},
		}},
		{"os-internal-network: its address and VIP go to the unit's CN", osNet, []CertRequest{
			{"octavia-int.example.com", []string{"10.0.0.100", "10.0.0.11", "octavia-int.example.com"}},
			{"juju-3f2a1b-0.maas", []string{"10.0.0.100", "10.0.0.11", "10.5.0.100", "10.5.0.11"}},
		}},
		{"IPv6", v6, []CertRequest{
			{"octavia-int.example.com", []string{"fd00::100", "fd00::11", "octavia-int.example.com"}},
			{"juju-6.maas", []string{"fd00::100", "fd00::11"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Requests(tt.r)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Requests =\n %v\nwant\n %v", got, tt.want)
			}
		})
	}
	if _, err := Requests(Request{Unit: "octavia/0", Address: "10.0.0.11"}); err == nil {
		t.Error("Requests without a host name: want an error")
	}
}

func TestBuild(t *testing.T) {
	single := relations.Bag{
		"unit_name": "octavia_0", "common_name": "juju-3f2a1b-0.maas",
		"sans": `["10.0.0.100", "10.0.0.11"]`, "certificate_name": uuid,
	}
	noHost := workedRequest()
	noHost.Bindings[0].Hostname = ""
	tests := []struct {
		name     string
		r        Request
		previous relations.Bag
		certName string
		want     relations.Bag
	}{
		{"§7.4 first shape", workedRequest(), nil, uuid, workedBag()},
		{"§7.4 again: certificate_name is kept", workedRequest(), workedBag(), "another-uuid", workedBag()},
		{"§7.4 without os-*-hostname: a single request, no cert_requests", noHost, nil, uuid, single},
		{
			name: "the legacy slot stays with its CN (after refresh from upstream, or a new hostname)",
			r:    workedRequest(), previous: single, certName: "ignored",
			want: relations.Bag{
				"unit_name": "octavia_0", "common_name": "juju-3f2a1b-0.maas",
				"sans": `["10.0.0.100", "10.0.0.11"]`, "certificate_name": uuid,
				"cert_requests": `{"octavia.example.com": {"sans": ["10.0.0.100", "10.0.0.11", "octavia.example.com"]}}`,
			},
		},
		{
			name: "hostname unset: cert_requests is emptied, which deletes it",
			r:    noHost, previous: workedBag(), certName: "ignored",
			want: with(single, "cert_requests", ""),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Build(tt.r, tt.previous, tt.certName)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Build =\n %v\nwant\n %v", got, tt.want)
			}
		})
	}
	if _, err := Build(workedRequest(), nil, ""); err == nil {
		t.Error("Build without any certificate_name: want an error")
	}
	if got := UnitName("octavia/12"); got != "octavia_12" {
		t.Errorf("UnitName = %s", got)
	}
}

func with(b relations.Bag, kv ...string) relations.Bag {
	out := maps.Clone(b)
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// pki is a small CA that issues certificates as Vault does (CN also among
// the DNS SANs, IP SANs apart).
type pki struct {
	cert    *x509.Certificate
	certPEM string
	key     crypto.Signer
}

var now = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func newCA(t *testing.T, name string) *pki {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: now.Add(-24 * time.Hour), NotAfter: now.Add(365 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return &pki{cert: c, certPEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), key: key}
}

// issued is a certificate and key in Vault's PEM texts (no trailing newline).
type issued struct{ cert, key string }

var rsaKey *rsa.PrivateKey

func (p *pki) issue(t *testing.T, cn string, sans []string, notAfter time.Time, useRSA bool) issued {
	t.Helper()
	var key crypto.Signer
	var keyPEM []byte
	if useRSA {
		if rsaKey == nil {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				t.Fatal(err)
			}
			rsaKey = k
		}
		key = rsaKey
		keyPEM = pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)})
	} else {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		key = k
		der, _ := x509.MarshalECPrivateKey(k)
		keyPEM = pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: now.Add(-time.Hour), NotAfter: notAfter,
		DNSNames:    []string{cn},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, s := range sans {
		if ip := net.ParseIP(s); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else if s != cn {
			tmpl.DNSNames = append(tmpl.DNSNames, s)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.cert, key.Public(), p.key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return issued{strings.TrimSpace(string(certPEM)), strings.TrimSpace(string(keyPEM))}
}

func processed(m map[string]issued) string {
	out := map[string]map[string]string{}
	for cn, i := range m {
		out[cn] = map[string]string{"cert": i.cert, "key": i.key}
	}
	b, _ := json.Marshal(out)
	return string(b)
}

func TestParse(t *testing.T) {
	ca := newCA(t, "Vault Root Certificate Authority (charm-pki-local)")
	other := newCA(t, "someone else")
	year := now.Add(365 * 24 * time.Hour)
	pub := ca.issue(t, "octavia.example.com", []string{"10.0.0.100", "10.0.0.11", "octavia.example.com"}, year, true)
	host := ca.issue(t, "juju-3f2a1b-0.maas", []string{"10.0.0.100", "10.0.0.11"}, year, false)
	expired := ca.issue(t, "octavia.example.com", []string{"10.0.0.100", "10.0.0.11"}, now.Add(-time.Minute), false)
	foreign := other.issue(t, "octavia.example.com", []string{"10.0.0.100", "10.0.0.11", "octavia.example.com"}, year, false)
	hostOldSANs := ca.issue(t, "juju-3f2a1b-0.maas", []string{"10.0.0.11"}, year, false)

	// vault/0 in §7.4's first shape.
	vault := func(kv ...string) relations.Bag {
		b := relations.Bag{
			"ca": ca.certPEM, "chain": ca.certPEM,
			"octavia_0.server.cert":        pub.cert,
			"octavia_0.server.key":         pub.key,
			"octavia_0.processed_requests": processed(map[string]issued{"juju-3f2a1b-0.maas": host}),
			"client.cert":                  "-----BEGIN CERTIFICATE-----...", "client.key": "-----BEGIN RSA PRIVATE KEY-----...",
			"private-address": "10.0.0.30",
		}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == "" {
				delete(b, kv[i])
			} else {
				b[kv[i]] = kv[i+1]
			}
		}
		return b
	}
	ep := func(units ...relations.Bag) relations.Endpoint {
		r := relations.Relation{ID: "certificates:9", Units: map[string]relations.Bag{}}
		for i, u := range units {
			r.Units[fmt.Sprintf("vault/%d", i)] = u
		}
		return relations.Endpoint{r}
	}

	tests := []struct {
		name      string
		e         relations.Endpoint
		published relations.Bag
		readiness relations.Readiness
		cns       []string // valid CNs expected in ByCN
		reason    string   // substring of Reason
	}{
		{name: "not related", readiness: relations.Missing, published: workedBag()},
		{name: "related, vault not joined", e: relations.Endpoint{{ID: "certificates:9"}}, published: workedBag(), readiness: relations.Missing},
		{name: "§7.4 answer", e: ep(vault()), published: workedBag(), readiness: relations.Ready,
			cns: []string{"juju-3f2a1b-0.maas", "octavia.example.com"}},
		{name: "§7.4, chain absent", e: ep(vault("chain", "")), published: workedBag(), readiness: relations.Ready,
			cns: []string{"juju-3f2a1b-0.maas", "octavia.example.com"}},
		{name: "nothing requested yet", e: ep(vault()), published: nil, readiness: relations.Incomplete, reason: "no certificate requested"},
		{name: "vault sealed: joined, nothing published", e: ep(relations.Bag{"private-address": "10.0.0.30"}), published: workedBag(),
			readiness: relations.Incomplete, reason: "not published ca"},
		{name: "ca garbage", e: ep(vault("ca", "garbage")), published: workedBag(), readiness: relations.Incomplete, reason: "ca is not a PEM certificate"},
		{name: "chain garbage", e: ep(vault("chain", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----")), published: workedBag(),
			readiness: relations.Incomplete, reason: "chain is not PEM"},
		{name: "only the legacy certificate so far", e: ep(vault("octavia_0.processed_requests", "")), published: workedBag(),
			readiness: relations.Incomplete, cns: []string{"octavia.example.com"}, reason: `no certificate for "juju-3f2a1b-0.maas" yet`},
		{name: "legacy key swapped for another", e: ep(vault("octavia_0.server.key", host.key)), published: workedBag(),
			readiness: relations.Incomplete, cns: []string{"juju-3f2a1b-0.maas"},
			reason: `vault/0: octavia_0.server.cert and octavia_0.server.key for "octavia.example.com": key does not match the certificate`},
		{name: "legacy certificate expired", e: ep(vault("octavia_0.server.cert", expired.cert, "octavia_0.server.key", expired.key)), published: workedBag(),
			readiness: relations.Incomplete, cns: []string{"juju-3f2a1b-0.maas"}, reason: "certificate has expired"},
		{name: "certificate from another CA", e: ep(vault("octavia_0.server.cert", foreign.cert, "octavia_0.server.key", foreign.key)), published: workedBag(),
			readiness: relations.Incomplete, cns: []string{"juju-3f2a1b-0.maas"}, reason: "not issued by the published ca"},
		{name: "legacy slot still holds the previous CN's certificate", e: ep(vault("octavia_0.server.cert", host.cert, "octavia_0.server.key", host.key)),
			published: workedBag(), readiness: relations.Incomplete, cns: []string{"juju-3f2a1b-0.maas"}, reason: "certificate is for another name"},
		{name: "processed_requests not JSON", e: ep(vault("octavia_0.processed_requests", "{"+host.key)), published: workedBag(),
			readiness: relations.Incomplete, cns: []string{"octavia.example.com"}, reason: "octavia_0.processed_requests is not a JSON object"},
		{name: "processed entry without a key", e: ep(vault("octavia_0.processed_requests", `{"juju-3f2a1b-0.maas": {"cert": "x"}}`)),
			published: workedBag(), readiness: relations.Incomplete, cns: []string{"octavia.example.com"}, reason: "key missing"},
		{name: "key garbage", e: ep(vault("octavia_0.server.key", "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----")),
			published: workedBag(), readiness: relations.Incomplete, cns: []string{"juju-3f2a1b-0.maas"}, reason: "key is not a PEM private key"},
		{name: "answers for another unit are not ours", e: ep(vault("octavia_0.server.cert", "", "octavia_0.server.key", "", "octavia_0.processed_requests", "",
			"octavia_1.processed_requests", processed(map[string]issued{"juju-3f2a1b-0.maas": host}))),
			published: workedBag(), readiness: relations.Incomplete, reason: "no certificate for"},
		{name: "a stale non-leader first, the leader has the new pair", e: ep(
			vault("octavia_0.server.cert", expired.cert, "octavia_0.server.key", expired.key), vault()),
			published: workedBag(), readiness: relations.Ready, cns: []string{"juju-3f2a1b-0.maas", "octavia.example.com"}},
		{name: "classic shape: every CN in processed_requests", e: ep(vault("octavia_0.server.cert", "", "octavia_0.server.key", "",
			"octavia_0.processed_requests", processed(map[string]issued{"juju-3f2a1b-0.maas": host, "octavia.example.com": pub}))),
			published: relations.Bag{"unit_name": "octavia_0",
				"cert_requests": `{"juju-3f2a1b-0.maas": {"sans": ["10.0.0.100", "10.0.0.11"]}, "octavia.example.com": {"sans": ["10.0.0.100", "10.0.0.11", "octavia.example.com"]}}`},
			readiness: relations.Ready, cns: []string{"juju-3f2a1b-0.maas", "octavia.example.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, r := Parse(tt.e, tt.published, now)
			if r != tt.readiness {
				t.Fatalf("readiness = %v, want %v (reason %q)", r, tt.readiness, got.Reason)
			}
			if !strings.Contains(got.Reason, tt.reason) {
				t.Errorf("Reason = %q, want it to contain %q", got.Reason, tt.reason)
			}
			if r == relations.Ready && got.Reason != "" {
				t.Errorf("Ready with Reason %q", got.Reason)
			}
			var cns []string
			for _, cn := range sortedCNs(got.ByCN) {
				cns = append(cns, cn)
			}
			if !reflect.DeepEqual(cns, tt.cns) {
				t.Errorf("valid CNs = %v, want %v", cns, tt.cns)
			}
		})
	}

	t.Run("§7.4 values", func(t *testing.T) {
		got, r := Parse(ep(vault()), workedBag(), now)
		if r != relations.Ready {
			t.Fatal(got.Reason)
		}
		c := got.ByCN["octavia.example.com"]
		if string(c.Cert) != pub.cert || string(c.Key) != pub.key || string(c.CA) != ca.certPEM || string(c.Chain) != ca.certPEM {
			t.Error("legacy certificate: cert, key, ca or chain not as published")
		}
		if string(got.CA) != ca.certPEM {
			t.Error("CA not as published")
		}
		if want := pub.cert + "\n" + ca.certPEM; string(c.FileContent()) != want {
			t.Error("FileContent is not cert + newline + chain")
		}
		h := got.ByCN["juju-3f2a1b-0.maas"]
		if string(h.Key) != host.key || !h.NotAfter.Equal(year.Truncate(time.Second)) {
			t.Errorf("processed certificate: key or NotAfter (%s) wrong", h.NotAfter)
		}
		if len(c.MissingSANs) != 0 || len(h.MissingSANs) != 0 {
			t.Errorf("MissingSANs = %v, %v", c.MissingSANs, h.MissingSANs)
		}
	})

	t.Run("a VIP added: the old certificate stays usable, its missing SAN is reported", func(t *testing.T) {
		e := ep(vault("octavia_0.processed_requests", processed(map[string]issued{"juju-3f2a1b-0.maas": hostOldSANs})))
		got, r := Parse(e, workedBag(), now)
		if r != relations.Ready {
			t.Fatal(got.Reason)
		}
		if m := got.ByCN["juju-3f2a1b-0.maas"].MissingSANs; !reflect.DeepEqual(m, []string{"10.0.0.100"}) {
			t.Errorf("MissingSANs = %v", m)
		}
	})

	t.Run("no private key in any Reason, String or GoString", func(t *testing.T) {
		keys := []string{pub.key, host.key, expired.key, foreign.key}
		var outputs []string
		cases := []relations.Endpoint{
			ep(vault()),
			ep(vault("octavia_0.server.key", host.key)),
			ep(vault("octavia_0.server.cert", pub.key, "octavia_0.server.key", pub.cert)),
			ep(vault("octavia_0.server.cert", expired.cert, "octavia_0.server.key", expired.key)),
			ep(vault("octavia_0.server.cert", foreign.cert, "octavia_0.server.key", foreign.key)),
			ep(vault("octavia_0.processed_requests", "{"+host.key)),
			ep(vault("octavia_0.processed_requests", `{"juju-3f2a1b-0.maas": "`+strings.ReplaceAll(host.key, "\n", `\n`)+`"}`)),
			ep(vault("octavia_0.processed_requests", `{"juju-3f2a1b-0.maas": {"cert": "`+strings.ReplaceAll(host.key, "\n", `\n`)+`", "key": "x"}}`)),
			ep(vault("ca", pub.key)),
			ep(vault("chain", host.key+"\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----")),
			ep(vault("octavia_0.server.key", strings.Replace(pub.key, "A", "B", 3))),
		}
		for _, e := range cases {
			got, _ := Parse(e, workedBag(), now)
			outputs = append(outputs, got.Reason, got.String(), got.GoString(), fmt.Sprintf("%v %+v %#v", got, got, got))
			for _, c := range got.ByCN {
				outputs = append(outputs, c.String(), fmt.Sprintf("%v %+v %#v", c, c, c))
			}
		}
		for _, out := range outputs {
			for _, k := range keys {
				for _, line := range strings.Split(k, "\n") {
					if strings.HasPrefix(line, "-----") || len(line) < 16 {
						continue
					}
					if strings.Contains(out, line[:16]) {
						t.Fatalf("key material in output: %q", out)
					}
				}
			}
			if strings.Contains(out, "PRIVATE KEY") {
				t.Fatalf("key text in output: %q", out)
			}
		}
	})
}
