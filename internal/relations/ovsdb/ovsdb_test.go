package ovsdb

import (
	"reflect"
	"strings"
	"testing"

	"charm-octavia/internal/relations"
)

func TestParseSubordinate(t *testing.T) {
	ep := func(b relations.Bag) relations.Endpoint {
		return relations.Endpoint{{ID: "ovsdb-subordinate:6", RemoteApp: "ovn-chassis-octavia",
			Units: map[string]relations.Bag{"ovn-chassis-octavia/0": b}}}
	}
	tests := []struct {
		name      string
		e         relations.Endpoint
		want      Chassis
		readiness relations.Readiness
	}{
		{"no relation", nil, Chassis{}, relations.Missing},
		{"related, not joined", relations.Endpoint{{ID: "ovsdb-subordinate:6"}}, Chassis{}, relations.Missing},
		{"joined, nothing yet", ep(relations.Bag{"private-address": "10.0.0.11"}), Chassis{}, relations.Ready},
		{"§16", ep(relations.Bag{"chassis-name": `"juju-3f2a1b-0.maas"`, "ovn-configured": "true"}),
			Chassis{Name: "juju-3f2a1b-0.maas", OVNConfigured: true}, relations.Ready},
		{"OVN not configured yet", ep(relations.Bag{"chassis-name": `"juju-3f2a1b-0.maas"`, "ovn-configured": "false"}),
			Chassis{Name: "juju-3f2a1b-0.maas"}, relations.Ready},
		{"raw values tolerated", ep(relations.Bag{"chassis-name": "node1", "ovn-configured": "True"}),
			Chassis{Name: "node1", OVNConfigured: true}, relations.Ready},
		{"JSON null", ep(relations.Bag{"chassis-name": "null", "ovn-configured": "null"}), Chassis{}, relations.Ready},
		{"garbage chassis name", ep(relations.Bag{"chassis-name": `"a b/c"`, "ovn-configured": "true"}),
			Chassis{Reason: "chassis-name is not a host name"}, relations.Incomplete},
		{"non-string JSON chassis name", ep(relations.Bag{"chassis-name": `{"x":1}`}),
			Chassis{Reason: "chassis-name is not a host name"}, relations.Incomplete},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, r := ParseSubordinate(tt.e)
			if got != tt.want || r != tt.readiness {
				t.Errorf("ParseSubordinate = %+v, %v; want %+v, %v", got, r, tt.want, tt.readiness)
			}
		})
	}
}

func TestParseCMS(t *testing.T) {
	ep := func(units map[string]relations.Bag) relations.Endpoint {
		return relations.Endpoint{{ID: "ovsdb-cms:8", RemoteApp: "ovn-central", Units: units}}
	}
	tests := []struct {
		name      string
		e         relations.Endpoint
		addresses []string
		readiness relations.Readiness
		reason    string
		nb, sb    string
	}{
		{name: "no relation", readiness: relations.Missing},
		{name: "related, not joined", e: relations.Endpoint{{ID: "ovsdb-cms:8"}}, readiness: relations.Missing},
		{
			name: "§11 worked example",
			e: ep(map[string]relations.Bag{
				"ovn-central/2": {"bound-address": `"10.0.0.33"`},
				"ovn-central/0": {"bound-address": `"10.0.0.31"`},
				"ovn-central/1": {"bound-address": `"10.0.0.32"`},
			}),
			addresses: []string{"10.0.0.31", "10.0.0.32", "10.0.0.33"},
			readiness: relations.Ready,
			nb:        "ssl:10.0.0.31:6641,ssl:10.0.0.32:6641,ssl:10.0.0.33:6641",
			sb:        "ssl:10.0.0.31:6642,ssl:10.0.0.32:6642,ssl:10.0.0.33:6642",
		},
		{
			name: "one unit has not published yet",
			e: ep(map[string]relations.Bag{
				"ovn-central/0": {"bound-address": `"10.0.0.31"`},
				"ovn-central/1": {"private-address": "10.0.0.32"},
				"ovn-central/2": {"bound-address": `"10.0.0.33"`},
			}),
			addresses: []string{"10.0.0.31", "10.0.0.33"},
			readiness: relations.Incomplete,
			reason:    "no bound-address from ovn-central/1",
		},
		{
			name: "IPv6 central",
			e: ep(map[string]relations.Bag{
				"ovn-central/0": {"bound-address": `"fd00::31"`},
				"ovn-central/1": {"bound-address": `"fd00::32"`},
			}),
			addresses: []string{"fd00::31", "fd00::32"},
			readiness: relations.Ready,
			nb:        "ssl:[fd00::31]:6641,ssl:[fd00::32]:6641",
			sb:        "ssl:[fd00::31]:6642,ssl:[fd00::32]:6642",
		},
		{
			name:      "raw address tolerated",
			e:         ep(map[string]relations.Bag{"ovn-central/0": {"bound-address": "10.0.0.31"}}),
			addresses: []string{"10.0.0.31"},
			readiness: relations.Ready,
			nb:        "ssl:10.0.0.31:6641",
			sb:        "ssl:10.0.0.31:6642",
		},
		{
			name: "garbage address",
			e: ep(map[string]relations.Bag{
				"ovn-central/0": {"bound-address": `"10.0.0.31"`},
				"ovn-central/1": {"bound-address": `"10.0.0.32,tcp:6.6.6.6"`},
			}),
			addresses: []string{"10.0.0.31"},
			readiness: relations.Incomplete,
			reason:    "bound-address is not an address on ovn-central/1",
		},
		{
			name: "units ordered numerically",
			e: ep(map[string]relations.Bag{
				"ovn-central/10": {"bound-address": `"10.0.0.40"`},
				"ovn-central/9":  {"bound-address": `"10.0.0.39"`},
			}),
			addresses: []string{"10.0.0.39", "10.0.0.40"},
			readiness: relations.Ready,
			nb:        "ssl:10.0.0.39:6641,ssl:10.0.0.40:6641",
			sb:        "ssl:10.0.0.39:6642,ssl:10.0.0.40:6642",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, r := ParseCMS(tt.e)
			if r != tt.readiness {
				t.Fatalf("readiness = %v, want %v (reason %q)", r, tt.readiness, got.Reason)
			}
			if !reflect.DeepEqual(got.Addresses, tt.addresses) {
				t.Errorf("Addresses = %v, want %v", got.Addresses, tt.addresses)
			}
			if (tt.reason == "") != (got.Reason == "") || !strings.Contains(got.Reason, tt.reason) {
				t.Errorf("reason %q, want %q", got.Reason, tt.reason)
			}
			if r != relations.Ready {
				return
			}
			if nb := got.NorthboundConnection(); nb != tt.nb {
				t.Errorf("NorthboundConnection = %s, want %s", nb, tt.nb)
			}
			if sb := got.SouthboundConnection(); sb != tt.sb {
				t.Errorf("SouthboundConnection = %s, want %s", sb, tt.sb)
			}
		})
	}
}

func TestCMSRequest(t *testing.T) {
	tests := []struct {
		address string
		want    relations.Bag
	}{
		{"10.0.0.11", relations.Bag{"cms-client-bound-address": "10.0.0.11"}},
		{"fd00::11", relations.Bag{"cms-client-bound-address": "fd00::11"}},
		{"[fd00::11]", relations.Bag{"cms-client-bound-address": "fd00::11"}},
		{"", relations.Bag{}},
	}
	for _, tt := range tests {
		if got := CMSRequest(tt.address); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("CMSRequest(%q) = %v, want %v", tt.address, got, tt.want)
		}
	}
}
