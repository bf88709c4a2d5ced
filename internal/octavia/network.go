package octavia

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/netip"
	"sort"

	"charm-octavia/internal/hostnet"
	"charm-octavia/internal/relations"
	"charm-octavia/internal/relations/neutronlb"
	"charm-octavia/internal/relations/neutronplugin"
	"charm-octavia/internal/relations/ovsdb"
)

// The amphora management network, seen from the planner: which units manage
// it, what the leader recorded of it, and what keeps it from working.

// Leader settings of the management network. LeaderMgmtNetwork is this
// charm's own record (JSON, see MgmtNetwork); the upstream keys
// amp-boot-network-list, amp-secgroup-list and amp-flavor-id are written
// too, so that octavia.conf and a switch back to the upstream charm keep
// working. LeaderAgentConfig records the amphora agent configuration last
// pushed to running amphorae.
const (
	LeaderMgmtNetwork  = "octavia-mgmt-network"
	LeaderAgentConfig  = "octavia-amphora-agent-config"
	upstreamHealthIPs  = upstreamControllers
	healthManagerPort  = 5555
	networkdDir        = "/etc/systemd/network"
	peerAgentConfigKey = "octavia-amphora-agent-config"
	peerHealthAddrKey  = "octavia-health-manager-address"
)

// MgmtNetwork is what the leader found or created, shared with every unit
// through the leader setting LeaderMgmtNetwork.
type MgmtNetwork struct {
	// NetworkID is lb-mgmt-net, SubnetCIDR its tagged IPv6 subnet and MTU its MTU.
	NetworkID  string `json:"network"`
	SubnetCIDR string `json:"subnet-cidr,omitempty"`
	MTU        int    `json:"mtu,omitempty"`
	// HealthSecGroupID is lb-health-mgr-sec-grp, for the health-manager ports.
	HealthSecGroupID string `json:"health-secgroup"`
	// AmphoraSecGroupID is lb-mgmt-sec-grp, for the amphorae.
	AmphoraSecGroupID string `json:"amphora-secgroup"`
	// FlavorID is the amphora flavor the leader manages ("" with a custom one).
	FlavorID string `json:"flavor,omitempty"`
}

// ParseMgmtNetwork reads the leader's record; ok is false when there is none
// or it is unreadable (then the leader writes it again).
func ParseMgmtNetwork(settings map[string]string) (MgmtNetwork, bool) {
	var m MgmtNetwork
	raw := settings[LeaderMgmtNetwork]
	if raw == "" || json.Unmarshal([]byte(raw), &m) != nil || m.NetworkID == "" || m.HealthSecGroupID == "" {
		return MgmtNetwork{}, false
	}
	return m, true
}

// LeaderSettings are the leader settings that record m: this charm's key
// and the upstream charm's.
func (m MgmtNetwork) LeaderSettings() map[string]string {
	b, _ := json.Marshal(m)
	out := map[string]string{
		LeaderMgmtNetwork:    string(b),
		upstreamBootNetworks: m.NetworkID,
		upstreamSecGroups:    m.AmphoraSecGroupID,
	}
	if m.FlavorID != "" {
		out[upstreamFlavorID] = m.FlavorID
	}
	return out
}

// HealthManagerPort is this unit's Neutron port on the management network,
// as the last cloud pass saw it.
type HealthManagerPort struct {
	ID, MAC string
	// Address is the IPv6 address Neutron allocated, as a prefix
	// ("fd00:1:2:3:f816:3eff:fe4f:28ce/64"); "" until it has one.
	Address string
	MTU     int
}

// NetworkState is what the last management-network pass left: this unit's
// port and the reasons it is not done yet. reconcile keeps it between hooks.
type NetworkState struct {
	Port    *HealthManagerPort `json:"port,omitempty"`
	Reasons []Reason           `json:"reasons,omitempty"`
}

// MgmtInterface is the health-manager interface name, and the bridge it
// plugs into.
func MgmtInterface() (name, bridge string) { return hostnet.InterfaceName, hostnet.Bridge }

// ManagesNetwork reports whether this unit plugs into the amphora
// management network: amphorae are enabled and an SDN subordinate and
// neutron-api are related. With noop drivers the network is optional: it
// is managed when the relations are there (the functional tests do this).
func ManagesNetwork(in Inputs) bool {
	c := in.Config
	if !c.EnableAmphora {
		return false
	}
	return in.Relations[EndpointNeutronAPI].Joined() && sdnReadiness(in) == relations.Ready
}

// BindingHost is the host Neutron binds the health-manager port to: the
// Open vSwitch agent's host from neutron-openvswitch, the OVN chassis name
// from ovsdb-subordinate, else this machine's host name (as upstream).
func BindingHost(in Inputs) string {
	if p, r := neutronplugin.Parse(in.Relations[EndpointNeutronOpenvSwitch]); r == relations.Ready && p.Host != "" {
		return p.Host
	}
	if ch, r := ovsdb.ParseSubordinate(in.Relations[EndpointOVSDBSubordinate]); r == relations.Ready && ch.Name != "" {
		return ch.Name
	}
	return in.Host.Hostname
}

