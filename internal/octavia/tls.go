package octavia

import (
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"net/netip"
	"strings"

	"charm-octavia/internal/relations"
	"charm-octavia/internal/relations/tlscertificates"
)

// TLS for the API, as the upstream charm lays it out: haproxy keeps
// listening on APIPort in TCP mode and forwards to an Apache TLS frontend
// (site openstack_https_frontend) on APIBackendPort on every unit, which
// proxies to the mod_wsgi vhost moved to APIWSGIPortTLS. The certificates
// come from the ssl_cert/ssl_key/ssl_ca options when set, else from Vault on
// the certificates relation. Until a certificate is there the API keeps
// serving plain HTTP, as upstream does, so that relating Vault never takes
// the API down; the unit says it is waiting meanwhile.

// Files, site and port of the TLS frontend.
const (
	// APIWSGIPortTLS is where the mod_wsgi vhost listens while the TLS
	// frontend holds APIBackendPort.
	APIWSGIPortTLS = 9856
	// HTTPSFrontendSite is the Apache site of the TLS frontend; its file is
	// rendered in every pass (empty while TLS is off, as upstream's template
	// renders), the site is enabled once TLS is on.
	HTTPSFrontendSite = "openstack_https_frontend"
	HTTPSFrontendPath = "/etc/apache2/sites-available/" + HTTPSFrontendSite + ".conf"
	// APISSLDir holds cert_<cn> and key_<cn> for each served CN.
	APISSLDir = "/etc/apache2/ssl/octavia"
	// SystemCADir is where local CAs join the system trust store (Debian's
	// update-ca-certificates); SystemCAPath and SystemCAChainPath hold the
	// API's CA and chain, named after the application as upstream names them.
	SystemCADir       = "/usr/local/share/ca-certificates"
	SystemCAPath      = SystemCADir + "/octavia.crt"
	SystemCAChainPath = SystemCADir + "/octavia-chain.crt"
)

// tlsModules are the Apache modules the TLS frontend needs.
var tlsModules = []string{"ssl", "proxy", "proxy_http", "headers"}

// IsSystemCA reports whether a file the plan writes is a trust anchor of
// the system store, after whose change update-ca-certificates must run.
func IsSystemCA(path string) bool { return strings.HasPrefix(path, SystemCADir+"/") }

// servedCert is one certificate the TLS frontend presents, for one CN.
type servedCert struct {
	CN        string
	Cert, Key []byte
}

// apiTLS is how this pass serves the API: which certificates, from where,
// and what the certificates relation must carry.
type apiTLS struct {
	// source is "config", "relation" or "" (plain HTTP).
	source string
	// certs are served in this order; the first is Apache's default vhost,
	// the one clients without SNI (addresses, haproxy's checks) get.
	certs []servedCert
	// ca and chain join the system trust store.
	ca, chain []byte
	// problems are bad ssl_* options (the unit blocks); reasons are what
	// TLS still waits for (the unit keeps serving).
	problems []Problem
	reasons  []Reason
	// requests are this unit's certificates bags, by relation id.
	requests map[string]relations.Bag
}

// on reports whether the API is served over TLS.
func (t apiTLS) on() bool { return len(t.certs) > 0 }

// wsgiPort is where the mod_wsgi vhost listens.
func (t apiTLS) wsgiPort() int {
	if t.on() {
		return APIWSGIPortTLS
	}
	return APIBackendPort
}

// url switches an endpoint URL to https while TLS is on.
func (t apiTLS) url(u string) string {
	if t.on() && strings.HasPrefix(u, "http://") {
		return "https://" + strings.TrimPrefix(u, "http://")
	}
	return u
}

// modules and sites are the Apache modules and sites TLS adds.
func (t apiTLS) modules() []string {
	if !t.on() {
		return nil
	}
	return tlsModules
}

func (t apiTLS) sites() []string {
	if !t.on() {
		return nil
	}
	return []string{HTTPSFrontendSite}
}

// dirs are the directories the certificate files need.
func (t apiTLS) dirs() []Dir {
	if !t.on() {
		return nil
	}
	return []Dir{
		{Path: "/etc/apache2/ssl", Owner: "root", Group: "root", Mode: 0o755},
		{Path: APISSLDir, Owner: "root", Group: "root", Mode: 0o750},
	}
}

