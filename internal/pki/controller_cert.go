package pki

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"time"
)

// parseControllerCert validates lb-mgmt-controller-cert: exactly one
// certificate and its unencrypted private key, in either order; the
// certificate is an end-entity client certificate signed by one of
// controllerCAs and valid at now. It returns the certificate block and the
// key block.
func parseControllerCert(value string, controllerCAs, issuingCAs []*x509.Certificate, now time.Time) (*pem.Block, *pem.Block, error) {
	fail := func(problem string) (*pem.Block, *pem.Block, error) {
		return nil, nil, optionError(OptionControllerCert, problem)
	}
	blocks, problem := decodeOption(value)
	if problem != "" {
		return fail(problem)
	}
	certs := selectBlocks(blocks, isCertificateBlock)
	keys := selectBlocks(blocks, isPrivateKeyBlock)
	switch {
	case len(certs) == 0:
		return fail("holds no PEM certificate; expected the controller certificate followed by its key")
	case len(keys) == 0:
		return fail("holds no PEM private key; expected the controller certificate followed by its key")
	case len(certs) > 1:
		return fail(fmt.Sprintf("holds %d certificates; expected only the controller certificate and its key (CA certificates belong in %s)", len(certs), OptionControllerCACert))
	case len(keys) > 1:
		return fail(fmt.Sprintf("holds %d private keys; expected one", len(keys)))
	case isEncryptedBlock(keys[0]):
		return fail("private key is passphrase protected; Octavia needs it unencrypted here")
	}
	cert, err := x509.ParseCertificate(certs[0].Bytes)
	if err != nil {
		return fail(fmt.Sprintf("certificate does not parse: %v", err))
	}
	key, err := parsePrivateKeyDER(keys[0].Type, keys[0].Bytes)
	if err != nil {
		return fail(fmt.Sprintf("private key does not parse: %v", err))
	}
	if !keyMatches(key, cert.PublicKey) {
		return fail("private key does not match the certificate")
	}
	for _, problem := range []string{
		checkClientCert(cert),
		checkIssuedBy(cert, controllerCAs, OptionControllerCACert, issuingCAs, OptionIssuingCACert),
		checkValidity(cert, now),
	} {
		if problem != "" {
			return fail("certificate " + problem)
		}
	}
	return certs[0], keys[0], nil
}
