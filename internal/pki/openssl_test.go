package pki

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// openSSL runs the openssl command line tool in a scratch directory. The
// passphrase reaches it only through the 0600 files "pass" and "pass2",
// never argv.
type openSSL struct {
	t   *testing.T
	dir string
}

// newOpenSSL skips the test when openssl is not installed.
func newOpenSSL(t *testing.T, passphrase string) *openSSL {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not on PATH")
	}
	o := &openSSL{t: t, dir: t.TempDir()}
	o.write("pass", []byte(passphrase))
	// openssl reads -passin and -passout from one file as two lines.
	o.write("pass2", []byte(passphrase))
	return o
}

// write stores a 0600 file in the scratch directory and returns its path.
func (o *openSSL) write(name string, data []byte) string {
	o.t.Helper()
	path := filepath.Join(o.dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		o.t.Fatal(err)
	}
	return path
}

// read returns a file of the scratch directory.
func (o *openSSL) read(name string) []byte {
	o.t.Helper()
	data, err := os.ReadFile(filepath.Join(o.dir, name))
	if err != nil {
		o.t.Fatal(err)
	}
	return data
}

// run runs openssl with args and returns its stdout.
func (o *openSSL) run(args ...string) ([]byte, error) {
	cmd := exec.Command("openssl", args...)
	cmd.Dir = o.dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, errors.New(strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// must runs openssl and fails the test if it fails.
func (o *openSSL) must(args ...string) []byte {
	o.t.Helper()
	out, err := o.run(args...)
	if err != nil {
		o.t.Fatalf("openssl %s: %v", strings.Join(args, " "), err)
	}
	return out
}

// publicPEM returns the public key PEM of a certificate's or a key's
// public half, as "openssl pkey -pubout" prints it.
func publicPEM(t *testing.T, pub any) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

func TestOpenSSLReadsEncryptKey(t *testing.T) {
	b := fixture(t).gen
	o := newOpenSSL(t, b.IssuingCAPassphrase)
	o.write("key.pem", b.IssuingCAKey)
	got := o.must("pkey", "-in", "key.pem", "-passin", "file:pass", "-pubout")
	want := publicPEM(t, parsePEMCert(t, "issuing CA", b.IssuingCACert).PublicKey)
	if !bytes.Equal(got, want) {
		t.Fatalf("openssl reads a different key:\n%s\nwant\n%s", got, want)
	}
	o.write("wrong", []byte("wrong passphrase"))
	if _, err := o.run("pkey", "-in", "key.pem", "-passin", "file:wrong", "-noout"); err == nil {
		t.Fatal("openssl decrypted the key with a wrong passphrase")
	}
	// What Octavia's worker sees: the algorithms in the structure.
	dump := string(o.must("asn1parse", "-in", "key.pem"))
	for _, want := range []string{":PBES2", ":PBKDF2", ":hmacWithSHA256", ":aes-256-cbc", ":0186A0"} {
		if !strings.Contains(dump, want) {
			t.Errorf("asn1parse output lacks %s", want)
		}
	}
}

func TestDecryptKeyReadsOpenSSL(t *testing.T) {
	const pass = "openssl pass phrase"
	o := newOpenSSL(t, pass)
	o.must("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-aes256", "-pass", "file:pass", "-out", "genpkey.pem")
	want := o.must("pkey", "-in", "genpkey.pem", "-passin", "file:pass", "-pubout")
	o.must("pkey", "-in", "genpkey.pem", "-passin", "file:pass", "-out", "plain.pem")
	o.must("ecparam", "-genkey", "-name", "prime256v1", "-out", "ec.pem")
	wantEC := o.must("pkey", "-in", "ec.pem", "-pubout")

	type variant struct {
		name, file string
		want       []byte
		args       []string // openssl command writing file; nil when already made
	}
	variants := []variant{{name: "genpkey -aes256", file: "genpkey.pem", want: want}}
	for _, c := range []string{"aes128", "aes192", "aes256", "des3"} {
		for _, prf := range []string{"hmacWithSHA1", "hmacWithSHA224", "hmacWithSHA256", "hmacWithSHA384", "hmacWithSHA512"} {
			file := "pkcs8-" + c + "-" + prf + ".pem"
			variants = append(variants, variant{"pkcs8 -topk8 -v2 " + c + " -v2prf " + prf, file, want,
				[]string{"pkcs8", "-topk8", "-in", "plain.pem", "-v2", c, "-v2prf", prf, "-passout", "file:pass", "-out", file}})
		}
	}
	variants = append(variants,
		variant{"pkcs8 -topk8 -iter 1", "iter1.pem", want,
			[]string{"pkcs8", "-topk8", "-in", "plain.pem", "-v2", "aes256", "-iter", "1", "-passout", "file:pass", "-out", "iter1.pem"}},
		variant{"rsa -aes256 -traditional", "trad-aes.pem", want,
			[]string{"rsa", "-in", "plain.pem", "-aes256", "-traditional", "-passout", "file:pass", "-out", "trad-aes.pem"}},
		variant{"rsa -des3 -traditional", "trad-des3.pem", want,
			[]string{"rsa", "-in", "plain.pem", "-des3", "-traditional", "-passout", "file:pass", "-out", "trad-des3.pem"}},
		variant{"ec -aes128 (traditional)", "ec-trad.pem", wantEC,
			[]string{"ec", "-in", "ec.pem", "-aes128", "-passout", "file:pass", "-out", "ec-trad.pem"}},
		variant{"pkcs8 -topk8 EC", "ec-pkcs8.pem", wantEC,
			[]string{"pkcs8", "-topk8", "-in", "ec.pem", "-v2", "aes256", "-passout", "file:pass", "-out", "ec-pkcs8.pem"}},
	)
	if o.hasFlag("genrsa", "-traditional") { // OpenSSL 3; 1.1 writes traditional anyway
		o.must("genrsa", "-aes256", "-traditional", "-passout", "file:pass", "-out", "genrsa.pem", "2048")
		variants = append(variants, variant{name: "genrsa -aes256 -traditional", file: "genrsa.pem",
			want: o.must("pkey", "-in", "genrsa.pem", "-passin", "file:pass", "-pubout")})
	}

	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			if v.args != nil {
				o.must(v.args...)
			}
			data := o.read(v.file)
			if v.name != "genpkey -aes256" && strings.Contains(v.name, "traditional") != bytes.Contains(data, []byte("Proc-Type: 4,ENCRYPTED")) {
				t.Fatalf("openssl wrote an unexpected format:\n%s", firstLine(data))
			}
			key, err := DecryptKey(data, pass)
			if err != nil {
				t.Fatalf("DecryptKey: %v", err)
			}
			signer, ok := key.(crypto.Signer)
			if !ok {
				t.Fatalf("%T has no public key", key)
			}
			if got := publicPEM(t, signer.Public()); !bytes.Equal(got, v.want) {
				t.Fatal("DecryptKey returned a different key than openssl reads")
			}
			if _, err := DecryptKey(data, pass+"!"); !errors.Is(err, ErrIncorrectPassphrase) {
				t.Fatalf("wrong passphrase: got %v, want ErrIncorrectPassphrase", err)
			}
		})
	}
}

