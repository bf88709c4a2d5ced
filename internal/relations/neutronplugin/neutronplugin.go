// Package neutronplugin speaks the neutron-plugin interface on Octavia's
// neutron-openvswitch endpoint (ML2/OVS deployments only), where Octavia is
// the requirer (the principal) and neutron-openvswitch the container-scoped
// subordinate provider: it reads the host name the Open vSwitch agent
// registered with, which Octavia uses as binding:host_id of its
// health-manager port.
//
// It was written against the provider charm-neutron-openvswitch
// (neutron_plugin_joined, use_fqdn_hint) and the requirer
// openstack/charm-interface-neutron-plugin the upstream charm uses
// (shared/reference/relation-interfaces.md §9). Octavia publishes nothing on
// this relation; neutron-openvswitch publishes raw strings.
package neutronplugin

import (
	"fmt"

	"charm-octavia/internal/relations"
)

const keyHost = "host"

// Plugin is what neutron-openvswitch said.
type Plugin struct {
	// Host is the raw value of host: the machine FQDN the agent registered
	// with. It is empty when neutron-openvswitch was installed before Stein
	// and does not send it; the caller then uses the local host name, as
	// upstream does.
	Host string
	// Reason says, when Parse reports Incomplete, which key is malformed.
	Reason string
}

// Parse reads the neutron-openvswitch endpoint.
//
// It reports Missing when the subordinate has not joined and Ready as soon as
// it has, with no data check (neutron-openvswitch.connected, §9). The one
// exception: a host value that is not a host name (or IP address) reports
// Incomplete rather than registering the port on a made-up host.
func Parse(e relations.Endpoint) (Plugin, relations.Readiness) {
	if !e.Joined() {
		return Plugin{}, relations.Missing
	}
	for _, u := range e.Units() {
		h := u.Data[keyHost]
		if h == "" {
			continue
		}
		if !relations.ValidHost(h) {
			return Plugin{Reason: fmt.Sprintf("%s: %s is not a host name", u.Name, keyHost)}, relations.Incomplete
		}
		return Plugin{Host: h}, relations.Ready
	}
	return Plugin{}, relations.Ready
}
