// Package relations holds the snapshot of relation data that one reconcile
// pass reads, and the small helpers every interface package shares.
//
// Each relation interface the charm speaks has its own sub-package
// (mysqlshared, rabbitmq, keystone, ...): it parses what the remote side
// publishes out of a Relation and builds what this unit publishes, exactly as
// the real provider charms expect (see shared/reference/relation-interfaces.md).
package relations

import (
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Bag is one relation databag: string keys to string values, as Juju stores them.
type Bag map[string]string

// Relation is what this unit knows of one relation (one relation id).
type Relation struct {
	// ID is the Juju relation id, e.g. "shared-db:12".
	ID string `json:"id"`
	// RemoteApp is the name of the application on the other side.
	RemoteApp string `json:"remote-app,omitempty"`
	// App is the remote application's databag.
	App Bag `json:"app,omitempty"`
	// Units holds each remote unit's databag, keyed by unit name ("mysql-router/0").
	Units map[string]Bag `json:"units,omitempty"`
	// Local is this unit's own databag as last published.
	Local Bag `json:"local,omitempty"`
	// LocalApp is this application's databag as last published (leader only writes it).
	LocalApp Bag `json:"local-app,omitempty"`
}

// UnitNames returns the remote unit names in a stable order (by name, then unit number).
func (r Relation) UnitNames() []string {
	names := make([]string, 0, len(r.Units))
	for n := range r.Units {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return UnitLess(names[i], names[j]) })
	return names
}

// First returns the first non-empty value of key among the remote units, in
// UnitNames order, and whether one was found. This is how the reactive
// RelationBase.get_remote reads a key "from any remote unit".
func (r Relation) First(key string) (string, bool) {
	for _, n := range r.UnitNames() {
		if v := r.Units[n][key]; v != "" {
			return v, true
		}
	}
	return "", false
}

// Endpoint is every relation of one endpoint, usually zero or one.
type Endpoint []Relation

// Joined reports whether at least one relation of the endpoint has a remote unit.
func (e Endpoint) Joined() bool {
	for _, r := range e {
		if len(r.Units) > 0 {
			return true
		}
	}
	return false
}

// Related reports whether the endpoint has any relation at all, joined or not.
func (e Endpoint) Related() bool { return len(e) > 0 }

// UnitLess orders unit names by application name and then numerically by
// unit number, so "app/10" sorts after "app/9".
func UnitLess(a, b string) bool {
	an, anum := splitUnit(a)
	bn, bnum := splitUnit(b)
	if an != bn {
		return an < bn
	}
	if anum != bnum {
		return anum < bnum
	}
	return a < b
}

func splitUnit(u string) (string, int) {
	for i := len(u) - 1; i >= 0; i-- {
		if u[i] == '/' {
			n := 0
			for _, c := range u[i+1:] {
				if c < '0' || c > '9' {
					return u, -1
				}
				n = n*10 + int(c-'0')
			}
			return u[:i], n
		}
	}
	return u, -1
}

// DecodeJSON reads a value the way reactive Endpoint readers do: JSON when it
// parses, else the raw string. It returns the decoded value.
func DecodeJSON(raw string) any {
	var v any
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		return raw
	}
	return v
}

// JSONString reads a value published with reactive to_publish: a JSON string
// ("\"octavia\"") yields octavia; a raw string is returned as it is.
func JSONString(raw string) string {
	var s string
	if err := json.Unmarshal([]byte(raw), &s); err == nil {
		return s
	}
	return raw
}

// EncodeJSON encodes a value as reactive to_publish does (json.dumps with
// sorted keys; Go's encoder sorts map keys).
func EncodeJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		// Only values that cannot be encoded (channels, funcs) fail; callers
		// pass strings, lists and maps.
		panic("relations: encode JSON: " + err.Error())
	}
	return string(b)
}

// Readiness says how far a required relation has come, for workload status.
type Readiness int

const (
	// Missing: no remote unit has joined; the status says "'<endpoint>' missing" (blocked).
	Missing Readiness = iota
	// Incomplete: joined, but the remote side has not published all it must;
	// the status says "'<endpoint>' incomplete" (waiting).
	Incomplete
	// Ready: everything the charm needs from the relation is there.
	Ready
)

// String names the readiness for logs and tests.
func (r Readiness) String() string {
	switch r {
	case Missing:
		return "missing"
	case Incomplete:
		return "incomplete"
	case Ready:
		return "ready"
	}
	return "unknown"
}

// RemoteUnit is one remote unit's databag together with the relation it was
// read from.
type RemoteUnit struct {
	// RelationID is the Juju relation id the unit was seen on.
	RelationID string
	// Name is the unit name, e.g. "rabbitmq-server/0".
	Name string
	// Data is the unit's databag; it may be nil.
	Data Bag
}

// Units returns every remote unit of the endpoint: relations in the order
// the endpoint holds them, units of each relation in UnitNames order.
func (e Endpoint) Units() []RemoteUnit {
	var units []RemoteUnit
	for _, r := range e {
		for _, n := range r.UnitNames() {
			units = append(units, RemoteUnit{RelationID: r.ID, Name: n, Data: r.Units[n]})
		}
	}
	return units
}

// First returns the first non-empty value of key among all remote units of
// all relations of the endpoint (relations in order, then Relation.First
// order), and whether one was found.
func (e Endpoint) First(key string) (string, bool) {
	for _, r := range e {
		if v, ok := r.First(key); ok {
			return v, true
		}
	}
	return "", false
}

