package jujutest

import (
	"fmt"
	"strconv"
	"strings"
)

// Relation is one relation of the charm, with every data bag the charm can
// reach. For a peer relation RemoteApp is the charm's own application and
// the other units' bags are their LocalUnits entries.
type Relation struct {
	// ID is "<endpoint>:<number>", e.g. "shared-db:3".
	ID string `json:"id"`
	// Endpoint is the charm's endpoint ("shared-db", "cluster").
	Endpoint string `json:"endpoint"`
	// RemoteApp is the application at the other end.
	RemoteApp string `json:"remote-app"`
	// Peer is set for the charm's peer relation.
	Peer bool `json:"peer,omitempty"`
	// Broken relations are gone from relation-ids.
	Broken bool `json:"broken,omitempty"`
	// RemoteAppData is the remote application's bag.
	RemoteAppData map[string]string `json:"remote-app-data"`
	// RemoteUnits are the remote units in the relation, with their bags.
	RemoteUnits map[string]map[string]string `json:"remote-units"`
	// DepartedUnits left the relation; their bags stay readable.
	DepartedUnits map[string]map[string]string `json:"departed-units,omitempty"`
	// LocalAppData is the charm's application bag (the leader writes it).
	LocalAppData map[string]string `json:"local-app-data"`
	// LocalUnits are the charm's units' own bags.
	LocalUnits map[string]map[string]string `json:"local-units"`
}

// AddRelation adds a relation on endpoint with remoteApp and returns it;
// its id number is fresh in the model.
func (m *Model) AddRelation(endpoint, remoteApp string) *Relation {
	if endpoint == "" || !validAppName(remoteApp) {
		panic(fmt.Sprintf("jujutest: bad relation %q with %q", endpoint, remoteApp))
	}
	r := newRelation(fmt.Sprintf("%s:%d", endpoint, m.nextSeq()), endpoint, remoteApp)
	m.Relations[r.ID] = r
	return r
}

// AddPeerRelation adds the peer relation on endpoint, joined by every unit.
func (m *Model) AddPeerRelation(endpoint string) *Relation {
	r := m.AddRelation(endpoint, m.App)
	r.Peer = true
	for name := range m.Units {
		r.LocalUnits[name] = map[string]string{}
	}
	return r
}

func newRelation(id, endpoint, remoteApp string) *Relation {
	return &Relation{
		ID:            id,
		Endpoint:      endpoint,
		RemoteApp:     remoteApp,
		RemoteAppData: map[string]string{},
		RemoteUnits:   map[string]map[string]string{},
		DepartedUnits: map[string]map[string]string{},
		LocalAppData:  map[string]string{},
		LocalUnits:    map[string]map[string]string{},
	}
}

// Relation returns relation id, or nil.
func (m *Model) Relation(id string) *Relation { return m.Relations[id] }

// RelationsOn lists the live relations on endpoint, sorted by id.
func (m *Model) RelationsOn(endpoint string) []*Relation {
	var out []*Relation
	for _, id := range sortedKeys(m.Relations) {
		if r := m.Relations[id]; r.Endpoint == endpoint && !r.Broken {
			out = append(out, r)
		}
	}
	return out
}

// BreakRelation marks relation id broken (juju remove-relation): it leaves
// relation-ids, and the grants made on it lapse.
func (m *Model) BreakRelation(id string) {
	r := m.Relations[id]
	if r == nil {
		panic(fmt.Sprintf("jujutest: no relation %q", id))
	}
	r.Broken = true
	for _, s := range m.Secrets {
		kept := s.Grants[:0]
		for _, g := range s.Grants {
			if g.RelationID != id {
				kept = append(kept, g)
			}
		}
		s.Grants = kept
	}
}

// AddRemoteUnit adds a remote unit with its bag (nil for empty).
func (r *Relation) AddRemoteUnit(unit string, data map[string]string) *Relation {
	if unitApp(unit) != r.RemoteApp || !validUnitName(unit) {
		panic(fmt.Sprintf("jujutest: %q is not a unit of %q", unit, r.RemoteApp))
	}
	if r.Peer {
		panic("jujutest: a peer relation's units are the model's units")
	}
	r.RemoteUnits[unit] = copyMap(data)
	return r
}

// SetRemoteUnitData replaces a remote unit's bag.
func (r *Relation) SetRemoteUnitData(unit string, data map[string]string) *Relation {
	if _, ok := r.RemoteUnits[unit]; !ok {
		panic(fmt.Sprintf("jujutest: %q is not in relation %s", unit, r.ID))
	}
	r.RemoteUnits[unit] = copyMap(data)
	return r
}

// SetRemoteAppData replaces the remote application's bag.
func (r *Relation) SetRemoteAppData(data map[string]string) *Relation {
	r.RemoteAppData = copyMap(data)
	return r
}

// SetLocalUnitData replaces a local unit's own bag.
func (r *Relation) SetLocalUnitData(unit string, data map[string]string) *Relation {
	if !validUnitName(unit) {
		panic(fmt.Sprintf("jujutest: bad unit name %q", unit))
	}
	r.LocalUnits[unit] = copyMap(data)
	return r
}

// SetLocalAppData replaces the charm's application bag.
func (r *Relation) SetLocalAppData(data map[string]string) *Relation {
	r.LocalAppData = copyMap(data)
	return r
}

// DepartRemoteUnit takes a remote unit out of the relation; its bag stays
// readable, as in Juju.
func (r *Relation) DepartRemoteUnit(unit string) *Relation {
	bag, ok := r.RemoteUnits[unit]
	if !ok {
		panic(fmt.Sprintf("jujutest: %q is not in relation %s", unit, r.ID))
	}
	r.DepartedUnits[unit] = bag
	delete(r.RemoteUnits, unit)
	return r
}

// LocalUnitData returns a copy of a local unit's bag.
func (r *Relation) LocalUnitData(unit string) map[string]string {
	return copyMap(r.LocalUnits[unit])
}

// number is the integer part of the id.
func (r *Relation) number() int {
	n, _ := strconv.Atoi(r.ID[strings.LastIndex(r.ID, ":")+1:])
	return n
}

// members are the units relation-list shows to unit: the remote units, or
// for a peer relation the other units of the application.
func (r *Relation) members(unit string) []string {
	var out []string
	if r.Peer {
		for _, u := range sortedKeys(r.LocalUnits) {
			if u != unit {
				out = append(out, u)
			}
		}
		return out
	}
	return sortedKeys(r.RemoteUnits)
}
