// Package openstackha speaks the openstack-ha interface on Octavia's cluster
// peer endpoint: every Octavia unit publishes its address on each network
// space, and reads its peers' addresses to build the haproxy backends.
//
// It was written against the peers class of
// openstack/charm-interface-openstack-ha and charms.openstack's update_peers
// and PeerHARelationAdapter, as used by the upstream Octavia charm and the
// other reactive OpenStack API charms
// (shared/reference/relation-interfaces.md §12). All keys are raw strings in
// the unit databag. State shared between units goes through leader settings
// and secrets, not this relation.
package openstackha

import (
	"sort"

	"charm-octavia/internal/relations"
)

const (
	keyAdmin    = "admin-address"
	keyInternal = "internal-address"
	keyPublic   = "public-address"
	keyPrivate  = "private-address"
	keyIngress  = "ingress-address"
)

// Addresses are this unit's addresses on the admin, internal and public
// bindings (or in os-{admin,internal,public}-network).
type Addresses struct {
	// Admin is the address on the admin binding.
	Admin string
	// Internal is the address on the internal binding.
	Internal string
	// Public is the address on the public binding.
	Public string
}

// Request returns what this unit publishes (§12): admin-address,
// internal-address and public-address, raw. An empty address is left out.
func Request(a Addresses) relations.Bag {
	b := relations.Bag{}
	for k, v := range map[string]string{keyAdmin: a.Admin, keyInternal: a.Internal, keyPublic: a.Public} {
		if v != "" {
			b[k] = v
		}
	}
	return b
}

// Peer is one other Octavia unit as seen on the cluster relation.
type Peer struct {
	// Unit is the peer's unit name, e.g. "octavia/1".
	Unit string
	// Private is private-address, or ingress-address when that is missing.
	Private string
	// Admin, Internal and Public are the peer's *-address values, each
	// falling back to Private when missing or not an address.
	Admin, Internal, Public string
}

// Parse returns the peers on the cluster endpoint sorted by unit name (app,
// then unit number). Every address is an IP address or host name: a peer
// without a usable private-address or ingress-address (cluster.available
// needs one) is left out, and a missing or malformed *-address falls back to
// the private one.
func Parse(e relations.Endpoint) []Peer {
	var peers []Peer
	seen := map[string]bool{}
	for _, u := range e.Units() {
		if seen[u.Name] {
			continue
		}
		private := address(u.Data, keyPrivate, "")
		if private == "" {
			private = address(u.Data, keyIngress, "")
		}
		if private == "" {
			continue
		}
		seen[u.Name] = true
		peers = append(peers, Peer{
			Unit:     u.Name,
			Private:  private,
			Admin:    address(u.Data, keyAdmin, private),
			Internal: address(u.Data, keyInternal, private),
			Public:   address(u.Data, keyPublic, private),
		})
	}
	sort.Slice(peers, func(i, j int) bool { return relations.UnitLess(peers[i].Unit, peers[j].Unit) })
	return peers
}

// address returns d[key] when it is an IP address or host name (IPv6
// without brackets), else fallback.
func address(d relations.Bag, key, fallback string) string {
	if v := d[key]; relations.ValidHost(v) {
		return relations.UnbracketHost(v)
	}
	return fallback
}