// apiTLSOf decides how the API is served. It is pure: the certificate
// name it publishes is derived from the unit name, and validity is judged
// at in.Now.
func apiTLSOf(in Inputs) apiTLS {
	var t apiTLS
	c := in.Config
	configured := c.SSLCert != "" || c.SSLKey != ""
	if configured {
		t.certs, t.ca, t.problems = configTLS(in)
		if len(t.problems) > 0 {
			t.certs, t.ca = nil, nil
		} else {
			t.source = "config"
		}
	}

	// The certificates relation: the requests are published whatever the
	// source, as upstream does, so that removing ssl_* falls back at once.
	rels := in.Relations[EndpointCertificates]
	if len(rels) == 0 {
		return t
	}
	t.requests = map[string]relations.Bag{}
	req := certificateRequest(in)
	for _, r := range rels {
		bag, err := tlscertificates.Build(req, r.Local, certificateName(in.Unit))
		if err != nil {
			if !configured {
				t.reasons = append(t.reasons, Reason{Waiting, "Cannot request the API certificate: " + err.Error()})
			}
			return t
		}
		t.requests[r.ID] = bag
	}
	if configured {
		return t
	}
	r := rels[0]
	app := r.RemoteApp
	if app == "" {
		app = "the certificates provider"
	}
	got, ready := tlscertificates.Parse(relations.Endpoint{r}, t.requests[r.ID], in.Now)
	if ready != relations.Ready {
		msg := "Waiting for the API certificate from " + app
		if ready == relations.Incomplete && got.Reason != "" {
			msg += ": " + got.Reason
		}
		t.reasons = append(t.reasons, Reason{Waiting, msg})
	}
	own, ok := got.ByCN[req.Hostname]
	if !ok || !validCN(req.Hostname) {
		// The unit's own certificate covers its addresses: without it no
		// client that connects by address could verify the API.
		return t
	}
	t.source = "relation"
	t.ca, t.chain = got.CA, got.Chain
	t.certs = append(t.certs, servedCert{CN: own.CommonName, Cert: own.FileContent(), Key: own.Key})
	reqs, _ := tlscertificates.Requests(req)
	for _, q := range reqs {
		if q.CN == req.Hostname || !validCN(q.CN) {
			continue
		}
		if cert, ok := got.ByCN[q.CN]; ok {
			t.certs = append(t.certs, servedCert{CN: cert.CommonName, Cert: cert.FileContent(), Key: cert.Key})
		}
	}
	return t
}

// certificateRequest is what decides the certificates this unit asks Vault
// for: its own host name and address, the API bindings with their
// os-*-hostname and os-*-network, and the VIPs.
func certificateRequest(in Inputs) tlscertificates.Request {
	c, h := in.Config, in.Host
	req := tlscertificates.Request{
		Unit:     in.Unit,
		Hostname: h.Hostname,
		Address:  addressOf(h, EndpointCluster),
		VIPs:     strings.Fields(c.VIP),
		Networks: machinePrefixes(h),
	}
	for _, b := range []struct{ name, hostname, network string }{
		{"internal", c.OSInternalHostname, c.OSInternalNetwork},
		{"admin", c.OSAdminHostname, c.OSAdminNetwork},
		{"public", c.OSPublicHostname, c.OSPublicNetwork},
	} {
		req.Bindings = append(req.Bindings, tlscertificates.Binding{
			Name: b.name, Hostname: b.hostname, Address: addressOf(h, b.name),
			NetworkAddress: addressInNetwork(req.Networks, b.network),
		})
	}
	return req
}

// machinePrefixes are the machine's addresses with their prefix lengths.
func machinePrefixes(h Host) []netip.Prefix {
	var out []netip.Prefix
	for _, ifc := range h.Interfaces {
		out = append(out, ifc.Addrs...)
	}
	return out
}

// addressInNetwork is the machine's address in a CIDR list (os-*-network),
// "" when the option is unset or no address is in it.
func addressInNetwork(prefixes []netip.Prefix, cidrs string) string {
	for _, field := range strings.Fields(cidrs) {
		want, err := netip.ParsePrefix(field)
		if err != nil {
			continue
		}
		for _, p := range prefixes {
			if a := p.Addr().Unmap(); want.Masked().Contains(a) {
				return a.String()
			}
		}
	}
	return ""
}

