// Package tlscertificates speaks the tls-certificates interface on Octavia's
// certificates endpoint, where Octavia is the requirer and Vault the usual
// provider: it builds the server-certificate requests for the API endpoints
// this unit publishes, and reads and validates the certificates Vault
// answers with.
//
// The requests are the ones the upstream charm publishes for the same
// inputs, byte for byte: which CNs and SANs from charm-helpers'
// cert_utils.get_certificate_request (CertRequest, get_certificate_sans) and
// charms.openstack's get_certificate_requests, placed on the wire as the
// reactive requirer juju-solutions/interface-tls-certificates (now
// charmed-kubernetes/interface-tls-certificates: requires.py, provides.py,
// tls_certificates_common.py) does for layer-openstack's
// default_request_certificates. The answer is read as that requirer and
// charms.openstack's get_certs_and_keys read it, from the provider
// openstack/charm-vault (vault_handlers.py create_certs, publish_ca_info,
// sync_cert_from_cache). See shared/reference/relation-interfaces.md §7.
//
// On the wire (this unit's unit databag): unit_name, common_name and
// certificate_name are raw strings; sans and cert_requests are JSON as
// reactive to_publish writes it (json.dumps, sorted keys). Vault answers in
// each of its units' databags: ca, chain, <unit_name>.server.cert and
// <unit_name>.server.key raw, <unit_name>.processed_requests JSON.
//
// Private keys are secrets: no error, Reason or String of this package
// contains one, nor any other remote value.
package tlscertificates

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"time"

	"charm-octavia/internal/relations"
)

// Keys of this unit's databag (§7.1).
const (
	keyUnitName        = "unit_name"
	keyCommonName      = "common_name"
	keySANs            = "sans"
	keyCertificateName = "certificate_name"
	keyCertRequests    = "cert_requests"
)

// Keys of the provider's databags (§7.2).
const (
	keyCA               = "ca"
	keyChain            = "chain"
	suffixServerCert    = ".server.cert"
	suffixServerKey     = ".server.key"
	suffixProcessedReqs = ".processed_requests"
)

// UnitName is the name the requirer announces and Vault keys its answers
// by: the unit name with '/' replaced by '_' ("octavia/0" → "octavia_0").
func UnitName(unit string) string { return strings.ReplaceAll(unit, "/", "_") }

// Binding is one of the API endpoint bindings (internal, admin, public) as
// charm-helpers sees it.
type Binding struct {
	// Name is the binding: "internal", "admin" or "public".
	Name string
	// Hostname is config os-<Name>-hostname, "" when unset. It becomes a CN
	// of its own, taken literally (upstream's "{service_name}" template
	// expansion is not supported).
	Hostname string
	// Address is the binding's primary address (network-get <Name>
	// --primary-address); "" when the unit has none, which skips the binding.
	Address string
	// NetworkAddress is the unit's address in config os-<Name>-network when
	// that option is set, "" otherwise.
	NetworkAddress string
}

// Request is what decides the certificates this unit asks for.
type Request struct {
	// Unit is the local unit name, "octavia/0".
	Unit string
	// Hostname is the CN of the unit's own certificate: the reverse-DNS name
	// of Address, FQDN kept (e.g. "juju-3f2a1b-0.maas").
	Hostname string
	// Address is the unit's primary address (network-get juju-info).
	Address string
	// Bindings are the API bindings; they are considered in upstream's
	// order, internal, admin, public, whatever order they come in.
	Bindings []Binding
	// VIPs are the addresses of config vip.
	VIPs []string
	// Networks are the machine's addresses with their prefix lengths
	// (10.0.0.11/24); the network of an address is the first that contains
	// it, and decides which VIP goes with that address.
	Networks []netip.Prefix
}

// CertRequest is one server certificate to ask for.
type CertRequest struct {
	// CN is the common name.
	CN string
	// SANs are the subject alternative names: addresses and host names,
	// de-duplicated and sorted.
	SANs []string
}

