package neutronplugin

import (
	"strings"
	"testing"

	"charm-octavia/internal/relations"
)

func TestParse(t *testing.T) {
	ep := func(b relations.Bag) relations.Endpoint {
		return relations.Endpoint{{ID: "neutron-plugin:4", RemoteApp: "neutron-openvswitch-octavia",
			Units: map[string]relations.Bag{"neutron-openvswitch-octavia/0": b}}}
	}
	tests := []struct {
		name      string
		e         relations.Endpoint
		host      string
		readiness relations.Readiness
		reason    string
	}{
		{"no relation", nil, "", relations.Missing, ""},
		{"related, not joined", relations.Endpoint{{ID: "neutron-plugin:4"}}, "", relations.Missing, ""},
		{"joined with no data is ready", ep(relations.Bag{"private-address": "10.0.0.11"}), "", relations.Ready, ""},
		{"nil databag", ep(nil), "", relations.Ready, ""},
		{"FQDN hint", ep(relations.Bag{"host": "juju-3f2a1b-0.maas", "metadata-shared-secret": "x", "restart-nonce": "y"}), "juju-3f2a1b-0.maas", relations.Ready, ""},
		{"short host name", ep(relations.Bag{"host": "node1"}), "node1", relations.Ready, ""},
		{"garbage host", ep(relations.Bag{"host": "node1; rm -rf /"}), "", relations.Incomplete, "host is not a host name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, r := Parse(tt.e)
			if got.Host != tt.host || r != tt.readiness {
				t.Errorf("Parse = %+v, %v; want host %q, %v", got, r, tt.host, tt.readiness)
			}
			if (tt.reason == "") != (got.Reason == "") || !strings.Contains(got.Reason, tt.reason) {
				t.Errorf("reason %q, want %q", got.Reason, tt.reason)
			}
		})
	}
}