// certificateName is the certificate_name this unit publishes when it has
// none yet: a UUID derived from the unit name (RFC 9562 version 8), so that
// Plan stays pure and every pass publishes the same one. A name published
// before (by this charm or the upstream one) is kept.
func certificateName(unit string) string {
	sum := sha256.Sum256([]byte("charm-octavia certificates " + unit))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x80
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// configTLS reads ssl_cert, ssl_key and ssl_ca (base64 PEM; raw PEM is
// accepted too). As upstream, the one certificate is served for every API
// endpoint, one vhost per endpoint host (os-*-hostname, else the binding
// address). The problems it returns name the option and never quote it.
func configTLS(in Inputs) ([]servedCert, []byte, []Problem) {
	c := in.Config
	var ps []Problem
	if c.SSLCert == "" {
		ps = append(ps, Problem{"ssl_cert", "must be set with ssl_key"})
	}
	if c.SSLKey == "" {
		ps = append(ps, Problem{"ssl_key", "must be set with ssl_cert"})
	}
	if len(ps) > 0 {
		return nil, nil, ps
	}
	certPEM, err := relations.DecodeBase64PEM(c.SSLCert)
	var certs []*x509.Certificate
	if err == nil {
		certs, _ = tlscertificates.ParseCertificates(certPEM)
	}
	if len(certs) == 0 {
		ps = append(ps, Problem{"ssl_cert", "is not a base64-encoded PEM certificate"})
	}
	keyPEM, err := relations.DecodeBase64PEM(c.SSLKey)
	var key crypto.Signer
	if err == nil {
		key, _ = tlscertificates.ParsePrivateKey(keyPEM)
	}
	if key == nil {
		ps = append(ps, Problem{"ssl_key", "is not a base64-encoded unencrypted PEM private key"})
	}
	var caPEM []byte
	var cas []*x509.Certificate
	if c.SSLCA != "" {
		caPEM, err = relations.DecodeBase64PEM(c.SSLCA)
		if err == nil {
			cas, _ = tlscertificates.ParseCertificates(caPEM)
		}
		if len(cas) == 0 {
			ps = append(ps, Problem{"ssl_ca", "is not a base64-encoded PEM certificate"})
		}
	}
	if len(ps) > 0 {
		return nil, nil, ps
	}
	leaf := certs[0]
	if pub, ok := leaf.PublicKey.(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(key.Public()) {
		return nil, nil, []Problem{{"ssl_key", "does not match the certificate in ssl_cert"}}
	}
	if len(cas) > 0 {
		roots, inter := x509.NewCertPool(), x509.NewCertPool()
		for _, ca := range cas {
			roots.AddCert(ca)
		}
		for _, ic := range certs[1:] {
			inter.AddCert(ic)
		}
		// Expiry is not the question here: ask at the leaf's own start.
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: leaf.NotBefore,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
			return nil, nil, []Problem{{"ssl_ca", "did not issue the certificate in ssl_cert"}}
		}
	}
	var served []servedCert
	seen := map[string]bool{}
	for _, kind := range []struct{ name, option, hostname string }{
		{"internal", "os-internal-hostname", c.OSInternalHostname},
		{"admin", "os-admin-hostname", c.OSAdminHostname},
		{"public", "os-public-hostname", c.OSPublicHostname},
	} {
		cn := kind.hostname
		if cn == "" {
			cn = addressOf(in.Host, kind.name)
		} else if !validCN(cn) {
			return nil, nil, []Problem{{kind.option, "must be a host name"}}
		}
		if cn == "" || seen[cn] || !validCN(cn) {
			continue
		}
		seen[cn] = true
		served = append(served, servedCert{CN: cn, Cert: certPEM, Key: keyPEM})
	}
	if len(served) == 0 {
		// No address yet: serve for the loopback so Apache has a vhost.
		served = append(served, servedCert{CN: "localhost", Cert: certPEM, Key: keyPEM})
	}
	return served, caPEM, nil
}

// validCN is a CN safe as a file name suffix and an Apache ServerName: an
// address or a DNS name, nothing that could change the path or the config.
func validCN(cn string) bool {
	return relations.ValidHost(cn) && !strings.ContainsAny(cn, "[]/")
}

// tlsFiles are the certificate files, the CA for the trust store and the
// frontend site. The site is rendered in every pass: while TLS is off it
// holds no vhost, so that an Apache that enabled it once does not keep
// serving stale certificates.
func (p *Planner) tlsFiles(t apiTLS) ([]File, error) {
	apache := []string{SvcApache}
	var files []File
	type vhost struct{ CN, CertFile, KeyFile string }
	view := struct {
		Port, Backend int
		VHosts        []vhost
	}{Port: APIBackendPort, Backend: APIWSGIPortTLS}
	for _, c := range t.certs {
		certPath, keyPath := APISSLDir+"/cert_"+c.CN, APISSLDir+"/key_"+c.CN
		files = append(files,
			File{Path: certPath, Owner: "root", Group: "root", Mode: 0o644, Data: c.Cert, Reload: apache},
			File{Path: keyPath, Owner: "root", Group: "root", Mode: 0o600, Data: c.Key, Reload: apache})
		view.VHosts = append(view.VHosts, vhost{c.CN, certPath, keyPath})
	}
	if len(t.ca) > 0 {
		files = append(files, File{Path: SystemCAPath, Owner: "root", Group: "root", Mode: 0o644, Data: t.ca})
	}
	if len(t.chain) > 0 {
		files = append(files, File{Path: SystemCAChainPath, Owner: "root", Group: "root", Mode: 0o644, Data: t.chain})
	}
	site, err := renderTemplate(p.templates.t, "openstack_https_frontend.conf.tmpl", view)
	if err != nil {
		return nil, err
	}
	files = append(files, File{Path: HTTPSFrontendPath, Owner: "root", Group: "root", Mode: 0o644, Data: site, Reload: apache})
	return files, nil
}