// Requests returns the certificates to ask for (§7.1), in the order upstream
// requests them: one per binding with an os-<binding>-hostname (CN the
// hostname; SANs the hostname, the binding address and the VIP in its
// network), then the unit's own (CN Hostname; SANs Address, the VIP in its
// network, and every address of every binding — its os-*-network address
// included — with the VIP in that network, that no hostname CN claimed).
// A CN requested twice keeps its first place and its last SANs.
func Requests(r Request) ([]CertRequest, error) {
	if r.Hostname == "" {
		return nil, errors.New("tls-certificates: the unit has no host name for its address")
	}
	if r.Address == "" {
		return nil, errors.New("tls-certificates: the unit has no address")
	}
	bindings := slices.Clone(r.Bindings)
	sort.SliceStable(bindings, func(i, j int) bool { return bindingRank(bindings[i].Name) < bindingRank(bindings[j].Name) })

	pool := set{}
	pool.add(r.Address)
	for _, b := range bindings {
		if b.Address == "" {
			continue
		}
		addr := b.Address
		if b.NetworkAddress != "" {
			addr = b.NetworkAddress
		}
		if b.Hostname != "" {
			pool.add(b.Hostname)
		}
		pool.add(addr)
		pool.add(vipIn(addr, r))
	}

	var order []string
	sans := map[string]set{}
	put := func(cn string, s set) {
		if _, ok := sans[cn]; !ok {
			order = append(order, cn)
		}
		sans[cn] = s
	}
	for _, b := range bindings {
		if b.Hostname == "" || b.Address == "" {
			continue
		}
		s := set{}
		s.add(b.Hostname)
		s.add(b.Address)
		s.add(vipIn(b.Address, r))
		put(b.Hostname, s)
		for a := range s {
			delete(pool, a)
		}
	}
	own := set{}
	own.add(r.Address)
	own.add(vipIn(r.Address, r))
	for a := range pool {
		own.add(a)
	}
	put(r.Hostname, own)

	out := make([]CertRequest, 0, len(order))
	for _, cn := range order {
		out = append(out, CertRequest{CN: cn, SANs: sans[cn].sorted()})
	}
	return out, nil
}

func bindingRank(name string) int {
	switch name {
	case "internal":
		return 0
	case "admin":
		return 1
	case "public":
		return 2
	}
	return 3
}

// vipIn is charm-helpers' get_vip_in_network(resolve_network_cidr(addr)):
// the last VIP inside the network that holds addr, "" when none or when no
// network holds addr.
func vipIn(addr string, r Request) string {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return ""
	}
	a = a.Unmap()
	var network netip.Prefix
	found := false
	for _, p := range r.Networks {
		if m := netip.PrefixFrom(p.Addr().Unmap(), p.Bits()).Masked(); m.IsValid() && m.Contains(a) {
			network, found = m, true
			break
		}
	}
	if !found {
		return ""
	}
	match := ""
	for _, v := range r.VIPs {
		va, err := netip.ParseAddr(v)
		if err == nil && network.Contains(va.Unmap()) {
			match = v
		}
	}
	return match
}

type set map[string]struct{}

func (s set) add(v string) {
	if v != "" {
		s[v] = struct{}{}
	}
}

func (s set) sorted() []string {
	out := make([]string, 0, len(s))
	for v := range s {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

// Build returns this unit's certificates databag (§7.1, §7.4): unit_name;
// the first request in the legacy single-request slot (common_name raw, sans
// JSON, certificate_name raw); every other request in cert_requests, JSON
// {"<cn>": {"sans": [...]}}.
//
// previous is the bag published before (the relation's Local bag), so the
// legacy slot stays where it was, as the reactive requirer keeps it: its
// common_name keeps the slot while it is still requested, and its
// certificate_name is reused for good. certificateName (a fresh UUID4,
// generated by the caller) is used only when previous has none. Unlike the
// reactive requirer, requests that are no longer wanted are dropped: when
// the previous common_name is gone the first request takes the slot, and a
// cert_requests no longer needed is published empty, which deletes it.
func Build(r Request, previous relations.Bag, certificateName string) (relations.Bag, error) {
	if r.Unit == "" {
		return nil, errors.New("tls-certificates: no unit name")
	}
	reqs, err := Requests(r)
	if err != nil {
		return nil, err
	}
	name := previous[keyCertificateName]
	if name == "" {
		name = certificateName
	}
	if name == "" {
		return nil, errors.New("tls-certificates: no certificate_name to publish")
	}
	legacy := reqs[0]
	if cn := previous[keyCommonName]; cn != "" {
		for _, q := range reqs {
			if q.CN == cn {
				legacy = q
				break
			}
		}
	}
	bag := relations.Bag{
		keyUnitName:        UnitName(r.Unit),
		keyCommonName:      legacy.CN,
		keySANs:            dumpList(legacy.SANs),
		keyCertificateName: name,
	}
	var others []CertRequest
	for _, q := range reqs {
		if q.CN != legacy.CN {
			others = append(others, q)
		}
	}
	if len(others) > 0 {
		bag[keyCertRequests] = dumpRequests(others)
	} else if previous[keyCertRequests] != "" {
		bag[keyCertRequests] = ""
	}
	return bag, nil
}

// dumpList encodes a list of strings as Python's json.dumps does.
func dumpList(items []string) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, s := range items {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(relations.PythonJSONString(s))
	}
	b.WriteByte(']')
	return b.String()
}

// dumpRequests encodes requests as json.dumps({cn: {"sans": [...]}},
// sort_keys=True) does.
func dumpRequests(reqs []CertRequest) string {
	sorted := slices.Clone(reqs)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].CN < sorted[j].CN })
	var b strings.Builder
	b.WriteByte('{')
	for i, q := range sorted {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(relations.PythonJSONString(q.CN))
		b.WriteString(`: {"sans": `)
		b.WriteString(dumpList(q.SANs))
		b.WriteByte('}')
	}
	b.WriteByte('}')
	return b.String()
}

