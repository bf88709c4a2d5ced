package pki

import (
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"time"
)

// Choices for generated material. RSA 2048 keys sign with SHA-256
// (x509.SHA256WithRSA, Go's default for RSA keys): Octavia's local
// certificate generator signs amphora certificates with the issuing CA key
// through Python cryptography and SHA-256, which any RSA key supports.
const (
	generatedKeyBits = 2048
	// Subjects differ so that OpenSSL never confuses the two CAs.
	issuingCAName      = "Octavia amphora issuing CA"
	controllerCAName   = "Octavia controller CA"
	controllerCertName = "Octavia controller"
	caValidityYears    = 10
	certValidityYears  = 2
	// clockSkew backdates NotBefore for hosts whose clocks run behind.
	clockSkew = time.Hour
)

// pemCertificate is the PEM type of an X.509 certificate.
const pemCertificate = "CERTIFICATE"

// Generate makes a fresh dual CA: an issuing CA whose key is encrypted with a
// new passphrase, a separate controller CA, and a controller client
// certificate signed by it. rand supplies all randomness; now is the moment
// the certificates become valid (NotBefore is backdated an hour for clock
// skew).
func Generate(rand io.Reader, now time.Time) (Bundle, error) {
	now = now.UTC().Truncate(time.Second)
	notBefore := now.Add(-clockSkew)
	caNotAfter := now.AddDate(caValidityYears, 0, 0)

	issuingKey, issuingCert, err := newCA(rand, issuingCAName, notBefore, caNotAfter)
	if err != nil {
		return Bundle{}, fmt.Errorf("generate issuing CA: %w", err)
	}
	controllerCAKey, controllerCA, err := newCA(rand, controllerCAName, notBefore, caNotAfter)
	if err != nil {
		return Bundle{}, fmt.Errorf("generate controller CA: %w", err)
	}
	controllerKey, controllerCert, err := newControllerCert(rand, controllerCA, controllerCAKey, notBefore, now.AddDate(certValidityYears, 0, 0))
	if err != nil {
		return Bundle{}, fmt.Errorf("generate controller certificate: %w", err)
	}

	passphrase, err := NewPassphrase(rand)
	if err != nil {
		return Bundle{}, fmt.Errorf("generate issuing CA key passphrase: %w", err)
	}
	encryptedKey, err := EncryptKey(issuingKey, passphrase, rand)
	if err != nil {
		return Bundle{}, fmt.Errorf("generate issuing CA: %w", err)
	}
	// The controller CA key is kept (encrypted with the same passphrase) so
	// that the controller certificate can be renewed under the same CA,
	// which amphorae trust, without failing every amphora over.
	encryptedControllerCAKey, err := EncryptKey(controllerCAKey, passphrase, rand)
	if err != nil {
		return Bundle{}, fmt.Errorf("generate controller CA: %w", err)
	}
	controllerKeyDER, err := x509.MarshalPKCS8PrivateKey(controllerKey)
	if err != nil {
		return Bundle{}, fmt.Errorf("generate controller certificate: %w", err)
	}
	return Bundle{
		IssuingCACert:       encodeCertificate(issuingCert),
		IssuingCAKey:        encryptedKey,
		IssuingCAPassphrase: passphrase,
		ControllerCACert:    encodeCertificate(controllerCA),
		ControllerCAKey:     encryptedControllerCAKey,
		ControllerCert:      encodeCertificate(controllerCert),
		ControllerKey:       pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: controllerKeyDER}),
	}, nil
}

// newCA makes a self-signed CA certificate and its key.
func newCA(rand io.Reader, commonName string, notBefore, notAfter time.Time) (*rsa.PrivateKey, *x509.Certificate, error) {
	return issue(rand, &x509.Certificate{
		Subject:               pkix.Name{CommonName: commonName},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		BasicConstraintsValid: true,
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		// SubjectKeyId is derived from the public key by CreateCertificate.
	}, nil, nil)
}

// newControllerCert makes the controller's client certificate, signed by ca.
func newControllerCert(rand io.Reader, ca *x509.Certificate, caKey crypto.Signer, notBefore, notAfter time.Time) (*rsa.PrivateKey, *x509.Certificate, error) {
	return issue(rand, &x509.Certificate{
		Subject:               pkix.Name{CommonName: controllerCertName},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth},
	}, ca, caKey)
}

// issue makes a key for template, gives it a random serial and signs it
// with parentKey, or with its own key when parent is nil (a self-signed CA).
func issue(rand io.Reader, template, parent *x509.Certificate, parentKey crypto.Signer) (*rsa.PrivateKey, *x509.Certificate, error) {
	key, err := rsa.GenerateKey(rand, generatedKeyBits)
	if err != nil {
		return nil, nil, fmt.Errorf("generate key: %w", err)
	}
	if template.SerialNumber, err = newSerial(rand); err != nil {
		return nil, nil, err
	}
	if parent == nil {
		parent, parentKey = template, key
	}
	cert, err := createCertificate(rand, template, parent, &key.PublicKey, parentKey)
	if err != nil {
		return nil, nil, err
	}
	return key, cert, nil
}

// createCertificate signs template with the parent's key and parses the result.
func createCertificate(rand io.Reader, template, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer) (*x509.Certificate, error) {
	der, err := x509.CreateCertificate(rand, template, parent, pub, signer)
	if err != nil {
		return nil, fmt.Errorf("sign %q: %w", template.Subject.CommonName, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse %q: %w", template.Subject.CommonName, err)
	}
	return cert, nil
}

// newSerial returns a random positive 128-bit serial number.
func newSerial(rand io.Reader) (*big.Int, error) {
	b := make([]byte, 16)
	if _, err := io.ReadFull(rand, b); err != nil {
		return nil, fmt.Errorf("read serial number: %w", err)
	}
	b[0] |= 0x01 // never zero: at least 2^120
	return new(big.Int).SetBytes(b), nil
}

// encodeCertificate returns cert as a PEM block.
func encodeCertificate(cert *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: pemCertificate, Bytes: cert.Raw})
}
