package pki

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"hash"
)

// PKCS#5 v2.1 (RFC 8018) structures and algorithm identifiers for PBES2 with
// PBKDF2, the encryption of PKCS#8 "ENCRYPTED PRIVATE KEY" blocks written by
// OpenSSL 1.1+ (genpkey -aes256, pkcs8 -topk8) and Python cryptography.

// Object identifiers, in dotted form so that they can be constants.
const (
	oidPBES2          = "1.2.840.113549.1.5.13"
	oidPBKDF2         = "1.2.840.113549.1.5.12"
	oidHMACWithSHA1   = "1.2.840.113549.2.7"
	oidHMACWithSHA224 = "1.2.840.113549.2.8"
	oidHMACWithSHA256 = "1.2.840.113549.2.9"
	oidHMACWithSHA384 = "1.2.840.113549.2.10"
	oidHMACWithSHA512 = "1.2.840.113549.2.11"
	oidAES128CBC      = "2.16.840.1.101.3.4.1.2"
	oidAES192CBC      = "2.16.840.1.101.3.4.1.22"
	oidAES256CBC      = "2.16.840.1.101.3.4.1.42"
	oidDESEDE3CBC     = "1.2.840.113549.3.7"
)

// encryptedPrivateKeyInfo is PKCS#8's EncryptedPrivateKeyInfo.
type encryptedPrivateKeyInfo struct {
	Algorithm     pkix.AlgorithmIdentifier
	EncryptedData []byte
}

// pbes2Params is PBES2-params.
type pbes2Params struct {
	KeyDerivationFunc pkix.AlgorithmIdentifier
	EncryptionScheme  pkix.AlgorithmIdentifier
}

// pbkdf2Params is PBKDF2-params with a specified (not otherSource) salt. An
// absent PRF means hmacWithSHA1.
type pbkdf2Params struct {
	Salt           []byte
	IterationCount int
	KeyLength      int                      `asn1:"optional"`
	PRF            pkix.AlgorithmIdentifier `asn1:"optional"`
}

// pbeCipher is a block cipher usable in CBC mode by PBES2.
type pbeCipher struct {
	name      string
	keyLen    int
	blockSize int // also the IV length
	newBlock  func(key []byte) (cipher.Block, error)
}

// pbeCipherFor returns the cipher an encryption scheme OID names.
func pbeCipherFor(oid string) (pbeCipher, error) {
	switch oid {
	case oidAES128CBC:
		return pbeCipher{"AES-128-CBC", 16, aes.BlockSize, aes.NewCipher}, nil
	case oidAES192CBC:
		return pbeCipher{"AES-192-CBC", 24, aes.BlockSize, aes.NewCipher}, nil
	case oidAES256CBC:
		return pbeCipher{"AES-256-CBC", 32, aes.BlockSize, aes.NewCipher}, nil
	case oidDESEDE3CBC:
		return pbeCipher{"DES-EDE3-CBC", 24, des.BlockSize, des.NewTripleDESCipher}, nil
	}
	return pbeCipher{}, fmt.Errorf("unsupported PBES2 encryption scheme %s (supported: AES-128/192/256-CBC, DES-EDE3-CBC)", oid)
}

// prfFor returns the hash of the HMAC a PBKDF2 PRF OID names; the empty OID
// is the default, hmacWithSHA1.
func prfFor(oid string) (func() hash.Hash, error) {
	switch oid {
	case "", oidHMACWithSHA1:
		return sha1.New, nil
	case oidHMACWithSHA224:
		return sha256.New224, nil
	case oidHMACWithSHA256:
		return sha256.New, nil
	case oidHMACWithSHA384:
		return sha512.New384, nil
	case oidHMACWithSHA512:
		return sha512.New, nil
	}
	return nil, fmt.Errorf("unsupported PBKDF2 PRF %s (supported: HMAC with SHA-1, SHA-224, SHA-256, SHA-384, SHA-512)", oid)
}

// objectID parses a dotted OID constant of this file.
func objectID(dotted string) asn1.ObjectIdentifier {
	var oid asn1.ObjectIdentifier
	n := 0
	for i := 0; i <= len(dotted); i++ {
		if i == len(dotted) || dotted[i] == '.' {
			oid = append(oid, n)
			n = 0
			continue
		}
		n = n*10 + int(dotted[i]-'0')
	}
	return oid
}

// algorithm returns an AlgorithmIdentifier with DER-encoded parameters.
func algorithm(dotted string, params []byte) pkix.AlgorithmIdentifier {
	return pkix.AlgorithmIdentifier{
		Algorithm:  objectID(dotted),
		Parameters: asn1.RawValue{FullBytes: params},
	}
}

// oidString is the dotted form of an OID, or "" for an absent one.
func oidString(oid asn1.ObjectIdentifier) string {
	if len(oid) == 0 {
		return ""
	}
	return oid.String()
}