// Certificate is one server certificate Vault issued for a requested CN,
// validated. Key is a secret: String and GoString redact it.
type Certificate struct {
	// CommonName is the CN it was requested for.
	CommonName string
	// Cert is the certificate PEM exactly as Vault published it.
	Cert []byte
	// Key is the private key PEM exactly as Vault published it.
	Key []byte
	// CA is the issuing CA PEM (the provider's ca key).
	CA []byte
	// Chain is the CA chain PEM (the provider's chain key), nil when absent.
	Chain []byte
	// NotAfter is when the certificate expires.
	NotAfter time.Time
	// MissingSANs are requested SANs the certificate does not cover yet
	// (Vault re-issues when the SANs change); informational only.
	MissingSANs []string
}

// FileContent is the certificate file content upstream writes
// (/etc/apache2/ssl/<app>/cert_<cn>): Cert, then a newline and Chain when
// there is a chain.
func (c Certificate) FileContent() []byte {
	out := slices.Clone(c.Cert)
	if len(c.Chain) > 0 {
		out = append(out, '\n')
		out = append(out, c.Chain...)
	}
	return out
}

// String describes the Certificate for logs with the key redacted.
func (c Certificate) String() string {
	key := "<none>"
	if c.Key != nil {
		key = "<redacted>"
	}
	return fmt.Sprintf("Certificate{CommonName:%s Cert:<%d bytes> Key:%s CA:<%d bytes> Chain:<%d bytes> NotAfter:%s MissingSANs:%v}",
		c.CommonName, len(c.Cert), key, len(c.CA), len(c.Chain), c.NotAfter.UTC().Format(time.RFC3339), c.MissingSANs)
}

// GoString is String, so that %#v does not print the key either.
func (c Certificate) GoString() string { return c.String() }

// Certificates is Vault's answer to this unit, complete only when Parse
// reports Ready.
type Certificates struct {
	// CA is the issuing CA PEM as published (ca), to install in the system
	// trust store.
	CA []byte
	// Chain is the CA chain PEM as published (chain), nil when absent.
	Chain []byte
	// ByCN holds every requested CN whose certificate is valid.
	ByCN map[string]Certificate
	// Reason says, when Parse does not report Ready, what is missing or
	// wrong, naming relation keys and CNs only, never values.
	Reason string
}

// String describes the Certificates for logs with the keys redacted.
func (c Certificates) String() string {
	var parts []string
	for _, cn := range sortedCNs(c.ByCN) {
		parts = append(parts, c.ByCN[cn].String())
	}
	return fmt.Sprintf("Certificates{CA:<%d bytes> Chain:<%d bytes> ByCN:[%s] Reason:%q}",
		len(c.CA), len(c.Chain), strings.Join(parts, " "), c.Reason)
}

// GoString is String, so that %#v does not print the keys either.
func (c Certificates) GoString() string { return c.String() }

func sortedCNs(m map[string]Certificate) []string {
	cns := make([]string, 0, len(m))
	for cn := range m {
		cns = append(cns, cn)
	}
	sort.Strings(cns)
	return cns
}

// requested is one CN this unit asked for, and where Vault answers it.
type requested struct {
	cn     string
	sans   []string
	legacy bool
}

