package octavia

import (
	"time"

	"charm-octavia/internal/pki"
	"charm-octavia/internal/relations"
	"charm-octavia/internal/relations/hacluster"
)

// Endpoint names, as in charms/octavia/metadata.yaml.
const (
	EndpointSharedDB           = "shared-db"
	EndpointAMQP               = "amqp"
	EndpointIdentityService    = "identity-service"
	EndpointCluster            = "cluster"
	EndpointNeutronAPI         = "neutron-api"
	EndpointNeutronOpenvSwitch = "neutron-openvswitch"
	EndpointOVSDBSubordinate   = "ovsdb-subordinate"
	EndpointOVSDBCMS           = "ovsdb-cms"
	EndpointHA                 = "ha"
	EndpointCertificates       = "certificates"
	EndpointNRPE               = "nrpe-external-master"
)

// Endpoints lists every endpoint of the charm, in metadata order.
func Endpoints() []string {
	return []string{
		EndpointSharedDB, EndpointAMQP, EndpointIdentityService, EndpointHA,
		EndpointCertificates, EndpointNeutronAPI, EndpointNeutronOpenvSwitch,
		EndpointOVSDBSubordinate, EndpointOVSDBCMS, EndpointNRPE, EndpointCluster,
	}
}

// Bindings whose primary address the charm needs: the extra bindings for the
// API endpoints, and the relations that carry this unit's address.
func Bindings() []string {
	return []string{"public", "internal", "admin", EndpointSharedDB, EndpointAMQP, EndpointCluster}
}

// Inputs is everything one reconcile pass knows. reconcile gathers it; Plan
// reads nothing else.
type Inputs struct {
	// Unit is this unit's name, "octavia/0".
	Unit string
	// Leader is true while this unit holds the application's leadership.
	Leader bool
	// Config is the charm configuration.
	Config Config
	// Relations maps an endpoint name to its relations.
	Relations map[string]relations.Endpoint
	// LeaderSettings are the application's leader settings (upstream keys
	// such as heartbeat-key and amp-boot-network-list included).
	LeaderSettings map[string]string
	// Shared holds the control-plane secrets the leader shares with every
	// unit; nil until this unit can read them.
	Shared *Shared
	// Host holds facts about the machine.
	Host Host
	// Packages says what is installed.
	Packages Packages
	// Network is what the last management-network pass left (this unit's
	// health-manager port, and what is not done yet).
	Network NetworkState
	// Policy is the policyd-override resource as last read (policy.go).
	Policy Policy
	// Installed lists the optional files (policy overrides, monitoring)
	// a previous pass installed, which the plan removes when it no longer
	// wants them (policy.go).
	Installed []string
	// Now is the time of the pass, for certificate validity.
	Now time.Time
}

// Shared is the material the leader generates once and shares with every
// unit as Juju secrets.
type Shared struct {
	// HeartbeatKey signs amphora heartbeats ([health_manager] heartbeat_key).
	HeartbeatKey string
	// ServerCertsKeyPassphrase encrypts amphora certificate material between
	// the API, the worker and its flows ([certificates] server_certs_key_passphrase).
	ServerCertsKeyPassphrase string
	// PKI is the generated dual CA, used when the lb-mgmt-* options are unset.
	PKI pki.Bundle
}

// Host is what the pass knows of the machine the unit runs on.
type Host struct {
	// Hostname is the machine's host name.
	Hostname string
	// Series is the distribution codename ("jammy", "noble", "bookworm").
	Series string
	// CPUs is the number of CPUs available, for worker counts.
	CPUs int
	// IPv6 is true when the kernel has IPv6 enabled.
	IPv6 bool
	// Addresses maps a binding name (see Bindings) to this unit's primary address on it.
	Addresses map[string]string
	// MgmtAddress is the address on the health-manager interface o-hm0, "" when none.
	MgmtAddress string
	// Systemd is true when the machine booted with systemd.
	Systemd bool
	// NagiosExport is true when nrpe's Nagios export directory exists
	// (nrpe.ExportDir), where the charm then writes service definitions.
	NagiosExport bool
	// Interfaces are the machine's network interfaces with their addresses
	// and prefix lengths, in kernel order: the VIPs' NIC and netmask, the
	// subnet of a binding, the address inside an os-*-network.
	Interfaces []hacluster.Interface
}

// Packages is the state of the Debian packages the charm manages.
type Packages struct {
	// Missing lists the wanted packages that are not installed.
	Missing []string
	// OctaviaVersion is the installed version of the octavia-common
	// package ("1:11.0.0-3"), "" when it is not installed.
	OctaviaVersion string
	// SourceConfigured is the openstack-origin the apt source was last
	// written for ("" before the first write).
	SourceConfigured string
}