// IsTrue reads a remote boolean the way the Python charms write them:
// "True" (Python str(True)), "true" (JSON) or "yes", in any letter case and
// with surrounding blanks ignored. Anything else, including "", is false.
func IsTrue(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "yes":
		return true
	}
	return false
}

// ValidHost reports whether s is an IP address (IPv6 optionally in brackets,
// no zone) or a DNS host name: labels of letters, digits, '-' and '_', each
// 1–63 characters, 253 characters at most, an optional final dot. A host that
// passes can be put into a URL or an OVSDB connection string as it is (after
// BracketHost), so remote garbage cannot change the meaning of what we render.
func ValidHost(s string) bool {
	if s == "" {
		return false
	}
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		inner := s[1 : len(s)-1]
		return strings.Contains(inner, ":") && net.ParseIP(inner) != nil
	}
	if net.ParseIP(s) != nil {
		return true
	}
	name := strings.TrimSuffix(s, ".")
	if name == "" || len(name) > 253 {
		return false
	}
	allDigits := true
	for _, label := range strings.Split(name, ".") {
		if len(label) == 0 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			switch {
			case c >= '0' && c <= '9':
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '-', c == '_':
				allDigits = false
			default:
				return false
			}
		}
	}
	// "10.0.0" or "300.1.1.1" look like broken addresses, not names.
	return !allDigits
}

// BracketHost returns host as it must appear in a URL or a host:port pair:
// an IPv6 address in brackets, anything else unchanged. A host already in
// brackets is returned as it is.
func BracketHost(host string) string {
	if strings.HasPrefix(host, "[") {
		return host
	}
	if strings.Contains(host, ":") {
		return "[" + host + "]"
	}
	return host
}

// UnbracketHost removes the brackets BracketHost adds, if any.
func UnbracketHost(host string) string {
	if len(host) >= 2 && host[0] == '[' && host[len(host)-1] == ']' {
		return host[1 : len(host)-1]
	}
	return host
}

// JoinHostPort is net.JoinHostPort that also accepts a host already in brackets.
func JoinHostPort(host, port string) string {
	return net.JoinHostPort(UnbracketHost(host), port)
}

// ParsePort reads a TCP port number: decimal digits only, 1–65535.
func ParsePort(s string) (int, bool) {
	if s == "" || len(s) > 5 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 {
		return 0, false
	}
	return n, true
}

// DecodeBase64PEM decodes certificate or key material that a provider
// published as base64 of PEM text (the form keystone, rabbitmq-server and
// mysql use). Raw PEM text is accepted as it is. Whitespace and line breaks
// inside the base64 are ignored, and missing padding is tolerated. The result
// must contain at least one PEM block.
//
// Errors never quote the value, which may be a private key.
func DecodeBase64PEM(s string) ([]byte, error) {
	trimmed := strings.TrimSpace(s)
	if trimmed == "" {
		return nil, errors.New("empty value")
	}
	var out []byte
	if strings.HasPrefix(trimmed, "-----BEGIN ") {
		out = []byte(strings.TrimLeft(s, " \t\r\n"))
	} else {
		compact := strings.Map(func(r rune) rune {
			switch r {
			case ' ', '\t', '\r', '\n':
				return -1
			}
			return r
		}, trimmed)
		var err error
		out, err = base64.StdEncoding.DecodeString(compact)
		if err != nil {
			out, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(compact, "="))
		}
		if err != nil {
			return nil, fmt.Errorf("not base64 (%d characters)", len(compact))
		}
	}
	if block, _ := pem.Decode(out); block == nil {
		return nil, fmt.Errorf("no PEM block in %d decoded bytes", len(out))
	}
	return out, nil
}

// PercentEncode escapes every byte of s except the RFC 3986 unreserved
// characters (A–Z a–z 0–9 - . _ ~) as %XX. The result is safe as the user
// or password part of a URL that Python's urllib.parse.unquote (oslo.messaging)
// or SQLAlchemy's URL parser reads back, and it holds no '$', so oslo.config
// does not try to interpolate it.
func PercentEncode(s string) string {
	return percentEncode(s, "")
}

// PercentEncodePath is PercentEncode that also leaves '/' alone, for file
// paths carried in a URL query.
func PercentEncodePath(s string) string {
	return percentEncode(s, "/")
}

func percentEncode(s, keep string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' || strings.IndexByte(keep, c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// PythonJSONString encodes s exactly as Python's json.dumps(s) does (the
// default ensure_ascii=True): reactive to_publish values compare byte for
// byte with what the Python charm published. Unlike encoding/json, '<', '>'
// and '&' stay literal and every non-ASCII character becomes \uXXXX
// (a surrogate pair above U+FFFF). Invalid UTF-8 becomes \ufffd.
func PythonJSONString(s string) string {
	const hex = "0123456789abcdef"
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	u4 := func(r rune) {
		b.WriteString(`\u`)
		b.WriteByte(hex[r>>12&15])
		b.WriteByte(hex[r>>8&15])
		b.WriteByte(hex[r>>4&15])
		b.WriteByte(hex[r&15])
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r >= ' ' && r <= '~':
			b.WriteRune(r)
		case r > 0xFFFF:
			r -= 0x10000
			u4(0xD800 | (r>>10)&0x3FF)
			u4(0xDC00 | r&0x3FF)
		default:
			u4(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
