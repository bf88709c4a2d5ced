package pki

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"regexp"
	"testing"
	"time"
)

// parsePEMCert parses the single certificate in a PEM file.
func parsePEMCert(t *testing.T, name string, data []byte) *x509.Certificate {
	t.Helper()
	block, rest := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" || len(bytes.TrimSpace(rest)) != 0 {
		t.Fatalf("%s: want exactly one PEM CERTIFICATE", name)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return cert
}

func TestGenerateMakesAValidDualCA(t *testing.T) {
	b := fixture(t).gen
	issuing := parsePEMCert(t, "issuing CA", b.IssuingCACert)
	controllerCA := parsePEMCert(t, "controller CA", b.ControllerCACert)
	controller := parsePEMCert(t, "controller cert", b.ControllerCert)

	for _, ca := range []*x509.Certificate{issuing, controllerCA} {
		if !ca.BasicConstraintsValid || !ca.IsCA {
			t.Errorf("%s: not a CA", ca.Subject)
		}
		if ca.KeyUsage != x509.KeyUsageCertSign|x509.KeyUsageCRLSign {
			t.Errorf("%s: key usage %v", ca.Subject, ca.KeyUsage)
		}
		if len(ca.SubjectKeyId) == 0 {
			t.Errorf("%s: no subject key id", ca.Subject)
		}
		if err := ca.CheckSignatureFrom(ca); err != nil {
			t.Errorf("%s: not self-signed: %v", ca.Subject, err)
		}
		if want := testNow.AddDate(10, 0, 0); !ca.NotAfter.Equal(want) {
			t.Errorf("%s: NotAfter %v, want %v", ca.Subject, ca.NotAfter, want)
		}
	}
	if issuing.Subject.String() == controllerCA.Subject.String() {
		t.Errorf("both CAs are %q", issuing.Subject)
	}
	if publicKeysEqual(issuing.PublicKey, controllerCA.PublicKey) {
		t.Error("both CAs share a key")
	}
	if issuing.SerialNumber.Cmp(controllerCA.SerialNumber) == 0 || issuing.SerialNumber.BitLen() < 121 {
		t.Errorf("serials %v, %v: want distinct 128-bit randoms", issuing.SerialNumber, controllerCA.SerialNumber)
	}

	roots := x509.NewCertPool()
	roots.AddCert(controllerCA)
	if _, err := controller.Verify(x509.VerifyOptions{
		Roots:       roots,
		CurrentTime: testNow,
		KeyUsages:   []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}); err != nil {
		t.Errorf("controller certificate does not verify against the controller CA: %v", err)
	}
	issuingRoots := x509.NewCertPool()
	issuingRoots.AddCert(issuing)
	if _, err := controller.Verify(x509.VerifyOptions{Roots: issuingRoots, CurrentTime: testNow}); err == nil {
		t.Error("controller certificate verifies against the issuing CA")
	}
	if controller.IsCA || controller.Subject.CommonName != "Octavia controller" {
		t.Errorf("controller certificate: IsCA %v, subject %q", controller.IsCA, controller.Subject)
	}
	if want := testNow.AddDate(2, 0, 0); !controller.NotAfter.Equal(want) {
		t.Errorf("controller certificate NotAfter %v, want %v", controller.NotAfter, want)
	}
	if want := testNow.Add(-time.Hour); !controller.NotBefore.Equal(want) {
		t.Errorf("controller certificate NotBefore %v, want %v", controller.NotBefore, want)
	}

	// The issuing key: encrypted, decrypts with the passphrase, RSA 2048,
	// matches the issuing CA.
	if block, _ := pem.Decode(b.IssuingCAKey); block == nil || block.Type != "ENCRYPTED PRIVATE KEY" {
		t.Fatalf("issuing CA key is not an ENCRYPTED PRIVATE KEY block")
	}
	key, err := DecryptKey(b.IssuingCAKey, b.IssuingCAPassphrase)
	if err != nil {
		t.Fatalf("decrypt issuing CA key: %v", err)
	}
	if rsaKey, ok := key.(*rsa.PrivateKey); !ok || rsaKey.N.BitLen() != 2048 {
		t.Errorf("issuing CA key is %T, want RSA 2048", key)
	}
	if !keyMatches(key, issuing.PublicKey) {
		t.Error("issuing CA key does not match the issuing CA")
	}
	controllerKey, err := parsePrivateKeyDER("PRIVATE KEY", mustDecodeBlock(t, b.ControllerKey).Bytes)
	if err != nil || !keyMatches(controllerKey, controller.PublicKey) {
		t.Errorf("controller key does not match the controller certificate (%v)", err)
	}

	// Octavia's server_certs_key_passphrase rule, which the passphrase meets.
	if !regexp.MustCompile(`^[A-Za-z0-9\-_=]{32}$`).MatchString(b.IssuingCAPassphrase) {
		t.Errorf("passphrase has the wrong shape")
	}
}

func mustDecodeBlock(t *testing.T, data []byte) *pem.Block {
	t.Helper()
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatal("no PEM block")
	}
	return block
}

func TestGeneratedBundleRoundTripsThroughOptions(t *testing.T) {
	b := fixture(t).gen
	got, err := FromOptions(bundleOptions(b), testNow)
	if err != nil {
		t.Fatalf("FromOptions(generated) = %v", err)
	}
	for _, f := range []struct {
		name      string
		got, want []byte
	}{
		{"IssuingCACert", got.IssuingCACert, b.IssuingCACert},
		{"IssuingCAKey", got.IssuingCAKey, b.IssuingCAKey},
		{"ControllerCACert", got.ControllerCACert, b.ControllerCACert},
		{"ControllerCert", got.ControllerCert, b.ControllerCert},
		{"ControllerKey", got.ControllerKey, b.ControllerKey},
	} {
		if !bytes.Equal(f.got, f.want) {
			t.Errorf("%s changed in the round trip", f.name)
		}
	}
	if got.IssuingCAPassphrase != b.IssuingCAPassphrase {
		t.Error("passphrase changed in the round trip")
	}
}

// failingReader fails every read.
type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("no entropy") }

func TestGenerateReportsRandomnessFailure(t *testing.T) {
	if _, err := Generate(failingReader{}, testNow); err == nil {
		t.Fatal("Generate with a failing reader succeeded")
	}
	if _, err := NewPassphrase(failingReader{}); err == nil {
		t.Fatal("NewPassphrase with a failing reader succeeded")
	}
}
