package pki

import (
	"crypto/rsa"
	"testing"
)

// The generated controller CA key is kept encrypted with the issuing CA
// passphrase and matches the controller CA certificate, so the controller
// certificate can be renewed under the CA that amphorae already trust.
func TestGeneratedControllerCAKeyIsEncryptedAndMatches(t *testing.T) {
	b := fixture(t).gen
	if _, err := DecryptKey(b.ControllerCAKey, ""); err == nil {
		t.Fatal("the controller CA key decrypts without a passphrase")
	}
	key, err := DecryptKey(b.ControllerCAKey, b.IssuingCAPassphrase)
	if err != nil {
		t.Fatalf("decrypt controller CA key: %v", err)
	}
	ca := parsePEMCert(t, "controller CA", b.ControllerCACert)
	if !key.(*rsa.PrivateKey).PublicKey.Equal(ca.PublicKey) {
		t.Fatal("the controller CA key does not match the controller CA certificate")
	}
}
