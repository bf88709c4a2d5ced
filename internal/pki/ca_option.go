package pki

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"time"
)

// parseCAOption validates a CA certificate option (lb-mgmt-issuing-cacert or
// lb-mgmt-controller-cacert): one or more CA certificates, valid at now, and
// no private key (the controller CA file is copied into every amphora). It
// returns the certificate blocks, first one first, and the certificates.
func parseCAOption(name, value string, now time.Time) ([]*pem.Block, []*x509.Certificate, error) {
	blocks, problem := decodeOption(value)
	if problem != "" {
		return nil, nil, optionError(name, problem)
	}
	if len(selectBlocks(blocks, isPrivateKeyBlock)) > 0 {
		return nil, nil, optionError(name, "holds a private key; only CA certificates belong here")
	}
	certBlocks := selectBlocks(blocks, isCertificateBlock)
	if len(certBlocks) == 0 {
		return nil, nil, optionError(name, "holds no PEM CERTIFICATE block")
	}
	certs := make([]*x509.Certificate, len(certBlocks))
	for i, block := range certBlocks {
		label := certificateLabel(i, len(certBlocks))
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, nil, optionError(name, fmt.Sprintf("%s does not parse: %v", label, err))
		}
		for _, problem := range []string{checkCA(cert), checkValidity(cert, now)} {
			if problem != "" {
				return nil, nil, optionError(name, label+" "+problem)
			}
		}
		certs[i] = cert
	}
	return certBlocks, certs, nil
}
