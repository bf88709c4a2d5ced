package pki

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"time"
)

// The checks in this file return a problem phrased as a predicate ("expired
// on ..."), to follow "certificate" or "certificate 2 of 3" in an
// *OptionError, or "" when all is well. Certificates are public, so subjects
// and dates may appear in problems.

// certificateLabel names certificate i of n in a problem.
func certificateLabel(i, n int) string {
	if n == 1 {
		return "certificate"
	}
	return fmt.Sprintf("certificate %d of %d", i+1, n)
}

// timeStamp formats a certificate date for a problem.
func timeStamp(t time.Time) string {
	return t.UTC().Format(time.RFC3339)
}

// checkValidity reports a certificate that is not valid at now.
func checkValidity(cert *x509.Certificate, now time.Time) string {
	switch {
	case now.Before(cert.NotBefore):
		return "is not valid until " + timeStamp(cert.NotBefore)
	case now.After(cert.NotAfter):
		return "expired on " + timeStamp(cert.NotAfter)
	}
	return ""
}

// checkCA reports a certificate that cannot act as a CA for OpenSSL, which
// verifies the chains on both ends of the amphora agent's TLS.
func checkCA(cert *x509.Certificate) string {
	switch {
	case !cert.BasicConstraintsValid || !cert.IsCA:
		return "is not a CA certificate (basicConstraints CA:TRUE is missing)"
	case cert.KeyUsage != 0 && cert.KeyUsage&x509.KeyUsageCertSign == 0:
		return "is a CA whose key usage lacks keyCertSign"
	}
	return ""
}

// checkClientCert reports a certificate that cannot authenticate a TLS client
// (the controller) to an amphora.
func checkClientCert(cert *x509.Certificate) string {
	switch {
	case cert.BasicConstraintsValid && cert.IsCA:
		return "is a CA certificate; the controller needs an end-entity certificate signed by lb-mgmt-controller-cacert"
	case cert.KeyUsage != 0 && cert.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageKeyAgreement) == 0:
		return "has a key usage without digitalSignature, which TLS client authentication needs"
	case len(cert.ExtKeyUsage)+len(cert.UnknownExtKeyUsage) > 0 &&
		!slices.Contains(cert.ExtKeyUsage, x509.ExtKeyUsageClientAuth) &&
		!slices.Contains(cert.ExtKeyUsage, x509.ExtKeyUsageAny):
		return "has an extended key usage without clientAuth, so amphorae would refuse it"
	}
	return ""
}

// checkIssuedBy reports a certificate that none of cas signed; caOption names
// the option holding cas. A certificate signed by one of others (the issuing
// CA) gets a pointed problem, as that is the likely mix-up.
func checkIssuedBy(cert *x509.Certificate, cas []*x509.Certificate, caOption string, others []*x509.Certificate, otherOption string) string {
	var insecure x509.InsecureAlgorithmError
	for _, ca := range cas {
		err := cert.CheckSignatureFrom(ca)
		if errors.As(err, &insecure) {
			return fmt.Sprintf("is signed with %v, an insecure algorithm", x509.SignatureAlgorithm(insecure))
		}
		if err != nil {
			continue
		}
		if !bytes.Equal(cert.RawIssuer, ca.RawSubject) {
			return fmt.Sprintf("names issuer %q, but the %s CA that signed it is %q", cert.Issuer, caOption, ca.Subject)
		}
		return ""
	}
	for _, other := range others {
		if cert.CheckSignatureFrom(other) == nil {
			return fmt.Sprintf("is signed by %s, not by %s", otherOption, caOption)
		}
	}
	return fmt.Sprintf("is not signed by %s (its issuer is %q)", caOption, cert.Issuer)
}

// checkDistinctCAs reports a controller CA that shares a key or a subject
// with the issuing CA: amphorae would then accept other amphorae's
// certificates (Octavia issues them for client auth too) as controllers.
func checkDistinctCAs(issuing, controller []*x509.Certificate) string {
	const problem = "same CA as " + OptionIssuingCACert + " (%s): amphorae would accept amphora certificates as controllers; use two separate CAs"
	for _, c := range controller {
		for _, i := range issuing {
			if publicKeysEqual(c.PublicKey, i.PublicKey) {
				return fmt.Sprintf(problem, "same public key")
			}
			if bytes.Equal(c.RawSubject, i.RawSubject) {
				return fmt.Sprintf(problem, fmt.Sprintf("same subject %q", c.Subject))
			}
		}
	}
	return ""
}

// publicKeysEqual reports whether a and b are the same public key.
func publicKeysEqual(a, b crypto.PublicKey) bool {
	eq, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && eq.Equal(b)
}
