package hostnet

import (
	"bytes"
	"fmt"
)

// NetworkdPath is where the systemd-networkd file for the health-manager
// interface lives: the upstream charm's path, so that a unit switched from
// it has its file replaced rather than doubled.
const NetworkdPath = "/etc/systemd/network/99-charm-octavia-o-hm0.network"

// NetworkdUnit returns the systemd-networkd file that configures the
// interface w when it appears (after a reboot, when Open vSwitch re-creates
// it with a random MAC address): Neutron's MAC address, the MTU when known,
// and Neutron's address when known, without duplicate address detection so
// that it is usable at once. Router advertisements are still accepted (but
// not their DNS servers), so a router on the management network adds routes;
// the static address makes the interface work without one. DHCP is off:
// the address is static. The interface never holds up network-online.target.
//
// The output depends on w only (the same Want gives the same bytes); w is
// expected to be valid (see Want.Validate).
func NetworkdUnit(w Want) []byte {
	var b bytes.Buffer
	mac := w.MAC
	if n, err := normalMAC(w.MAC); err == nil {
		mac = n
	}
	b.WriteString("# Managed by the Octavia charm: local changes will be overwritten.\n")
	fmt.Fprintf(&b, "# The Octavia health-manager interface, an Open vSwitch internal port on %s.\n", w.Bridge)
	fmt.Fprintf(&b, "\n[Match]\nName=%s\n", w.Name)
	fmt.Fprintf(&b, "\n[Link]\nMACAddress=%s\n", mac)
	if w.MTU > 0 {
		fmt.Fprintf(&b, "MTUBytes=%d\n", w.MTU)
	}
	b.WriteString("RequiredForOnline=no\n")
	b.WriteString("\n[Network]\nDHCP=no\nIPv6AcceptRA=yes\nLinkLocalAddressing=ipv6\nIPv6PrivacyExtensions=no\n")
	if w.Address.IsValid() {
		fmt.Fprintf(&b, "\n[Address]\nAddress=%s\n", w.Address)
		if w.Address.Addr().Is6() {
			b.WriteString("DuplicateAddressDetection=none\n")
		}
	}
	b.WriteString("\n[IPv6AcceptRA]\nUseDNS=no\n")
	return b.Bytes()
}
