package pki

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/ed25519"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
)

func TestEncryptKeyRoundTrip(t *testing.T) {
	w := fixture(t)
	rsaKey, err := DecryptKey(w.gen.IssuingCAKey, w.gen.IssuingCAPassphrase)
	if err != nil {
		t.Fatal(err)
	}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for name, key := range map[string]crypto.Signer{
		"RSA":     rsaKey.(*rsa.PrivateKey),
		"ECDSA":   w.issuingKey,
		"Ed25519": edKey,
	} {
		t.Run(name, func(t *testing.T) {
			encrypted, err := EncryptKey(key, "correct horse", rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(encrypted), "correct horse") {
				t.Fatal("passphrase in the output")
			}
			got, err := DecryptKey(encrypted, "correct horse")
			if err != nil {
				t.Fatalf("DecryptKey: %v", err)
			}
			if !keyMatches(got, key.Public()) {
				t.Fatal("decrypted key differs from the original")
			}
			if _, err := DecryptKey(encrypted, "correct horse "); !errors.Is(err, ErrIncorrectPassphrase) {
				t.Fatalf("wrong passphrase: got %v, want ErrIncorrectPassphrase", err)
			}
			if _, err := DecryptKey(encrypted, ""); !errors.Is(err, ErrIncorrectPassphrase) {
				t.Fatalf("empty passphrase: got %v, want ErrIncorrectPassphrase", err)
			}
		})
	}
}

func TestEncryptKeyRefusesBadInput(t *testing.T) {
	w := fixture(t)
	if _, err := EncryptKey(w.issuingKey, "", rand.Reader); err == nil {
		t.Error("empty passphrase accepted")
	}
	if _, err := EncryptKey(struct{}{}, "x", rand.Reader); err == nil {
		t.Error("non-key accepted")
	}
	if _, err := EncryptKey(w.issuingKey, "x", failingReader{}); err == nil {
		t.Error("failing random source accepted")
	}
}

func TestDecryptKeyFormats(t *testing.T) {
	w := fixture(t)
	const pass = "s3cret"
	ecDER, err := x509.MarshalECPrivateKey(w.issuingKey)
	if err != nil {
		t.Fatal(err)
	}
	legacy := func(typ string, der []byte, alg x509.PEMCipher) []byte {
		//lint:ignore SA1019 making legacy keys is the point.
		block, err := x509.EncryptPEMBlock(rand.Reader, typ, der, []byte(pass), alg)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(block)
	}
	pkcs8DER, err := x509.MarshalPKCS8PrivateKey(w.issuingKey)
	if err != nil {
		t.Fatal(err)
	}
	ecParams := pem.EncodeToMemory(&pem.Block{Type: "EC PARAMETERS", Bytes: []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}})

	cases := []struct {
		name string
		pem  []byte
	}{
		{"legacy EC AES-256", legacy("EC PRIVATE KEY", ecDER, x509.PEMCipherAES256)},
		{"legacy EC AES-128", legacy("EC PRIVATE KEY", ecDER, x509.PEMCipherAES128)},
		{"legacy EC DES-EDE3", legacy("EC PRIVATE KEY", ecDER, x509.PEMCipher3DES)},
		{"legacy PKCS#8", legacy("PRIVATE KEY", pkcs8DER, x509.PEMCipherAES192)},
		{"after EC PARAMETERS", append(ecParams, pbes2PEM(t, pkcs8DER, pass, pbes2Spec{})...)},
	}
	for _, prf := range []string{"", oidHMACWithSHA1, oidHMACWithSHA224, oidHMACWithSHA256, oidHMACWithSHA384, oidHMACWithSHA512} {
		for _, c := range []string{oidAES128CBC, oidAES192CBC, oidAES256CBC, oidDESEDE3CBC} {
			cases = append(cases, struct {
				name string
				pem  []byte
			}{"PBES2 prf " + prf + " cipher " + c, pbes2PEM(t, pkcs8DER, pass, pbes2Spec{prf: prf, cipher: c})})
		}
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			key, err := DecryptKey(tc.pem, pass)
			if err != nil {
				t.Fatalf("DecryptKey: %v", err)
			}
			if !keyMatches(key, w.issuingKey.Public()) {
				t.Fatal("wrong key")
			}
			if _, err := DecryptKey(tc.pem, pass+"x"); !errors.Is(err, ErrIncorrectPassphrase) {
				t.Fatalf("wrong passphrase: got %v, want ErrIncorrectPassphrase", err)
			}
		})
	}
}

