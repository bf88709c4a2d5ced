package pki

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// DecryptKey decrypts the first private key PEM block in pemBytes with
// passphrase. It reads PKCS#8 "ENCRYPTED PRIVATE KEY" blocks encrypted with
// PBES2 (PBKDF2 with HMAC-SHA1/224/256/384/512; AES-128/192/256-CBC or
// DES-EDE3-CBC), as "openssl genpkey -aes256" and "openssl pkcs8 -topk8"
// write them, and legacy "Proc-Type: 4,ENCRYPTED" PEM keys ("openssl genrsa
// -aes256 -traditional", Python cryptography's TraditionalOpenSSL format).
//
// It returns [ErrNoPrivateKey] when there is no private key block,
// [ErrNotEncrypted] for a key without a passphrase and
// [ErrIncorrectPassphrase] when the passphrase is wrong.
func DecryptKey(pemBytes []byte, passphrase string) (crypto.PrivateKey, error) {
	for block, rest := pem.Decode(pemBytes); block != nil; block, rest = pem.Decode(rest) {
		if isPrivateKeyBlock(block) {
			return decryptBlock(block, passphrase)
		}
	}
	return nil, ErrNoPrivateKey
}

// decryptBlock decrypts one private key PEM block.
func decryptBlock(block *pem.Block, passphrase string) (crypto.PrivateKey, error) {
	switch {
	case block.Type == pemEncryptedPrivateKey:
		return decryptPKCS8(block.Bytes, passphrase)
	case isLegacyEncrypted(block):
		return decryptLegacy(block, passphrase)
	default:
		return nil, ErrNotEncrypted
	}
}

// decryptLegacy decrypts an OpenSSL "traditional" encrypted PEM key (RFC 1423
// headers, MD5-based key derivation). The format has no integrity check, which
// is why Go deprecates it, but old CA keys come this way and Octavia reads it.
func decryptLegacy(block *pem.Block, passphrase string) (crypto.PrivateKey, error) {
	parse, err := keyParser(block.Type)
	if err != nil {
		return nil, err
	}
	//lint:ignore SA1019 legacy encrypted PEM is still what older tools write.
	der, err := x509.DecryptPEMBlock(block, []byte(passphrase))
	if errors.Is(err, x509.IncorrectPasswordError) {
		return nil, ErrIncorrectPassphrase
	}
	if err != nil {
		return nil, fmt.Errorf("legacy encrypted PEM key: %w", err)
	}
	defer clear(der)
	key, err := parse(der)
	if err != nil {
		// The padding check passed by chance; the bytes are not a key.
		return nil, ErrIncorrectPassphrase
	}
	return key, nil
}

// isLegacyEncrypted reports whether block carries RFC 1423 encryption headers.
func isLegacyEncrypted(block *pem.Block) bool {
	return strings.Contains(block.Headers["Proc-Type"], "ENCRYPTED")
}

// isPrivateKeyBlock reports whether block holds a private key of any format.
func isPrivateKeyBlock(block *pem.Block) bool {
	return strings.HasSuffix(block.Type, "PRIVATE KEY")
}

// isEncryptedBlock reports whether a private key block needs a passphrase.
func isEncryptedBlock(block *pem.Block) bool {
	return block.Type == pemEncryptedPrivateKey || isLegacyEncrypted(block)
}

// parsePrivateKeyDER parses an unencrypted private key of the given PEM type.
func parsePrivateKeyDER(pemType string, der []byte) (crypto.PrivateKey, error) {
	parse, err := keyParser(pemType)
	if err != nil {
		return nil, err
	}
	return parse(der)
}

// keyParser returns the parser for an unencrypted private key PEM type.
func keyParser(pemType string) (func(der []byte) (crypto.PrivateKey, error), error) {
	switch pemType {
	case "PRIVATE KEY":
		return func(der []byte) (crypto.PrivateKey, error) { return x509.ParsePKCS8PrivateKey(der) }, nil
	case "RSA PRIVATE KEY":
		return func(der []byte) (crypto.PrivateKey, error) { return x509.ParsePKCS1PrivateKey(der) }, nil
	case "EC PRIVATE KEY":
		return func(der []byte) (crypto.PrivateKey, error) { return x509.ParseECPrivateKey(der) }, nil
	}
	return nil, fmt.Errorf("unsupported private key PEM type %q (supported: PRIVATE KEY, RSA PRIVATE KEY, EC PRIVATE KEY)", pemType)
}

// keyMatches reports whether priv is the private half of pub.
func keyMatches(priv crypto.PrivateKey, pub crypto.PublicKey) bool {
	signer, ok := priv.(crypto.Signer)
	if !ok {
		return false
	}
	public, ok := signer.Public().(interface{ Equal(crypto.PublicKey) bool })
	return ok && public.Equal(pub)
}
