package pki

import (
	"encoding/pem"
	"strings"
	"time"
)

// The five upstream config options for the amphora control-plane PKI.
const (
	OptionIssuingCACert          = "lb-mgmt-issuing-cacert"
	OptionIssuingCAKey           = "lb-mgmt-issuing-ca-private-key"
	OptionIssuingCAKeyPassphrase = "lb-mgmt-issuing-ca-key-passphrase"
	OptionControllerCACert       = "lb-mgmt-controller-cacert"
	OptionControllerCert         = "lb-mgmt-controller-cert"
)

// Options are the five upstream lb-mgmt-* config options, raw as the
// operator set them: base64 of PEM, except the passphrase, which is plain
// text.
type Options struct {
	// IssuingCACert is lb-mgmt-issuing-cacert: the issuing CA certificate,
	// optionally followed by its chain.
	IssuingCACert string
	// IssuingCAKey is lb-mgmt-issuing-ca-private-key: the issuing CA's
	// passphrase protected private key.
	IssuingCAKey string
	// IssuingCAKeyPassphrase is lb-mgmt-issuing-ca-key-passphrase.
	IssuingCAKeyPassphrase string
	// ControllerCACert is lb-mgmt-controller-cacert: the CA certificate
	// amphorae validate controllers with, optionally followed by its chain.
	ControllerCACert string
	// ControllerCert is lb-mgmt-controller-cert: the controller certificate
	// and its unencrypted key.
	ControllerCert string
}

// option is one config option's name and value.
type option struct {
	name, value string
}

// list returns the options in the order upstream documents them.
func (o Options) list() []option {
	return []option{
		{OptionIssuingCACert, o.IssuingCACert},
		{OptionIssuingCAKey, o.IssuingCAKey},
		{OptionIssuingCAKeyPassphrase, o.IssuingCAKeyPassphrase},
		{OptionControllerCACert, o.ControllerCACert},
		{OptionControllerCert, o.ControllerCert},
	}
}

// isSet reports whether an option value is more than whitespace.
func isSet(value string) bool {
	return strings.TrimSpace(value) != ""
}

// Empty reports whether none of the five options is set: the charm then
// generates its own PKI.
func (o Options) Empty() bool {
	for _, opt := range o.list() {
		if isSet(opt.value) {
			return false
		}
	}
	return true
}

// checkComplete reports the first unset option unless all five are set.
func (o Options) checkComplete() error {
	problem := "unset"
	if !o.Empty() {
		problem = "unset while other lb-mgmt-* options are set"
	}
	for _, opt := range o.list() {
		if !isSet(opt.value) {
			return optionError(opt.name, problem)
		}
	}
	return nil
}

// FromOptions validates operator-supplied material and returns it as a
// Bundle ready to render. It checks everything Octavia's worker would
// otherwise trip over at amphora build time: all five options set, each
// decodes and parses, both CA options hold CA certificates and no private
// key, the two CAs are distinct, the issuing CA key is passphrase protected,
// decrypts with the passphrase and matches the issuing CA, the controller
// bundle holds one certificate and its unencrypted key, signed by the
// controller CA and fit for TLS client authentication, and every certificate
// is valid at now.
//
// A fault is an *OptionError naming the option; call it only when
// [Options.Empty] is false. The bundle holds only the PEM blocks that
// matter, re-encoded, with the controller certificate before its key.
func FromOptions(o Options, now time.Time) (Bundle, error) {
	if err := o.checkComplete(); err != nil {
		return Bundle{}, err
	}
	issuingBlocks, issuingCAs, err := parseCAOption(OptionIssuingCACert, o.IssuingCACert, now)
	if err != nil {
		return Bundle{}, err
	}
	keyBlock, err := parseIssuingKey(o.IssuingCAKey, o.IssuingCAKeyPassphrase, issuingCAs)
	if err != nil {
		return Bundle{}, err
	}
	controllerCABlocks, controllerCAs, err := parseCAOption(OptionControllerCACert, o.ControllerCACert, now)
	if err != nil {
		return Bundle{}, err
	}
	if problem := checkDistinctCAs(issuingCAs, controllerCAs); problem != "" {
		return Bundle{}, optionError(OptionControllerCACert, problem)
	}
	certBlock, certKeyBlock, err := parseControllerCert(o.ControllerCert, controllerCAs, issuingCAs, now)
	if err != nil {
		return Bundle{}, err
	}
	return Bundle{
		IssuingCACert:       encodeBlocks(issuingBlocks),
		IssuingCAKey:        pem.EncodeToMemory(keyBlock),
		IssuingCAPassphrase: o.IssuingCAKeyPassphrase,
		ControllerCACert:    encodeBlocks(controllerCABlocks),
		ControllerCert:      pem.EncodeToMemory(certBlock),
		ControllerKey:       pem.EncodeToMemory(certKeyBlock),
	}, nil
}
