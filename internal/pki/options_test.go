package pki

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestOptionsEmpty(t *testing.T) {
	if !(Options{}).Empty() || !(Options{ControllerCert: " \n"}).Empty() {
		t.Error("unset options are not Empty")
	}
	if (Options{IssuingCAKeyPassphrase: "x"}).Empty() {
		t.Error("a set passphrase is Empty")
	}
}

func TestFromOptionsAccepts(t *testing.T) {
	w := fixture(t)
	wrap76 := func(s string) string { // what "base64" without -w0 prints
		var b strings.Builder
		for len(s) > 76 {
			b.WriteString(s[:76] + "\n")
			s = s[76:]
		}
		return b.String() + s + "\n"
	}
	cases := []struct {
		name   string
		mutate func(o *Options)
	}{
		{"as generated", func(*Options) {}},
		{"base64 wrapped at 76 columns", func(o *Options) {
			o.IssuingCACert = wrap76(o.IssuingCACert)
			o.ControllerCert = wrap76(o.ControllerCert)
		}},
		{"URL-safe unpadded base64", func(o *Options) {
			raw, _ := base64.StdEncoding.DecodeString(o.IssuingCAKey)
			o.IssuingCAKey = base64.RawURLEncoding.EncodeToString(raw)
		}},
		{"PEM given directly", func(o *Options) {
			o.ControllerCACert = "\n" + string(certPEM(w.controllerCA))
		}},
		{"key before certificate", func(o *Options) {
			o.ControllerCert = b64(keyPEM(t, w.controllerKey), certPEM(w.controllerCert))
		}},
		{"text around the PEM", func(o *Options) {
			o.IssuingCACert = b64([]byte("Certificate:\n    Data: ...\n"), certPEM(w.issuingCA))
		}},
		{"CA files holding chains", func(o *Options) {
			other := mustSign(t, caTemplate("Unrelated root"), nil, w.controllerKey, w.controllerKey)
			o.IssuingCACert = b64(certPEM(w.issuingCA, other))
		}},
		{"legacy encrypted issuing key", func(o *Options) {
			der, err := x509.MarshalECPrivateKey(w.issuingKey)
			if err != nil {
				t.Fatal(err)
			}
			//lint:ignore SA1019 legacy keys are what this case is about.
			block, err := x509.EncryptPEMBlock(rand.Reader, "EC PRIVATE KEY", der, []byte(w.passphrase), x509.PEMCipherAES256)
			if err != nil {
				t.Fatal(err)
			}
			o.IssuingCAKey = b64(pem.EncodeToMemory(block))
		}},
		{"CAs without key usage, as zaza makes them", func(o *Options) {
			tmpl := caTemplate("Test controller CA")
			tmpl.KeyUsage = 0
			ca := mustSign(t, tmpl, nil, w.controllerCAKey, w.controllerCAKey)
			leaf := clientTemplate()
			leaf.KeyUsage, leaf.ExtKeyUsage, leaf.DNSNames = 0, nil, []string{"*.serverstack"}
			o.ControllerCACert = b64(certPEM(ca))
			o.ControllerCert = b64(certPEM(mustSign(t, leaf, ca, w.controllerKey, w.controllerCAKey)), keyPEM(t, w.controllerKey))
		}},
		{"controller certificate without extended key usage", func(o *Options) {
			tmpl := clientTemplate()
			tmpl.ExtKeyUsage = nil
			tmpl.KeyUsage = 0
			o.ControllerCert = b64(certPEM(mustSign(t, tmpl, w.controllerCA, w.controllerKey, w.controllerCAKey)), keyPEM(t, w.controllerKey))
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := w.options(t)
			tc.mutate(&o)
			b, err := FromOptions(o, testNow)
			if err != nil {
				t.Fatalf("FromOptions: %v", err)
			}
			if !bytes.HasPrefix(b.ControllerBundle(), []byte("-----BEGIN CERTIFICATE-----")) ||
				!bytes.HasPrefix(b.ControllerKey, []byte("-----BEGIN PRIVATE KEY-----")) {
				t.Error("controller bundle is not certificate then key")
			}
			if _, err := DecryptKey(b.IssuingCAKey, b.IssuingCAPassphrase); err != nil {
				t.Errorf("returned issuing key: %v", err)
			}
			if _, err := b.Expiries(); err != nil {
				t.Errorf("Expiries: %v", err)
			}
		})
	}
}

