package pki

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// octaviaSignScript does with the generated files what Octavia does with
// them through Python cryptography: its local certificate generator loads
// the issuing CA key with the passphrase and signs an amphora certificate
// with SHA-256 (octavia/certificates/generator/local.py), and the amphora
// REST driver hands the controller bundle to requests, which loads it with
// ssl's load_cert_chain. It prints the amphora certificate.
const octaviaSignScript = `
import datetime, ssl, sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID, ExtendedKeyUsageOID

d = sys.argv[1]
ca_cert = x509.load_pem_x509_certificate(open(d + "/issuing_ca.pem", "rb").read())
passphrase = open(d + "/pass", "rb").read()
ca_key = serialization.load_pem_private_key(open(d + "/issuing_ca_key.pem", "rb").read(), password=passphrase)
amp_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
now = datetime.datetime.now(datetime.timezone.utc)
cert = (x509.CertificateBuilder()
    .serial_number(x509.random_serial_number())
    .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=730))
    .issuer_name(ca_cert.subject)
    .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "amphora-1")]))
    .public_key(amp_key.public_key())
    .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
    .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]), critical=True)
    .sign(private_key=ca_key, algorithm=hashes.SHA256()))
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.load_cert_chain(d + "/client.pem")
ctx.load_verify_locations(cafile=d + "/issuing_ca.pem")
sys.stdout.write(cert.public_bytes(serialization.Encoding.PEM).decode())
`

func TestOctaviaPythonUsesGeneratedBundle(t *testing.T) {
	if err := exec.Command("python3", "-c", "import cryptography.x509").Run(); err != nil {
		t.Skip("python3 with cryptography not available")
	}
	b := fixture(t).gen
	dir := t.TempDir()
	for name, data := range map[string][]byte{
		"issuing_ca.pem":     b.IssuingCACert,
		"issuing_ca_key.pem": b.IssuingCAKey,
		"pass":               []byte(b.IssuingCAPassphrase),
		"client.pem":         b.ControllerBundle(),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("python3", "-c", octaviaSignScript, dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, stderr.String())
	}
	block, _ := pem.Decode(out)
	if block == nil {
		t.Fatalf("python printed no certificate")
	}
	amphora, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	// The controller's check of an amphora: server_ca is the issuing CA.
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(b.IssuingCACert)
	if _, err := amphora.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
		t.Fatalf("amphora certificate signed by Octavia's code does not verify against the issuing CA: %v", err)
	}
	// The amphora's check of the controller: client_ca is the controller
	// CA, which must not accept an amphora's certificate.
	clientRoots := x509.NewCertPool()
	clientRoots.AppendCertsFromPEM(b.ControllerCACert)
	if _, err := amphora.Verify(x509.VerifyOptions{Roots: clientRoots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err == nil {
		t.Fatal("the controller CA accepts an amphora certificate as a client")
	}
}