// hasFlag reports whether an openssl command lists flag in its help.
func (o *openSSL) hasFlag(command, flag string) bool {
	out, _ := exec.Command("openssl", command, "-help").CombinedOutput()
	return bytes.Contains(out, []byte(flag))
}

func firstLine(data []byte) string {
	line, _, _ := strings.Cut(string(data), "\n")
	return line
}

// TestFromOptionsAcceptsOpenSSLCAs follows the upstream charm's README
// recipe: genpkey -aes256 and req -x509 for both CAs, a CSR signed by the
// controller CA, cat cert key, base64.
func TestFromOptionsAcceptsOpenSSLCAs(t *testing.T) {
	const pass = "operator chosen passphrase"
	o := newOpenSSL(t, pass)
	o.write("client.ext", []byte("basicConstraints = CA:FALSE\nkeyUsage = critical, digitalSignature, keyEncipherment\nextendedKeyUsage = clientAuth\n"))
	for _, ca := range []struct{ key, cert, subject string }{
		{"issuing_ca.key", "issuing_ca.pem", "/O=Example/CN=Octavia issuing CA"},
		{"controller_ca.key", "controller_ca.pem", "/O=Example/CN=Octavia controller CA"},
	} {
		o.must("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-aes256", "-pass", "file:pass", "-out", ca.key)
		o.must("req", "-x509", "-new", "-key", ca.key, "-passin", "file:pass", "-subj", ca.subject, "-days", "3650", "-sha256", "-out", ca.cert)
	}
	o.must("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "controller.key")
	o.must("req", "-new", "-key", "controller.key", "-subj", "/O=Example/CN=controller", "-out", "controller.csr")
	o.must("x509", "-req", "-in", "controller.csr", "-CA", "controller_ca.pem", "-CAkey", "controller_ca.key", "-passin", "file:pass",
		"-CAcreateserial", "-days", "365", "-sha256", "-extfile", "client.ext", "-out", "controller.pem")
	o.must("rsa", "-in", "issuing_ca.key", "-passin", "file:pass", "-aes256", "-traditional", "-passout", "file:pass2", "-out", "issuing_ca_trad.key")

	opts := Options{
		IssuingCACert:          b64(o.read("issuing_ca.pem")),
		IssuingCAKey:           b64(o.read("issuing_ca.key")),
		IssuingCAKeyPassphrase: pass,
		ControllerCACert:       b64(o.read("controller_ca.pem")),
		ControllerCert:         b64(o.read("controller.pem"), o.read("controller.key")),
	}
	b, err := FromOptions(opts, time.Now())
	if err != nil {
		t.Fatalf("FromOptions(openssl CAs): %v", err)
	}
	if !bytes.Equal(b.ControllerCert, o.read("controller.pem")) {
		t.Error("controller certificate changed")
	}

	opts.IssuingCAKey = b64(o.read("issuing_ca_trad.key"))
	if _, err := FromOptions(opts, time.Now()); err != nil {
		t.Fatalf("FromOptions(legacy encrypted issuing key): %v", err)
	}

	// The same material with the controller signed by the issuing CA is a
	// fault, so this test can fail.
	o.must("x509", "-req", "-in", "controller.csr", "-CA", "issuing_ca.pem", "-CAkey", "issuing_ca.key", "-passin", "file:pass",
		"-CAcreateserial", "-days", "365", "-extfile", "client.ext", "-out", "wrong.pem")
	opts.ControllerCert = b64(o.read("wrong.pem"), o.read("controller.key"))
	var oe *OptionError
	if _, err := FromOptions(opts, time.Now()); !errors.As(err, &oe) || oe.Option != OptionControllerCert {
		t.Fatalf("controller certificate from the issuing CA: got %v", err)
	}

	// Octavia's side: openssl verifies the generated controller certificate
	// against the controller CA, for TLS client use.
	gen := fixture(t).gen
	o.write("gen_ca.pem", gen.ControllerCACert)
	o.write("gen_cert.pem", gen.ControllerCert)
	o.must("verify", "-CAfile", "gen_ca.pem", "-purpose", "sslclient", "gen_cert.pem")
	o.write("gen_issuing.pem", gen.IssuingCACert)
	if _, err := o.run("verify", "-CAfile", "gen_issuing.pem", "-purpose", "sslclient", "gen_cert.pem"); err == nil {
		t.Error("openssl verifies the controller certificate against the issuing CA")
	}
}