func TestFromOptionsFaults(t *testing.T) {
	w := fixture(t)
	stranger := newECKey(t)
	otherCA := mustSign(t, caTemplate("Some other CA"), nil, stranger, stranger)
	signedBy := func(tmpl, parent *x509.Certificate, signer *ecdsa.PrivateKey) string {
		return b64(certPEM(mustSign(t, tmpl, parent, w.controllerKey, signer)), keyPEM(t, w.controllerKey))
	}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name    string
		mutate  func(o *Options)
		now     time.Time // testNow when zero
		option  string
		problem string // substring of the problem
	}{
		// All or none.
		{"all unset", func(o *Options) { *o = Options{} }, time.Time{}, OptionIssuingCACert, "unset"},
		{"passphrase unset", func(o *Options) { o.IssuingCAKeyPassphrase = "" }, time.Time{}, OptionIssuingCAKeyPassphrase, "unset while other lb-mgmt-* options are set"},
		{"controller cert unset", func(o *Options) { o.ControllerCert = "  " }, time.Time{}, OptionControllerCert, "unset while other"},
		{"only controller cert set", func(o *Options) { *o = Options{ControllerCert: o.ControllerCert} }, time.Time{}, OptionIssuingCACert, "unset while other"},

		// Decoding.
		{"bad base64", func(o *Options) { o.IssuingCACert = "not*base64!" }, time.Time{}, OptionIssuingCACert, "not valid base64"},
		{"mixed alphabets", func(o *Options) { o.ControllerCACert = "ab+-" }, time.Time{}, OptionControllerCACert, "not valid base64"},
		{"not PEM", func(o *Options) { o.ControllerCACert = b64([]byte("hello world")) }, time.Time{}, OptionControllerCACert, "no PEM block"},
		{"certificate garbage", func(o *Options) {
			o.IssuingCACert = b64(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{0x30, 0x00}}))
		}, time.Time{}, OptionIssuingCACert, "certificate does not parse"},
		{"no certificate", func(o *Options) {
			o.IssuingCACert = b64(pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: []byte{1}}))
		}, time.Time{}, OptionIssuingCACert, "no PEM CERTIFICATE"},

		// The issuing CA.
		{"issuing CA is a leaf", func(o *Options) { o.IssuingCACert = b64(certPEM(w.controllerCert)) }, time.Time{}, OptionIssuingCACert, "is not a CA certificate"},
		{"issuing CA carries a key", func(o *Options) { o.IssuingCACert = b64(certPEM(w.issuingCA), w.issuingKeyPEM) }, time.Time{}, OptionIssuingCACert, "holds a private key"},
		{"issuing CA cannot sign certificates", func(o *Options) {
			tmpl := caTemplate("Test issuing CA")
			tmpl.KeyUsage = x509.KeyUsageDigitalSignature
			o.IssuingCACert = b64(certPEM(mustSign(t, tmpl, nil, w.issuingKey, w.issuingKey)))
		}, time.Time{}, OptionIssuingCACert, "lacks keyCertSign"},
		{"issuing CA expired", func(*Options) {}, testNow.AddDate(11, 0, 0), OptionIssuingCACert, "certificate expired on 2035-03-01T12:00:00Z"},
		{"issuing CA not yet valid", func(*Options) {}, testNow.Add(-2 * time.Hour), OptionIssuingCACert, "certificate is not valid until 2025-03-01T11:00:00Z"},
		{"chain member expired", func(o *Options) {
			old := caTemplate("Old root")
			old.NotAfter = testNow.Add(-time.Minute)
			o.IssuingCACert = b64(certPEM(w.issuingCA, mustSign(t, old, nil, stranger, stranger)))
		}, time.Time{}, OptionIssuingCACert, "certificate 2 of 2 expired on"},

		// The issuing CA key and passphrase.
		{"key not encrypted", func(o *Options) { o.IssuingCAKey = b64(keyPEM(t, w.issuingKey)) }, time.Time{}, OptionIssuingCAKey, "key is not passphrase protected"},
		{"wrong passphrase", func(o *Options) { o.IssuingCAKeyPassphrase = "not the passphrase" }, time.Time{}, OptionIssuingCAKey, "passphrase does not decrypt the key"},
		{"passphrase with a line break", func(o *Options) { o.IssuingCAKeyPassphrase += "\n[DEFAULT]" }, time.Time{}, OptionIssuingCAKeyPassphrase, "control character"},
		{"key of another certificate", func(o *Options) { o.IssuingCAKey = b64(w.encryptedKeyPEM(t, w.controllerCAKey)) }, time.Time{}, OptionIssuingCAKey, "key does not match the certificate in lb-mgmt-issuing-cacert"},
		{"issuing CA not first", func(o *Options) { o.IssuingCACert = b64(certPEM(otherCA, w.issuingCA)) }, time.Time{}, OptionIssuingCAKey, "matches certificate 2 of lb-mgmt-issuing-cacert"},
		{"two keys", func(o *Options) { o.IssuingCAKey = b64(w.issuingKeyPEM, w.issuingKeyPEM) }, time.Time{}, OptionIssuingCAKey, "holds 2 private keys"},
		{"no key", func(o *Options) { o.IssuingCAKey = b64(certPEM(w.issuingCA)) }, time.Time{}, OptionIssuingCAKey, "holds no PEM private key"},
		{"Ed25519 key", func(o *Options) { o.IssuingCAKey = b64(w.encryptedKeyPEM(t, edKey)) }, time.Time{}, OptionIssuingCAKey, "Ed25519"},
		{"unsupported key encryption", func(o *Options) {
			pkcs8DER, _ := x509.MarshalPKCS8PrivateKey(w.issuingKey)
			o.IssuingCAKey = b64(pbes2PEM(t, pkcs8DER, w.passphrase, pbes2Spec{scheme: "1.2.840.113549.1.5.10"}))
		}, time.Time{}, OptionIssuingCAKey, "cannot decrypt the key: unsupported key encryption"},

		// The controller CA.
		{"same CA twice", func(o *Options) { o.ControllerCACert = o.IssuingCACert }, time.Time{}, OptionControllerCACert, "same CA as lb-mgmt-issuing-cacert (same public key)"},
		{"same subject", func(o *Options) {
			o.ControllerCACert = b64(certPEM(mustSign(t, caTemplate("Test issuing CA"), nil, stranger, stranger)))
		}, time.Time{}, OptionControllerCACert, "same CA as lb-mgmt-issuing-cacert (same subject"},
		{"shared root in the chain", func(o *Options) {
			o.IssuingCACert = b64(certPEM(w.issuingCA, otherCA))
			o.ControllerCACert = b64(certPEM(w.controllerCA, otherCA))
		}, time.Time{}, OptionControllerCACert, "same CA"},
		{"controller CA is a leaf", func(o *Options) { o.ControllerCACert = b64(certPEM(w.controllerCert)) }, time.Time{}, OptionControllerCACert, "is not a CA certificate"},
		{"controller CA carries its key", func(o *Options) { o.ControllerCACert = b64(certPEM(w.controllerCA), keyPEM(t, w.controllerCAKey)) }, time.Time{}, OptionControllerCACert, "holds a private key"},

		// The controller certificate bundle.
		{"bundle without key", func(o *Options) { o.ControllerCert = b64(certPEM(w.controllerCert)) }, time.Time{}, OptionControllerCert, "holds no PEM private key"},
		{"bundle without certificate", func(o *Options) { o.ControllerCert = b64(keyPEM(t, w.controllerKey)) }, time.Time{}, OptionControllerCert, "holds no PEM certificate"},
		{"bundle with its CA", func(o *Options) {
			o.ControllerCert = b64(certPEM(w.controllerCert, w.controllerCA), keyPEM(t, w.controllerKey))
		}, time.Time{}, OptionControllerCert, "holds 2 certificates"},
		{"bundle with two keys", func(o *Options) {
			o.ControllerCert = b64(certPEM(w.controllerCert), keyPEM(t, w.controllerKey), keyPEM(t, stranger))
		}, time.Time{}, OptionControllerCert, "holds 2 private keys"},
		{"bundle key encrypted", func(o *Options) {
			o.ControllerCert = b64(certPEM(w.controllerCert), w.encryptedKeyPEM(t, w.controllerKey))
		}, time.Time{}, OptionControllerCert, "private key is passphrase protected"},
		{"bundle key of another certificate", func(o *Options) {
			o.ControllerCert = b64(certPEM(w.controllerCert), keyPEM(t, stranger))
		}, time.Time{}, OptionControllerCert, "private key does not match the certificate"},
		{"bundle key garbage", func(o *Options) {
			o.ControllerCert = b64(certPEM(w.controllerCert), pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: []byte{0x30, 0x00}}))
		}, time.Time{}, OptionControllerCert, "private key does not parse"},
		{"controller cert signed by the issuing CA", func(o *Options) {
			o.ControllerCert = signedBy(clientTemplate(), w.issuingCA, w.issuingKey)
		}, time.Time{}, OptionControllerCert, "is signed by lb-mgmt-issuing-cacert, not by lb-mgmt-controller-cacert"},
		{"controller cert signed by a stranger", func(o *Options) {
			o.ControllerCert = signedBy(clientTemplate(), otherCA, stranger)
		}, time.Time{}, OptionControllerCert, `is not signed by lb-mgmt-controller-cacert (its issuer is "CN=Some other CA")`},
		{"controller cert issuer name mismatch", func(o *Options) {
			parent := *w.controllerCA
			parent.Subject, parent.RawSubject = pkix.Name{CommonName: "Renamed CA"}, nil
			o.ControllerCert = signedBy(clientTemplate(), &parent, w.controllerCAKey)
		}, time.Time{}, OptionControllerCert, `names issuer "CN=Renamed CA"`},
		{"controller cert is a CA", func(o *Options) {
			tmpl := caTemplate("Controller as CA")
			o.ControllerCert = signedBy(tmpl, w.controllerCA, w.controllerCAKey)
		}, time.Time{}, OptionControllerCert, "is a CA certificate"},
		{"controller cert for servers only", func(o *Options) {
			tmpl := clientTemplate()
			tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
			o.ControllerCert = signedBy(tmpl, w.controllerCA, w.controllerCAKey)
		}, time.Time{}, OptionControllerCert, "without clientAuth"},
		{"controller cert cannot sign", func(o *Options) {
			tmpl := clientTemplate()
			tmpl.KeyUsage = x509.KeyUsageDataEncipherment
			o.ControllerCert = signedBy(tmpl, w.controllerCA, w.controllerCAKey)
		}, time.Time{}, OptionControllerCert, "without digitalSignature"},
		{"controller cert expired", func(*Options) {}, testNow.AddDate(3, 0, 0), OptionControllerCert, "certificate expired on 2027-03-01T12:00:00Z"},
		{"controller cert not yet valid", func(o *Options) {
			tmpl := clientTemplate()
			tmpl.NotBefore = testNow.Add(time.Hour)
			o.ControllerCert = signedBy(tmpl, w.controllerCA, w.controllerCAKey)
		}, time.Time{}, OptionControllerCert, "certificate is not valid until 2025-03-01T13:00:00Z"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := w.options(t)
			tc.mutate(&o)
			now := tc.now
			if now.IsZero() {
				now = testNow
			}
			_, err := FromOptions(o, now)
			var oe *OptionError
			if !errors.As(err, &oe) {
				t.Fatalf("got %v, want an *OptionError", err)
			}
			if oe.Option != tc.option || !strings.Contains(oe.Problem, tc.problem) {
				t.Fatalf("got %q, want option %s with a problem containing %q", err, tc.option, tc.problem)
			}
			if err.Error() != oe.Option+": "+oe.Problem {
				t.Fatalf("Error() = %q", err)
			}
			assertNoSecrets(t, err.Error(), w, o)
		})
	}
}