// NeutronReady reports whether neutron-api said it is ready.
func NeutronReady(in Inputs) bool {
	_, r := neutronlb.Parse(in.Relations[EndpointNeutronAPI])
	return r == relations.Ready
}

// networkReasons reports what the management network still lacks.
func networkReasons(in Inputs) []Reason {
	c := in.Config
	if !ManagesNetwork(in) {
		// Without amphorae there is no network; with them, Plan reports
		// the missing relations.
		return nil
	}
	_, recorded := ParseMgmtNetwork(in.LeaderSettings)
	upstreamRecorded := in.LeaderSettings[upstreamBootNetworks] != ""
	var out []Reason
	switch {
	case recorded:
	case !c.AutoConfigureResources && !upstreamRecorded:
		// The upstream charm's behaviour and messages: an operator runs
		// configure-resources on the leader.
		switch {
		case !c.CreateMgmtNetwork:
			out = append(out, Reason{Blocked, "Awaiting end-user to create required resources and execute `configure-resources` action"})
		case in.Leader:
			out = append(out, Reason{Blocked, "Awaiting end-user execution of `configure-resources` action to create required resources"})
		default:
			out = append(out, Reason{Blocked, "Awaiting leader to create required resources"})
		}
	case !in.Leader:
		out = append(out, Reason{Waiting, "Waiting for the leader to set up the management network"})
	case len(in.Network.Reasons) == 0:
		out = append(out, Reason{Waiting, "Setting up the management network"})
	}
	out = append(out, in.Network.Reasons...)
	if len(out) == 0 && in.Host.MgmtAddress == "" {
		out = append(out, Reason{Waiting, "Waiting for an address on the health-manager interface " + hostnet.InterfaceName})
	}
	return out
}

// networkdFile is the systemd-networkd unit for o-hm0, so that the
// interface comes back with its MAC, MTU and address after a reboot even
// where no router advertisement arrives. It holds no secret.
func networkdFile(in Inputs) []File {
	p := in.Network.Port
	if !ManagesNetwork(in) || p == nil || p.MAC == "" {
		return nil
	}
	return []File{{Path: hostnet.NetworkdPath, Owner: "root", Group: "root", Mode: 0o644, Data: hostnet.NetworkdUnit(p.Link())}}
}

// Link is the health-manager interface o-hm0 as this port wants it.
func (p HealthManagerPort) Link() hostnet.Want {
	w := hostnet.Want{Name: hostnet.InterfaceName, Bridge: hostnet.Bridge, PortID: p.ID, MAC: p.MAC, MTU: p.MTU}
	if a, err := netip.ParsePrefix(p.Address); err == nil {
		w.Address = a
	}
	return w
}

// ControllerList is the leader setting value for a set of health-manager
// addresses: a JSON list, sorted, as the upstream charm stores it.
func ControllerList(addrs []string) string {
	s := append([]string{}, addrs...)
	sort.Strings(s)
	s = slicesCompact(s)
	b, _ := json.Marshal(s)
	return string(b)
}

// ControllerListSet reads the leader setting as a set (sorted, unique);
// the upstream charm compared it as a string and rewrote it every hook.
func ControllerListSet(settings map[string]string) []string {
	var ips []string
	if json.Unmarshal([]byte(settings[upstreamHealthIPs]), &ips) != nil {
		return nil
	}
	sort.Strings(ips)
	return slicesCompact(ips)
}

// ControllerListKey is the leader setting that holds the controller list.
const ControllerListKey = upstreamHealthIPs

func slicesCompact(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if v == "" || (i > 0 && v == s[i-1]) {
			continue
		}
		out = append(out, v)
	}
	return out
}

// AgentConfigDigest identifies the amphora agent configuration a unit
// serves: its controller list and heartbeat key. Units publish it on the
// peer relation once their services run with it, and the leader pushes the
// configuration to amphorae when every unit serves the same digest. It is a
// digest, so it reveals nothing of the key.
func AgentConfigDigest(in Inputs) string {
	if in.Shared == nil {
		return ""
	}
	return digest(controllerList(in.LeaderSettings[upstreamHealthIPs]), in.Shared.HeartbeatKey)
}

// PeerAgentConfigs returns what each peer unit said it serves.
func PeerAgentConfigs(in Inputs) map[string]string {
	out := map[string]string{}
	for _, r := range in.Relations[EndpointCluster] {
		for unit, bag := range r.Units {
			out[unit] = bag[peerAgentConfigKey]
		}
	}
	return out
}

// PeerKeys are the keys this charm adds to its peer bag.
func PeerKeys() (agentConfig, healthAddress string) { return peerAgentConfigKey, peerHealthAddrKey }

// digest is a short, one-way fingerprint of values.
func digest(values ...string) string {
	h := sha256.New()
	for _, v := range values {
		h.Write([]byte(v))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}
