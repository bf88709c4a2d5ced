// Package hostnet plugs the unit's health-manager interface into the
// management network and keeps it that way.
//
// The Octavia health manager listens for amphora heartbeats on an address of
// the load-balancer management network (lb-mgmt-net). Each unit has its own
// Neutron port on that network; this package makes the port real on the
// host: an Open vSwitch internal port o-hm0 on the integration bridge br-int,
// whose external-ids tell the Neutron OVS agent (or ovn-controller) which
// Neutron port it is, a kernel link with the port's MAC address and MTU, and
// the address Neutron allocated, configured statically so that the
// interface works without router advertisements.
//
// Three pieces, cheapest first:
//
//   - Observe reads the link from /sys and netlink without running a
//     program, and Observed.Drift says how it differs from a Want: cheap
//     enough for every update-status hook.
//   - Plumber.Ensure converges OVS, the link and its addresses with
//     ovs-vsctl and ip, doing nothing but one read-only ovs-vsctl query when
//     all is well; Plumber.Remove unplugs the interface.
//   - NetworkdUnit renders the systemd-networkd file that reapplies the MAC
//     address, MTU and address after a reboot.
package hostnet