// Parse reads Vault's answer to the requests in published (the bag Build
// returned and this unit published) at time now.
//
// It reports Missing when no provider unit has joined. It reports Ready when
// the provider published ca (and chain, if any, parses), and every requested
// CN has a valid certificate: the CN in common_name from
// <unit_name>.server.cert and .server.key, or like every other CN from
// <unit_name>.processed_requests (which wins, as in the reactive requirer).
// Each provider unit is tried in order until one holds a valid pair, so a
// Vault unit still mirroring an older certificate does not get in the way.
//
// Valid means: both parse as PEM, the key matches the certificate, the
// certificate names the CN (subject CN or SAN), is within its validity
// period at now, and chains to ca (or a certificate of chain). Otherwise
// Parse reports Incomplete, with Reason naming the keys and CNs at fault;
// ByCN still holds the CNs that are valid.
func Parse(e relations.Endpoint, published relations.Bag, now time.Time) (Certificates, relations.Readiness) {
	if !e.Joined() {
		return Certificates{Reason: "no certificates provider unit has joined"}, relations.Missing
	}
	unit := published[keyUnitName]
	reqs := requestedCNs(published)
	if unit == "" || len(reqs) == 0 {
		return Certificates{Reason: "no certificate requested yet"}, relations.Incomplete
	}
	caText, _ := e.First(keyCA)
	if caText == "" {
		return Certificates{Reason: "the provider has not published " + keyCA}, relations.Incomplete
	}
	cas, ok := ParseCertificates([]byte(caText))
	if !ok {
		return Certificates{Reason: keyCA + " is not a PEM certificate"}, relations.Incomplete
	}
	out := Certificates{CA: []byte(caText), ByCN: map[string]Certificate{}}
	roots := x509.NewCertPool()
	for _, c := range cas {
		roots.AddCert(c)
	}
	if chainText, _ := e.First(keyChain); strings.TrimSpace(chainText) != "" {
		chain, ok := ParseCertificates([]byte(chainText))
		if !ok {
			return Certificates{Reason: keyChain + " is not PEM certificates"}, relations.Incomplete
		}
		for _, c := range chain {
			roots.AddCert(c)
		}
		out.Chain = []byte(chainText)
	}

	var problems []string
	for _, q := range reqs {
		cert, problem := find(e, unit, q, roots, now)
		if problem != "" {
			problems = append(problems, problem)
			continue
		}
		cert.CA, cert.Chain = out.CA, out.Chain
		out.ByCN[q.cn] = cert
	}
	if len(problems) > 0 {
		out.Reason = strings.Join(problems, "; ")
		return out, relations.Incomplete
	}
	return out, relations.Ready
}

// requestedCNs lists what published asks for: the legacy common_name (with
// the sans it was asked with) and every cn of cert_requests, sorted by CN.
func requestedCNs(published relations.Bag) []requested {
	var out []requested
	seen := map[string]bool{}
	if cn := published[keyCommonName]; cn != "" {
		var sans []string
		_ = json.Unmarshal([]byte(published[keySANs]), &sans)
		out = append(out, requested{cn: cn, sans: sans, legacy: true})
		seen[cn] = true
	}
	var reqs map[string]struct {
		SANs []string `json:"sans"`
	}
	if err := json.Unmarshal([]byte(published[keyCertRequests]), &reqs); err == nil {
		for cn, r := range reqs {
			if cn != "" && !seen[cn] {
				out = append(out, requested{cn: cn, sans: r.SANs})
				seen[cn] = true
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].cn < out[j].cn })
	return out
}

// find looks for a valid certificate for q in each provider unit in turn.
// The problem it returns names keys and the CN only.
func find(e relations.Endpoint, unit string, q requested, roots *x509.CertPool, now time.Time) (Certificate, string) {
	first := ""
	note := func(p string) {
		if first == "" {
			first = p
		}
	}
	procKey := unit + suffixProcessedReqs
	for _, u := range e.Units() {
		if raw := u.Data[procKey]; raw != "" {
			var m map[string]json.RawMessage
			if err := json.Unmarshal([]byte(raw), &m); err != nil {
				note(fmt.Sprintf("%s: %s is not a JSON object", u.Name, procKey))
			} else if entry, ok := m[q.cn]; ok {
				var pair struct {
					Cert string `json:"cert"`
					Key  string `json:"key"`
				}
				where := fmt.Sprintf("%s: %s[%q]", u.Name, procKey, q.cn)
				if err := json.Unmarshal(entry, &pair); err != nil {
					note(where + " is not a cert and key")
				} else if c, p := validate(q, pair.Cert, pair.Key, roots, now); p != "" {
					note(where + ": " + p)
				} else {
					return c, ""
				}
			}
		}
		if q.legacy {
			certKey, keyKey := unit+suffixServerCert, unit+suffixServerKey
			cert, key := u.Data[certKey], u.Data[keyKey]
			if cert == "" && key == "" {
				continue
			}
			where := fmt.Sprintf("%s: %s and %s for %q", u.Name, certKey, keyKey, q.cn)
			if c, p := validate(q, cert, key, roots, now); p != "" {
				note(where + ": " + p)
			} else {
				return c, ""
			}
		}
	}
	if first == "" {
		first = fmt.Sprintf("no certificate for %q yet", q.cn)
	}
	return Certificate{}, first
}

