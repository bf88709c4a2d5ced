package pki

// OptionError reports a fault in one of the lb-mgmt-* config options. It names
// the option and what is wrong with it, never any of the material it holds, so
// it is safe to show in a workload status or a log.
type OptionError struct {
	// Option is the config option at fault, for example
	// "lb-mgmt-issuing-ca-private-key".
	Option string
	// Problem says what is wrong, for example
	// "passphrase does not decrypt the key".
	Problem string
}

// Error returns "option: problem".
func (e *OptionError) Error() string {
	return e.Option + ": " + e.Problem
}

// KeyError is a fault found while decrypting a private key. Its values are
// constants so that callers can test for them with errors.Is.
type KeyError string

// Error returns the fault's description.
func (e KeyError) Error() string {
	return string(e)
}

const (
	// ErrNotEncrypted is returned by [DecryptKey] for a key that is not
	// passphrase protected.
	ErrNotEncrypted KeyError = "key is not passphrase protected"
	// ErrIncorrectPassphrase is returned by [DecryptKey] when the passphrase
	// does not decrypt the key.
	ErrIncorrectPassphrase KeyError = "passphrase does not decrypt the key"
	// ErrNoPrivateKey is returned by [DecryptKey] when the input holds no
	// PEM private key block.
	ErrNoPrivateKey KeyError = "no PEM private key found"
)

// optionError is shorthand for an *OptionError.
func optionError(option, problem string) *OptionError {
	return &OptionError{Option: option, Problem: problem}
}
