package pki

import (
	"encoding/base64"
	"fmt"
	"io"
)

// PassphraseLength is the length of the passphrases [NewPassphrase] makes.
// Octavia's [certificates] server_certs_key_passphrase must be exactly 32
// characters from the URL-safe base64 alphabet; the same shape serves the
// issuing CA key's passphrase.
const PassphraseLength = 32

// NewPassphrase returns PassphraseLength URL-safe base64 characters
// (A-Z a-z 0-9 - _) drawn from rand: 192 bits of entropy. The alphabet needs
// no quoting or escaping in octavia.conf.
func NewPassphrase(rand io.Reader) (string, error) {
	raw := make([]byte, base64.RawURLEncoding.DecodedLen(PassphraseLength))
	if _, err := io.ReadFull(rand, raw); err != nil {
		return "", fmt.Errorf("read random bytes for a passphrase: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(raw), nil
}
