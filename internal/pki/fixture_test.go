package pki

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"sync"
	"testing"
	"time"
)

// testNow is the moment the fixtures are validated at.
var testNow = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// world is a dual CA built two ways: gen by Generate (RSA, as the charm
// ships it) and a hand-built ECDSA one whose CA keys the tests keep, so
// that they can sign broken variants quickly.
type world struct {
	gen Bundle

	passphrase      string
	issuingKey      *ecdsa.PrivateKey
	issuingKeyPEM   []byte // encrypted with passphrase, few PBKDF2 rounds
	issuingCA       *x509.Certificate
	controllerCAKey *ecdsa.PrivateKey
	controllerCA    *x509.Certificate
	controllerKey   *ecdsa.PrivateKey
	controllerCert  *x509.Certificate
}

// testWorld builds the fixture once per test binary: RSA key generation and
// PBKDF2 dominate the package's test time.
var testWorld = sync.OnceValues(buildWorld)

// fixture returns the shared world or fails the test.
func fixture(t *testing.T) *world {
	t.Helper()
	w, err := testWorld()
	if err != nil {
		t.Fatalf("build fixture: %v", err)
	}
	return w
}

func buildWorld() (*world, error) {
	w := &world{}
	var err error
	if w.gen, err = Generate(rand.Reader, testNow); err != nil {
		return nil, err
	}
	if w.passphrase, err = NewPassphrase(rand.Reader); err != nil {
		return nil, err
	}
	keys := make([]*ecdsa.PrivateKey, 3)
	for i := range keys {
		if keys[i], err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			return nil, err
		}
	}
	w.issuingKey, w.controllerCAKey, w.controllerKey = keys[0], keys[1], keys[2]
	der, err := x509.MarshalPKCS8PrivateKey(w.issuingKey)
	if err != nil {
		return nil, err
	}
	if w.issuingKeyPEM, err = encodePBES2(der, w.passphrase, pbes2Spec{}); err != nil {
		return nil, err
	}
	if w.issuingCA, err = signCert(caTemplate("Test issuing CA"), nil, w.issuingKey, w.issuingKey); err != nil {
		return nil, err
	}
	if w.controllerCA, err = signCert(caTemplate("Test controller CA"), nil, w.controllerCAKey, w.controllerCAKey); err != nil {
		return nil, err
	}
	if w.controllerCert, err = signCert(clientTemplate(), w.controllerCA, w.controllerKey, w.controllerCAKey); err != nil {
		return nil, err
	}
	return w, nil
}

// caTemplate is a 10-year CA around testNow.
func caTemplate(cn string) *x509.Certificate {
	return &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             testNow.Add(-time.Hour),
		NotAfter:              testNow.AddDate(10, 0, 0),
		BasicConstraintsValid: true,
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
}

// clientTemplate is a 2-year controller client certificate around testNow.
func clientTemplate() *x509.Certificate {
	return &x509.Certificate{
		SerialNumber:          big.NewInt(2),
		Subject:               pkix.Name{CommonName: "Test controller"},
		NotBefore:             testNow.Add(-time.Hour),
		NotAfter:              testNow.AddDate(2, 0, 0),
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
}

// signCert signs template for key's public half with signer as parent (self
// signed when parent is nil).
func signCert(template, parent *x509.Certificate, key crypto.Signer, signer crypto.Signer) (*x509.Certificate, error) {
	if parent == nil {
		parent = template
	}
	der, err := x509.CreateCertificate(rand.Reader, template, parent, key.Public(), signer)
	if err != nil {
		return nil, fmt.Errorf("sign %s: %w", template.Subject.CommonName, err)
	}
	return x509.ParseCertificate(der)
}

// mustSign is signCert for tests.
func mustSign(t *testing.T, template, parent *x509.Certificate, key, signer crypto.Signer) *x509.Certificate {
	t.Helper()
	cert, err := signCert(template, parent, key, signer)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// newECKey returns a fresh P-256 key.
func newECKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// certPEM encodes certificates as PEM.
func certPEM(certs ...*x509.Certificate) []byte {
	var out []byte
	for _, c := range certs {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return out
}

// keyPEM encodes an unencrypted PKCS#8 private key as PEM.
func keyPEM(t *testing.T, key crypto.PrivateKey) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// encryptedKeyPEM encrypts key with the world's passphrase, cheaply.
func (w *world) encryptedKeyPEM(t *testing.T, key crypto.PrivateKey) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pbes2PEM(t, der, w.passphrase, pbes2Spec{})
}

// b64 is how operators set the options: base64 of the PEM.
func b64(parts ...[]byte) string {
	return base64.StdEncoding.EncodeToString(bytes.Join(parts, nil))
}

// options returns the hand-built world as config options.
func (w *world) options(t *testing.T) Options {
	t.Helper()
	return Options{
		IssuingCACert:          b64(certPEM(w.issuingCA)),
		IssuingCAKey:           b64(w.issuingKeyPEM),
		IssuingCAKeyPassphrase: w.passphrase,
		ControllerCACert:       b64(certPEM(w.controllerCA)),
		ControllerCert:         b64(certPEM(w.controllerCert), keyPEM(t, w.controllerKey)),
	}
}

// bundleOptions returns a Bundle as the config options that would carry it.
func bundleOptions(b Bundle) Options {
	return Options{
		IssuingCACert:          b64(b.IssuingCACert),
		IssuingCAKey:           b64(b.IssuingCAKey),
		IssuingCAKeyPassphrase: b.IssuingCAPassphrase,
		ControllerCACert:       b64(b.ControllerCACert),
		ControllerCert:         b64(b.ControllerBundle()),
	}
}
