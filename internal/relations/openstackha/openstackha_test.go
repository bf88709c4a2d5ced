package openstackha

import (
	"reflect"
	"testing"

	"charm-octavia/internal/relations"
)

func TestRequest(t *testing.T) {
	tests := []struct {
		name string
		a    Addresses
		want relations.Bag
	}{
		{"§16", Addresses{Admin: "10.0.0.11", Internal: "10.0.0.11", Public: "10.0.0.11"},
			relations.Bag{"admin-address": "10.0.0.11", "internal-address": "10.0.0.11", "public-address": "10.0.0.11"}},
		{"split networks, IPv6 public", Addresses{Admin: "10.1.0.11", Internal: "10.2.0.11", Public: "fd00::11"},
			relations.Bag{"admin-address": "10.1.0.11", "internal-address": "10.2.0.11", "public-address": "fd00::11"}},
		{"unknown admin address left out", Addresses{Internal: "10.2.0.11", Public: "10.3.0.11"},
			relations.Bag{"internal-address": "10.2.0.11", "public-address": "10.3.0.11"}},
		{"nothing", Addresses{}, relations.Bag{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Request(tt.a); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Request = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParse(t *testing.T) {
	ep := func(units map[string]relations.Bag) relations.Endpoint {
		return relations.Endpoint{{ID: "cluster:1", RemoteApp: "octavia", Units: units}}
	}
	tests := []struct {
		name string
		e    relations.Endpoint
		want []Peer
	}{
		{"no peers", nil, nil},
		{"peer relation, alone", relations.Endpoint{{ID: "cluster:1"}}, nil},
		{
			name: "§16: two peers, sorted numerically",
			e: ep(map[string]relations.Bag{
				"octavia/10": {"private-address": "10.0.0.20", "admin-address": "10.0.0.20", "internal-address": "10.0.0.20", "public-address": "10.0.0.20"},
				"octavia/2":  {"private-address": "10.0.0.13", "admin-address": "10.0.0.13", "internal-address": "10.0.0.13", "public-address": "10.0.0.13"},
			}),
			want: []Peer{
				{Unit: "octavia/2", Private: "10.0.0.13", Admin: "10.0.0.13", Internal: "10.0.0.13", Public: "10.0.0.13"},
				{Unit: "octavia/10", Private: "10.0.0.20", Admin: "10.0.0.20", Internal: "10.0.0.20", Public: "10.0.0.20"},
			},
		},
		{
			name: "peer that has not published its addresses yet",
			e:    ep(map[string]relations.Bag{"octavia/1": {"private-address": "10.0.0.12", "ingress-address": "10.0.0.12"}}),
			want: []Peer{{Unit: "octavia/1", Private: "10.0.0.12", Admin: "10.0.0.12", Internal: "10.0.0.12", Public: "10.0.0.12"}},
		},
		{
			name: "split networks, one missing, one garbage",
			e: ep(map[string]relations.Bag{"octavia/1": {
				"private-address": "10.0.0.12", "admin-address": "10.1.0.12", "internal-address": "x y", "public-address": "[fd00::12]",
			}}),
			want: []Peer{{Unit: "octavia/1", Private: "10.0.0.12", Admin: "10.1.0.12", Internal: "10.0.0.12", Public: "fd00::12"}},
		},
		{
			name: "ingress-address when private-address is missing",
			e:    ep(map[string]relations.Bag{"octavia/1": {"ingress-address": "10.0.0.12", "public-address": "10.3.0.12"}}),
			want: []Peer{{Unit: "octavia/1", Private: "10.0.0.12", Admin: "10.0.0.12", Internal: "10.0.0.12", Public: "10.3.0.12"}},
		},
		{
			name: "peer with no usable address is left out",
			e: ep(map[string]relations.Bag{
				"octavia/1": {"private-address": "not an address", "admin-address": "10.1.0.12"},
				"octavia/2": nil,
				"octavia/3": {"private-address": "10.0.0.14"},
			}),
			want: []Peer{{Unit: "octavia/3", Private: "10.0.0.14", Admin: "10.0.0.14", Internal: "10.0.0.14", Public: "10.0.0.14"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Parse(tt.e); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse =\n %+v\nwant\n %+v", got, tt.want)
			}
		})
	}
}
