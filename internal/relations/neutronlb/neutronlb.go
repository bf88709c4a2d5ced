// Package neutronlb speaks the neutron-load-balancer interface on Octavia's
// neutron-api endpoint, where Octavia is the requirer: it tells neutron-api
// where the Octavia API is and reads whether Neutron says it is ready.
//
// It was written against the provider charm-neutron-api
// (neutron_load_balancer_relation_joined/changed, NeutronLoadBalancerContext)
// and the reactive requirer openstack/charm-interface-neutron-load-balancer
// the upstream charm uses (shared/reference/relation-interfaces.md §8).
// What Octavia publishes is JSON-encoded, which neutron-api insists on; what
// neutron-api publishes is raw.
package neutronlb

import "charm-octavia/internal/relations"

const keyReady = "neutron-api-ready"

// Request returns what this unit publishes (§8): name and base_url, each a
// JSON string exactly as Python's json.dumps writes it (name "octavia" goes
// on the wire as "octavia" with the quotes). neutron-api json.loads both and
// rejects raw strings with "Invalid load balancer data". baseURL is the
// internal canonical URL of the Octavia API, e.g. https://10.0.0.100:9876.
func Request(name, baseURL string) relations.Bag {
	return relations.Bag{
		"name":     relations.PythonJSONString(name),
		"base_url": relations.PythonJSONString(baseURL),
	}
}

// Neutron is what neutron-api said.
type Neutron struct {
	// Ready is true when a neutron-api unit published neutron-api-ready as
	// True (or true, yes).
	Ready bool
	// Seen is true when a neutron-api unit published neutron-api-ready at
	// all, whatever the value.
	Seen bool
}

// Parse reads the neutron-api endpoint.
//
// It reports Missing when no neutron-api unit has joined, Incomplete until
// one has published neutron-api-ready, and Ready from then on whatever the
// value, as upstream's neutron-api.available does; Neutron.Ready carries the
// value for a caller that wants to be stricter.
func Parse(e relations.Endpoint) (Neutron, relations.Readiness) {
	if !e.Joined() {
		return Neutron{}, relations.Missing
	}
	var n Neutron
	for _, u := range e.Units() {
		v, ok := u.Data[keyReady]
		if !ok {
			continue
		}
		n.Seen = true
		if relations.IsTrue(relations.JSONString(v)) {
			n.Ready = true
		}
	}
	if !n.Seen {
		return n, relations.Incomplete
	}
	return n, relations.Ready
}
