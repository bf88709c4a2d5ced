package main

// The Vault side of the certificates relation (tls-certificates,
// relation-interfaces.md §7): the bed's own CA signs a server certificate
// for every CN the requirer asks for, with the SANs it asks for, and the
// answer is printed as a Vault unit publishes it (§7.2).
//
//	provider certificates --request '{"unit_name": "octavia_0", "common_name": ..., "sans": ..., "cert_requests": ...}'
//	provider certificates < request.json
//
// The CA is made once and kept under stateDir: vault-ca.crt (0644, for
// `curl --cacert`) and vault-ca.key (0600). Every run issues new
// certificates, with new serial numbers, as Vault's reissue-certificates
// action does: running it again is a renewal. Keys are only ever printed
// inside the answer on stdout.

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"io"
	"io/fs"
	"math/big"
	"net"
	"os"
	"sort"
	"time"
)

// Paths of the bed's CA.
const (
	vaultCACert = stateDir + "/vault-ca.crt"
	vaultCAKey  = stateDir + "/vault-ca.key"
)

func certificates(args []string) map[string]string {
	fs := flag.NewFlagSet("certificates", flag.ExitOnError)
	request := fs.String("request", "", "the requirer's unit databag as JSON (default: read stdin)")
	unit := fs.String("unit", "", "the requirer's unit name, when its bag has no unit_name")
	validity := fs.Duration("validity", 30*24*time.Hour, "validity of the issued certificates")
	fs.Parse(args)
	raw := []byte(*request)
	if *request == "" {
		var err error
		if raw, err = io.ReadAll(os.Stdin); err != nil {
			fatalf("certificates: read stdin: %v", err)
		}
	}
	var bag map[string]string
	if err := json.Unmarshal(raw, &bag); err != nil {
		fatalf("certificates: the request is not a JSON object of strings: %v", err)
	}
	name := bag["unit_name"]
	if name == "" && *unit != "" {
		name = tlsUnitName(*unit)
	}
	if !reName.MatchString(name) {
		fatalf("certificates: no usable unit_name in the request (and no --unit)")
	}

	ca, caKey, caPEM := bedCA()
	out := map[string]string{"ca": caPEM}
	if cn := bag["common_name"]; cn != "" {
		var sans []string
		if s := bag["sans"]; s != "" {
			if err := json.Unmarshal([]byte(s), &sans); err != nil {
				fatalf("certificates: sans is not a JSON list: %v", err)
			}
		}
		out[name+".server.cert"], out[name+".server.key"] = issue(ca, caKey, cn, sans, *validity)
	}
	if s := bag["cert_requests"]; s != "" {
		var reqs map[string]struct {
			SANs []string `json:"sans"`
		}
		if err := json.Unmarshal([]byte(s), &reqs); err != nil {
			fatalf("certificates: cert_requests is not a JSON object: %v", err)
		}
		cns := make([]string, 0, len(reqs))
		for cn := range reqs {
			cns = append(cns, cn)
		}
		sort.Strings(cns)
		processed := map[string]map[string]string{}
		for _, cn := range cns {
			c, k := issue(ca, caKey, cn, reqs[cn].SANs, *validity)
			processed[cn] = map[string]string{"cert": c, "key": k}
		}
		b, err := json.Marshal(processed)
		if err != nil {
			fatalf("certificates: %v", err)
		}
		out[name+".processed_requests"] = string(b)
	}
	return out
}

// tlsUnitName is the requirer's unit_name: "octavia/0" → "octavia_0".
func tlsUnitName(unit string) string {
	b := []byte(unit)
	for i := range b {
		if b[i] == '/' {
			b[i] = '_'
		}
	}
	return string(b)
}

// bedCA loads the bed's CA, creating it on first use.
func bedCA() (*x509.Certificate, *ecdsa.PrivateKey, string) {
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		fatalf("certificates: %v", err)
	}
	certPEM, certErr := os.ReadFile(vaultCACert)
	keyPEM, keyErr := os.ReadFile(vaultCAKey)
	if errors.Is(certErr, fs.ErrNotExist) || errors.Is(keyErr, fs.ErrNotExist) {
		certPEM, keyPEM = newBedCA()
	} else if certErr != nil || keyErr != nil {
		fatalf("certificates: read the bed CA: %v %v", certErr, keyErr)
	}
	cb, _ := pem.Decode(certPEM)
	kb, _ := pem.Decode(keyPEM)
	if cb == nil || kb == nil {
		fatalf("certificates: %s or %s is not PEM; remove both to make a new CA", vaultCACert, vaultCAKey)
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		fatalf("certificates: %s: %v", vaultCACert, err)
	}
	key, err := x509.ParseECPrivateKey(kb.Bytes)
	if err != nil {
		fatalf("certificates: %s does not hold an EC key", vaultCAKey)
	}
	return cert, key, string(certPEM)
}

func newBedCA() (certPEM, keyPEM []byte) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		fatalf("certificates: %v", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: "Vault Root Certificate Authority (octavia bed)"},
		NotBefore:    now.Add(-time.Hour), NotAfter: now.Add(10 * 365 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		fatalf("certificates: %v", err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		fatalf("certificates: %v", err)
	}
	certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM = pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
	writeAtomic(vaultCAKey, keyPEM, 0o600)
	writeAtomic(vaultCACert, certPEM, 0o644)
	return certPEM, keyPEM
}

func writeAtomic(path string, data []byte, mode os.FileMode) {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, mode); err != nil {
		fatalf("certificates: %v", err)
	}
	if err := os.Chmod(tmp, mode); err != nil {
		fatalf("certificates: %v", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		fatalf("certificates: %v", err)
	}
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		fatalf("certificates: %v", err)
	}
	return n.Add(n, big.NewInt(1))
}

// issue signs a server certificate for cn, as Vault's server role does: the
// CN among the SANs, addresses as IP SANs, names as DNS SANs.
func issue(ca *x509.Certificate, caKey *ecdsa.PrivateKey, cn string, sans []string, validity time.Duration) (string, string) {
	if !reHost.MatchString(cn) {
		fatalf("certificates: bad CN %q", cn)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		fatalf("certificates: %v", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial(), Subject: pkix.Name{CommonName: cn},
		NotBefore: now.Add(-time.Minute), NotAfter: now.Add(validity),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	seen := map[string]bool{}
	for _, s := range append([]string{cn}, sans...) {
		if seen[s] || s == "" {
			continue
		}
		seen[s] = true
		if !reHost.MatchString(s) {
			fatalf("certificates: bad SAN %q", s)
		}
		if ip := net.ParseIP(s); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, s)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		fatalf("certificates: sign %s: %v", cn, err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		fatalf("certificates: %v", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}))
}
