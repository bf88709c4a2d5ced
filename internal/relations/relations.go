// Package relations holds the snapshot of relation data that one reconcile
// pass reads, and the small helpers every interface package shares.
//
// Each relation interface the charm speaks has its own sub-package
// (mysqlshared, rabbitmq, keystone, ...): it parses what the remote side
// publishes out of a Relation and builds what this unit publishes, exactly as
// the real provider charms expect (see shared/reference/relation-interfaces.md).
package relations

import (
	"encoding/json"
	"sort"
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
