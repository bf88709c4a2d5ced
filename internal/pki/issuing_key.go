package pki

import (
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// parseIssuingKey validates lb-mgmt-issuing-ca-private-key against the
// passphrase and the issuing CA certificates, and returns the key's PEM
// block, still encrypted.
func parseIssuingKey(value, passphrase string, cas []*x509.Certificate) (*pem.Block, error) {
	blocks, problem := decodeOption(value)
	if problem != "" {
		return nil, optionError(OptionIssuingCAKey, problem)
	}
	keys := selectBlocks(blocks, isPrivateKeyBlock)
	switch {
	case len(keys) == 0:
		return nil, optionError(OptionIssuingCAKey, "holds no PEM private key")
	case len(keys) > 1:
		return nil, optionError(OptionIssuingCAKey, fmt.Sprintf("holds %d private keys; expected one", len(keys)))
	case !isEncryptedBlock(keys[0]):
		return nil, optionError(OptionIssuingCAKey, ErrNotEncrypted.Error())
	}
	if problem := checkPassphrase(passphrase); problem != "" {
		return nil, optionError(OptionIssuingCAKeyPassphrase, problem)
	}
	key, err := decryptBlock(keys[0], passphrase)
	switch {
	case errors.Is(err, ErrIncorrectPassphrase):
		return nil, optionError(OptionIssuingCAKey, ErrIncorrectPassphrase.Error())
	case err != nil:
		return nil, optionError(OptionIssuingCAKey, "cannot decrypt the key: "+err.Error())
	}
	if _, ok := key.(ed25519.PrivateKey); ok {
		return nil, optionError(OptionIssuingCAKey, "is an Ed25519 key, which Octavia cannot sign amphora certificates with (it signs with SHA-256); use RSA or ECDSA")
	}
	for i, ca := range cas {
		if !keyMatches(key, ca.PublicKey) {
			continue
		}
		if i > 0 {
			return nil, optionError(OptionIssuingCAKey, fmt.Sprintf("key matches certificate %d of %s; the issuing CA must come first", i+1, OptionIssuingCACert))
		}
		return keys[0], nil
	}
	return nil, optionError(OptionIssuingCAKey, "key does not match the certificate in "+OptionIssuingCACert)
}

// checkPassphrase reports a passphrase that octavia.conf cannot carry.
func checkPassphrase(passphrase string) string {
	if strings.IndexFunc(passphrase, unicode.IsControl) >= 0 {
		return "contains a line break or other control character, which octavia.conf cannot hold"
	}
	return ""
}