func TestDecryptKeyFaults(t *testing.T) {
	w := fixture(t)
	const pass = "s3cret"
	pkcs8DER, err := x509.MarshalPKCS8PrivateKey(w.issuingKey)
	if err != nil {
		t.Fatal(err)
	}
	// A well-formed PKCS#8 wrapper of an algorithm Go does not parse (DSA).
	dsa, err := asn1.Marshal(struct {
		Version    int
		Algorithm  pkix.AlgorithmIdentifier
		PrivateKey []byte
	}{0, pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 10040, 4, 1}}, []byte{2, 1, 1}})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		pem  []byte
		is   error  // errors.Is target, or nil
		text string // substring of the error otherwise
	}{
		{"unencrypted PKCS#8", keyPEM(t, w.issuingKey), ErrNotEncrypted, ""},
		{"no key", certPEM(w.issuingCA), ErrNoPrivateKey, ""},
		{"not PEM", []byte("hello"), ErrNoPrivateKey, ""},
		{"garbage plaintext", pbes2PEM(t, []byte("not a key at all"), pass, pbes2Spec{}), ErrIncorrectPassphrase, ""},
		{"unparsable key type", pbes2PEM(t, dsa, pass, pbes2Spec{}), nil, "parse decrypted key"},
		{"PBES1", pbes2PEM(t, pkcs8DER, pass, pbes2Spec{scheme: "1.2.840.113549.1.5.10"}), nil, "only PKCS#5 v2"},
		{"scrypt", pbes2PEM(t, pkcs8DER, pass, pbes2Spec{kdf: "1.3.6.1.4.1.11591.4.11"}), nil, "only PBKDF2"},
		{"unknown PRF", pbes2PEM(t, pkcs8DER, pass, pbes2Spec{prf: "1.2.840.113549.2.5"}), nil, "unsupported PBKDF2 PRF"},
		{"unknown cipher", pbes2PEM(t, pkcs8DER, pass, pbes2Spec{cipher: "2.16.840.1.101.3.4.1.46"}), nil, "unsupported PBES2 encryption scheme"},
		{"zero iterations", pbes2PEM(t, pkcs8DER, pass, pbes2Spec{iterations: -1}), nil, "iteration count 0"},
		{"too many iterations", pbes2PEM(t, pkcs8DER, pass, pbes2Spec{iterations: maxKeyIterations + 1}), nil, "iteration count"},
		{"key length mismatch", pbes2PEM(t, pkcs8DER, pass, pbes2Spec{keyLength: 16}), nil, "key length 16"},
		{"short IV", pbes2PEM(t, pkcs8DER, pass, pbes2Spec{ivLen: 8}), nil, "IV"},
		{"truncated ciphertext", pbes2PEM(t, pkcs8DER, pass, pbes2Spec{truncate: 3}), nil, "ciphertext"},
		{"DSA legacy", []byte("-----BEGIN DSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00000000000000000000000000000000\n\nAAAAAAAAAAAAAAAAAAAAAA==\n-----END DSA PRIVATE KEY-----\n"), nil, "unsupported private key PEM type"},
		{"legacy unknown cipher", []byte("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: CAMELLIA-128-CBC,00000000000000000000000000000000\n\nAAAAAAAAAAAAAAAAAAAAAA==\n-----END RSA PRIVATE KEY-----\n"), nil, "legacy encrypted PEM key"},
		{"malformed", pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{0x30, 0x03, 1, 2, 3}}), nil, "malformed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecryptKey(tc.pem, pass)
			if err != nil && strings.Contains(err.Error(), pass) {
				t.Fatalf("error %q shows the passphrase", err)
			}
			switch {
			case err == nil:
				t.Fatal("DecryptKey succeeded")
			case tc.is != nil && !errors.Is(err, tc.is):
				t.Fatalf("got %v, want %v", err, tc.is)
			case tc.is == nil && (!strings.Contains(err.Error(), tc.text) || errors.Is(err, ErrIncorrectPassphrase)):
				t.Fatalf("got %q, want it to contain %q", err, tc.text)
			}
		})
	}
}

