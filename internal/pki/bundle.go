package pki

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"time"
)

// Bundle is the control-plane PKI as Octavia reads it from files, all PEM.
type Bundle struct {
	// IssuingCACert is the issuing CA certificate, which signs amphora
	// server certificates ([certificates] ca_certificate, [haproxy_amphora]
	// server_ca). Operator-supplied material may follow it with the rest of
	// its chain.
	IssuingCACert []byte
	// IssuingCAKey is the issuing CA's private key, passphrase protected
	// ([certificates] ca_private_key). Generated keys are PKCS#8
	// "ENCRYPTED PRIVATE KEY" blocks.
	IssuingCAKey []byte
	// IssuingCAPassphrase decrypts IssuingCAKey ([certificates]
	// ca_private_key_passphrase).
	IssuingCAPassphrase string
	// ControllerCACert is the CA certificate amphorae use to validate
	// controllers ([controller_worker] client_ca), possibly with its chain.
	ControllerCACert []byte
	// ControllerCAKey is the controller CA's private key, encrypted with
	// IssuingCAPassphrase, for renewing ControllerCert later. Only generated
	// bundles have it; Octavia never reads it and the charm keeps it in a
	// Juju secret, never on disk.
	ControllerCAKey []byte
	// ControllerCert is the controller's client certificate, signed by the
	// controller CA; certificate only.
	ControllerCert []byte
	// ControllerKey is ControllerCert's private key, unencrypted.
	ControllerKey []byte
}

// ControllerBundle returns the controller certificate followed by its key:
// the single file Octavia's [haproxy_amphora] client_cert names.
func (b Bundle) ControllerBundle() []byte {
	out := make([]byte, 0, len(b.ControllerCert)+len(b.ControllerKey)+1)
	out = append(out, b.ControllerCert...)
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	return append(out, b.ControllerKey...)
}

// Keys of the map [Bundle.Expiries] returns.
const (
	ExpiryIssuingCA      = "issuing-ca"
	ExpiryControllerCA   = "controller-ca"
	ExpiryControllerCert = "controller-cert"
)

// Expiries returns when each certificate file stops working: the NotAfter of
// the issuing CA, the controller CA and the controller certificate, keyed by
// ExpiryIssuingCA, ExpiryControllerCA and ExpiryControllerCert. For a file
// holding a chain it is the earliest NotAfter in the chain.
func (b Bundle) Expiries() (map[string]time.Time, error) {
	files := []struct {
		name string
		pem  []byte
	}{
		{ExpiryIssuingCA, b.IssuingCACert},
		{ExpiryControllerCA, b.ControllerCACert},
		{ExpiryControllerCert, b.ControllerCert},
	}
	expiries := make(map[string]time.Time, len(files))
	for _, f := range files {
		notAfter, err := earliestNotAfter(f.pem)
		if err != nil {
			return nil, fmt.Errorf("expiry of %s: %w", f.name, err)
		}
		expiries[f.name] = notAfter
	}
	return expiries, nil
}

// earliestNotAfter returns the earliest NotAfter of the certificates in PEM.
func earliestNotAfter(pemBytes []byte) (time.Time, error) {
	var earliest time.Time
	found := false
	for block, rest := pem.Decode(pemBytes); block != nil; block, rest = pem.Decode(rest) {
		if block.Type != pemCertificate {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return time.Time{}, fmt.Errorf("parse certificate: %w", err)
		}
		if !found || cert.NotAfter.Before(earliest) {
			earliest, found = cert.NotAfter, true
		}
	}
	if !found {
		return time.Time{}, errors.New("no PEM certificate")
	}
	return earliest, nil
}