// validate checks one certificate and key pair for q. The problem it
// returns is a fixed phrase: it never quotes the input or a parser's error,
// which could hold key material.
func validate(q requested, certText, keyText string, roots *x509.CertPool, now time.Time) (Certificate, string) {
	if certText == "" {
		return Certificate{}, "certificate missing"
	}
	if keyText == "" {
		return Certificate{}, "key missing"
	}
	certs, ok := ParseCertificates([]byte(certText))
	if !ok {
		return Certificate{}, "certificate is not PEM"
	}
	leaf := certs[0]
	key, ok := ParsePrivateKey([]byte(keyText))
	if !ok {
		return Certificate{}, "key is not a PEM private key"
	}
	pub, ok := leaf.PublicKey.(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(key.Public()) {
		return Certificate{}, "key does not match the certificate"
	}
	if !namesCN(leaf, q.cn) {
		return Certificate{}, "certificate is for another name"
	}
	if now.After(leaf.NotAfter) {
		return Certificate{}, "certificate has expired"
	}
	if now.Before(leaf.NotBefore) {
		return Certificate{}, "certificate is not valid yet"
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{
		Roots: roots, Intermediates: inter, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	}); err != nil {
		return Certificate{}, "certificate is not issued by the published ca"
	}
	c := Certificate{
		CommonName: q.cn,
		Cert:       []byte(certText),
		Key:        []byte(keyText),
		NotAfter:   leaf.NotAfter,
	}
	for _, s := range q.sans {
		if !covers(leaf, s) {
			c.MissingSANs = append(c.MissingSANs, s)
		}
	}
	return c, ""
}

// ParseCertificates reads every CERTIFICATE block of a PEM text; it fails when there
// is none or one does not parse.
func ParseCertificates(text []byte) ([]*x509.Certificate, bool) {
	var out []*x509.Certificate
	rest := text
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, false
		}
		out = append(out, c)
	}
	return out, len(out) > 0
}

// ParsePrivateKey reads the first private key block (PKCS#1, SEC 1 or PKCS#8).
func ParsePrivateKey(text []byte) (crypto.Signer, bool) {
	rest := text
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, false
		}
		var k any
		var err error
		switch block.Type {
		case "RSA PRIVATE KEY":
			k, err = x509.ParsePKCS1PrivateKey(block.Bytes)
		case "EC PRIVATE KEY":
			k, err = x509.ParseECPrivateKey(block.Bytes)
		case "PRIVATE KEY":
			k, err = x509.ParsePKCS8PrivateKey(block.Bytes)
		default:
			continue
		}
		if err != nil {
			return nil, false
		}
		switch s := k.(type) {
		case *rsa.PrivateKey:
			return s, true
		case *ecdsa.PrivateKey:
			return s, true
		case ed25519.PrivateKey:
			return s, true
		}
		return nil, false
	}
}

// namesCN reports whether the certificate is for cn: its subject CN, or a
// DNS or IP SAN (Vault puts the CN among the SANs too).
func namesCN(c *x509.Certificate, cn string) bool {
	return strings.EqualFold(c.Subject.CommonName, cn) || covers(c, cn)
}

// covers reports whether the certificate has name among its SANs.
func covers(c *x509.Certificate, name string) bool {
	if a, err := netip.ParseAddr(name); err == nil {
		for _, ip := range c.IPAddresses {
			if b, ok := netip.AddrFromSlice(ip); ok && b.Unmap() == a.Unmap() {
				return true
			}
		}
		return false
	}
	name = strings.TrimSuffix(name, ".")
	for _, d := range c.DNSNames {
		if strings.EqualFold(strings.TrimSuffix(d, "."), name) {
			return true
		}
	}
	return false
}
