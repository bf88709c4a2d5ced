package neutronlb

import (
	"encoding/json"
	"reflect"
	"testing"

	"charm-octavia/internal/relations"
)

func TestRequest(t *testing.T) {
	tests := []struct {
		name, lbName, baseURL string
		want                  relations.Bag
	}{
		{
			name: "§8 worked example", lbName: "octavia", baseURL: "http://10.0.0.100:9876",
			want: relations.Bag{"name": `"octavia"`, "base_url": `"http://10.0.0.100:9876"`},
		},
		{
			name: "§16 with TLS", lbName: "octavia", baseURL: "https://10.0.0.100:9876",
			want: relations.Bag{"name": `"octavia"`, "base_url": `"https://10.0.0.100:9876"`},
		},
		{
			name: "IPv6, and characters encoding/json would escape", lbName: "octavia", baseURL: "https://[fd00::100]:9876/?a=1&b=<2>",
			want: relations.Bag{"name": `"octavia"`, "base_url": `"https://[fd00::100]:9876/?a=1&b=<2>"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Request(tt.lbName, tt.baseURL)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Request = %v, want %v", got, tt.want)
			}
			// neutron-api json.loads both values.
			var name, base string
			if json.Unmarshal([]byte(got["name"]), &name) != nil || json.Unmarshal([]byte(got["base_url"]), &base) != nil ||
				name != tt.lbName || base != tt.baseURL {
				t.Errorf("values do not decode back: %q %q", name, base)
			}
		})
	}
}

func TestParse(t *testing.T) {
	ep := func(units map[string]relations.Bag) relations.Endpoint {
		return relations.Endpoint{{ID: "neutron-api:9", RemoteApp: "neutron-api", Units: units}}
	}
	tests := []struct {
		name      string
		e         relations.Endpoint
		want      Neutron
		readiness relations.Readiness
	}{
		{"no relation", nil, Neutron{}, relations.Missing},
		{"related, not joined", relations.Endpoint{{ID: "neutron-api:9"}}, Neutron{}, relations.Missing},
		{"joined, key not yet published", ep(map[string]relations.Bag{"neutron-api/0": {"private-address": "10.0.0.8"}}), Neutron{}, relations.Incomplete},
		{"§8: True", ep(map[string]relations.Bag{"neutron-api/0": {"neutron-api-ready": "True"}}), Neutron{Ready: true, Seen: true}, relations.Ready},
		{"False still counts as seen", ep(map[string]relations.Bag{"neutron-api/0": {"neutron-api-ready": "False"}}), Neutron{Seen: true}, relations.Ready},
		{"yes", ep(map[string]relations.Bag{"neutron-api/0": {"neutron-api-ready": "yes"}}), Neutron{Ready: true, Seen: true}, relations.Ready},
		{"no", ep(map[string]relations.Bag{"neutron-api/0": {"neutron-api-ready": "no"}}), Neutron{Seen: true}, relations.Ready},
		{"JSON true", ep(map[string]relations.Bag{"neutron-api/0": {"neutron-api-ready": "true"}}), Neutron{Ready: true, Seen: true}, relations.Ready},
		{"garbage is seen, not ready", ep(map[string]relations.Bag{"neutron-api/0": {"neutron-api-ready": "\x00maybe"}}), Neutron{Seen: true}, relations.Ready},
		{
			"one ready unit of three",
			ep(map[string]relations.Bag{
				"neutron-api/0": {"neutron-api-ready": "False"},
				"neutron-api/1": {"neutron-api-ready": "True"},
				"neutron-api/2": {},
			}),
			Neutron{Ready: true, Seen: true}, relations.Ready,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, r := Parse(tt.e)
			if got != tt.want || r != tt.readiness {
				t.Errorf("Parse = %+v, %v; want %+v, %v", got, r, tt.want, tt.readiness)
			}
		})
	}
}