// pbes2Spec varies the encrypted PKCS#8 that pbes2PEM builds; zero values
// mean OpenSSL's defaults (HMAC-SHA256, AES-256-CBC).
type pbes2Spec struct {
	scheme, kdf, prf, cipher string
	iterations               int // -1 for 0
	keyLength, ivLen         int
	truncate                 int // bytes cut off the ciphertext
}

// pbes2PEM is encodePBES2 for tests.
func pbes2PEM(t *testing.T, plain []byte, pass string, s pbes2Spec) []byte {
	t.Helper()
	out, err := encodePBES2(plain, pass, s)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// encodePBES2 encrypts plain as PKCS#8 PBES2 per spec, independently of
// EncryptKey, with 3 iterations to keep tests fast.
func encodePBES2(plain []byte, pass string, s pbes2Spec) ([]byte, error) {
	if s.scheme == "" {
		s.scheme = oidPBES2
	}
	if s.kdf == "" {
		s.kdf = oidPBKDF2
	}
	if s.cipher == "" {
		s.cipher = oidAES256CBC
	}
	iterations := 3
	switch s.iterations {
	case 0:
	case -1:
		iterations = 0
	default:
		iterations = s.iterations
	}
	keyLen, blockSize, newBlock := 32, aes.BlockSize, aes.NewCipher
	switch s.cipher {
	case oidAES128CBC:
		keyLen = 16
	case oidAES192CBC:
		keyLen = 24
	case oidDESEDE3CBC:
		keyLen, blockSize, newBlock = 24, des.BlockSize, des.NewTripleDESCipher
	}
	prf, err := prfFor(s.prf)
	if err != nil {
		prf, _ = prfFor("")
	}
	salt := []byte("saltsalt")
	// Out-of-range counts are refused before any derivation: derive cheaply.
	derived, err := pbkdf2.Key(prf, pass, salt, min(max(iterations, 1), 3), keyLen)
	if err != nil {
		return nil, err
	}
	block, err := newBlock(derived)
	if err != nil {
		return nil, err
	}
	iv := make([]byte, blockSize)
	data := pad(plain, blockSize)
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(data, data)
	data = data[:len(data)-s.truncate]
	if s.ivLen != 0 {
		iv = iv[:s.ivLen]
	}
	params := pbkdf2Params{Salt: salt, IterationCount: iterations, KeyLength: s.keyLength}
	if s.prf != "" {
		params.PRF = algorithm(s.prf, asn1.NullBytes)
	}
	kdf, err := asn1.Marshal(params)
	if err != nil {
		return nil, err
	}
	ivDER, err := asn1.Marshal(iv)
	if err != nil {
		return nil, err
	}
	pbes2, err := asn1.Marshal(pbes2Params{
		KeyDerivationFunc: algorithm(s.kdf, kdf),
		EncryptionScheme:  algorithm(s.cipher, ivDER),
	})
	if err != nil {
		return nil, err
	}
	info, err := asn1.Marshal(encryptedPrivateKeyInfo{Algorithm: algorithm(s.scheme, pbes2), EncryptedData: data})
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: info}), nil
}

func TestNewPassphrase(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		p, err := NewPassphrase(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if len(p) != PassphraseLength || strings.Trim(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
			t.Fatalf("passphrase of length %d with characters outside the URL-safe alphabet", len(p))
		}
		if seen[p] {
			t.Fatal("repeated passphrase")
		}
		seen[p] = true
	}
}

func TestObjectID(t *testing.T) {
	for _, s := range []string{oidPBES2, oidAES256CBC, oidHMACWithSHA512} {
		if got := objectID(s).String(); got != s {
			t.Errorf("objectID(%q) = %s", s, got)
		}
	}
}
