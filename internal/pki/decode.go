package pki

import (
	"encoding/base64"
	"encoding/pem"
	"strings"
	"unicode"
)

// decodeOption turns a raw lb-mgmt-* value into its PEM blocks. Upstream
// documents base64 of PEM; any base64 alphabet (standard or URL-safe, padded
// or not) is accepted, with whitespace and line breaks anywhere, as "base64"
// and "base64 -w0" both produce. A value that is already PEM is taken as is.
// The problem returned never quotes the value.
func decodeOption(value string) ([]*pem.Block, string) {
	value = strings.TrimSpace(value)
	data := []byte(value)
	if !strings.HasPrefix(value, "-----BEGIN ") {
		decoded, ok := decodeBase64(value)
		if !ok {
			return nil, "value is not valid base64"
		}
		data = decoded
	}
	var blocks []*pem.Block
	for block, rest := pem.Decode(data); block != nil; block, rest = pem.Decode(rest) {
		blocks = append(blocks, block)
	}
	if len(blocks) == 0 {
		return nil, "decoded value holds no PEM block"
	}
	return blocks, ""
}

// decodeBase64 decodes base64 in either alphabet, ignoring whitespace and
// padding.
func decodeBase64(value string) ([]byte, bool) {
	compact := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, value)
	compact = strings.TrimRight(compact, "=")
	encoding := base64.RawStdEncoding
	if strings.ContainsAny(compact, "-_") {
		encoding = base64.RawURLEncoding
	}
	decoded, err := encoding.DecodeString(compact)
	return decoded, err == nil
}

// selectBlocks returns the blocks for which keep is true.
func selectBlocks(blocks []*pem.Block, keep func(*pem.Block) bool) []*pem.Block {
	var out []*pem.Block
	for _, b := range blocks {
		if keep(b) {
			out = append(out, b)
		}
	}
	return out
}

// isCertificateBlock reports whether block holds an X.509 certificate.
func isCertificateBlock(block *pem.Block) bool {
	return block.Type == pemCertificate
}

// encodeBlocks re-encodes blocks as one PEM file.
func encodeBlocks(blocks []*pem.Block) []byte {
	var out []byte
	for _, b := range blocks {
		out = append(out, pem.EncodeToMemory(b)...)
	}
	return out
}