// assertNoSecrets fails if msg shows a passphrase or any piece of key
// material, raw or base64, that the options or the fixture hold.
func assertNoSecrets(t *testing.T, msg string, w *world, o Options) {
	t.Helper()
	secrets := []string{w.passphrase, w.gen.IssuingCAPassphrase}
	if strings.TrimSpace(o.IssuingCAKeyPassphrase) != "" {
		secrets = append(secrets, o.IssuingCAKeyPassphrase)
	}
	// Every 16-character window of the base64 key options.
	for _, v := range []string{o.IssuingCAKey, o.ControllerCert} {
		v = strings.Join(strings.Fields(v), "")
		for i := 0; i+16 <= len(v); i += 8 {
			secrets = append(secrets, v[i:i+16])
		}
	}
	// Every line of the keys' PEM bodies.
	for _, p := range [][]byte{w.issuingKeyPEM, keyPEM(t, w.controllerKey), keyPEM(t, w.issuingKey), w.gen.IssuingCAKey, w.gen.ControllerKey} {
		for _, line := range strings.Split(string(p), "\n") {
			if len(line) >= 16 && !strings.HasPrefix(line, "-----") {
				secrets = append(secrets, line)
			}
		}
	}
	for _, s := range secrets {
		if strings.Contains(msg, s) {
			t.Fatalf("error %q shows secret material", msg)
		}
	}
}
