package hostnet

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// InterfaceName is the name of the health-manager interface, the same as the
// upstream charm's so that a unit switched from it keeps its interface.
const InterfaceName = "o-hm0"

// Bridge is the Open vSwitch integration bridge the interface is plugged
// into, managed by the Neutron OVS agent or ovn-controller.
const Bridge = "br-int"

// maxIfNameLen is the longest name a Linux network interface may have
// (IFNAMSIZ minus the terminating NUL).
const maxIfNameLen = 15

// minIPv6MTU is the smallest MTU IPv6 works with: below it the kernel
// disables IPv6 on the link.
const minIPv6MTU = 1280

// Want is the health-manager interface as Neutron describes its port.
type Want struct {
	// Name is the interface (and OVS port) name, normally InterfaceName.
	Name string
	// Bridge is the OVS bridge to plug it into, normally Bridge.
	Bridge string
	// PortID is the Neutron port's UUID, set as the interface's
	// external-ids:iface-id so that the OVS agent or ovn-controller wires
	// it to that port.
	PortID string
	// MAC is the Neutron port's MAC address.
	MAC string
	// MTU is the management network's MTU; 0 means not known, and the
	// link's MTU is left alone.
	MTU int
	// Address is the address Neutron allocated to the port, with the
	// subnet's prefix length (a /64 on the IPv6 SLAAC subnet the charm
	// creates). The zero Prefix means none yet.
	Address netip.Prefix
}

// Validate reports the first field of w that cannot describe an interface.
// Names, the port ID and the MAC address end up in ovs-vsctl and ip
// arguments and in a /sys path, so they are checked strictly.
func (w Want) Validate() error {
	if err := validIfName(w.Name); err != nil {
		return fmt.Errorf("interface name: %w", err)
	}
	if err := validIfName(w.Bridge); err != nil {
		return fmt.Errorf("bridge name: %w", err)
	}
	if err := validPortID(w.PortID); err != nil {
		return fmt.Errorf("port ID: %w", err)
	}
	if _, err := normalMAC(w.MAC); err != nil {
		return fmt.Errorf("MAC address: %w", err)
	}
	if w.MTU != 0 && (w.MTU < 68 || w.MTU > 65535) {
		return fmt.Errorf("MTU %d: not between 68 and 65535", w.MTU)
	}
	if !w.Address.IsValid() {
		return nil
	}
	a := w.Address.Addr()
	switch {
	case a.Is4In6() || a.Zone() != "":
		return fmt.Errorf("address %s: not a plain IPv4 or IPv6 address", w.Address)
	case !a.IsGlobalUnicast():
		return fmt.Errorf("address %s: not a global unicast address", w.Address)
	case w.Address.Bits() == 0:
		return fmt.Errorf("address %s: prefix length 0", w.Address)
	case a.Is6() && w.MTU != 0 && w.MTU < minIPv6MTU:
		return fmt.Errorf("MTU %d: IPv6 address %s needs at least %d", w.MTU, w.Address, minIPv6MTU)
	}
	return nil
}

// validIfName checks a network interface name the way the kernel does
// (dev_valid_name), and rejects a leading "-" that a program would take for
// an option.
func validIfName(name string) error {
	switch {
	case name == "":
		return errors.New("empty")
	case len(name) > maxIfNameLen:
		return fmt.Errorf("%q: longer than %d bytes", name, maxIfNameLen)
	case name == "." || name == "..":
		return fmt.Errorf("%q: not a name", name)
	case strings.HasPrefix(name, "-"):
		return fmt.Errorf("%q: starts with -", name)
	}
	for _, r := range name {
		if r <= ' ' || r >= 0x7f || r == '/' || r == ':' || r == '"' || r == '\\' {
			return fmt.Errorf("%q: contains %q", name, r)
		}
	}
	return nil
}

// validPortID accepts a Neutron port ID: a UUID, or at least something made
// of the characters of one, so that it needs no quoting in ovs-vsctl.
func validPortID(id string) error {
	if id == "" {
		return errors.New("empty")
	}
	if len(id) > 64 {
		return fmt.Errorf("%q: longer than 64 characters", id)
	}
	for _, r := range id {
		if !('0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || r == '-') {
			return fmt.Errorf("%q: contains %q", id, r)
		}
	}
	return nil
}

// normalMAC parses a 48-bit unicast MAC address and returns it in the form
// the kernel and Neutron print: lowercase, colon-separated.
func normalMAC(s string) (string, error) {
	hw, err := net.ParseMAC(s)
	if err != nil {
		return "", err
	}
	if len(hw) != 6 {
		return "", fmt.Errorf("%q: not a 48-bit MAC address", s)
	}
	if hw[0]&1 != 0 {
		return "", fmt.Errorf("%q: a multicast address", s)
	}
	return hw.String(), nil
}

// SLAACAddress returns the address IPv6 stateless autoconfiguration gives
// the interface with MAC address mac in prefix, a /64: the prefix followed
// by the modified EUI-64 interface identifier (RFC 4291 appendix A). It is
// what Neutron allocates on a SLAAC subnet, so it cross-checks the port's
// fixed IP.
func SLAACAddress(prefix netip.Prefix, mac string) (netip.Addr, error) {
	if !prefix.IsValid() || !prefix.Addr().Is6() || prefix.Addr().Is4In6() || prefix.Bits() != 64 {
		return netip.Addr{}, fmt.Errorf("SLAAC address in %s: not an IPv6 /64 prefix", prefix)
	}
	hw, err := net.ParseMAC(mac)
	if err != nil || len(hw) != 6 {
		return netip.Addr{}, fmt.Errorf("SLAAC address in %s: MAC address %q: not a 48-bit MAC address", prefix, mac)
	}
	b := prefix.Masked().Addr().As16()
	b[8] = hw[0] ^ 0x02 // the universal/local bit, inverted
	b[9], b[10] = hw[1], hw[2]
	b[11], b[12] = 0xff, 0xfe
	b[13], b[14], b[15] = hw[3], hw[4], hw[5]
	return netip.AddrFrom16(b), nil
}
