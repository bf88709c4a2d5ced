package hostnet

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
)

// sysClassNet is where the kernel describes network interfaces.
const sysClassNet = "/sys/class/net/"

// iffUp is the IFF_UP bit of /sys/class/net/NAME/flags: the link is
// administratively up.
const iffUp = 0x1

// ifaFlags is the IFA_FLAGS netlink attribute, the 32-bit form of
// ifa_flags (the syscall package does not name it).
const ifaFlags = 8

// Observed is what the kernel says of the link. It is read from /sys and a
// netlink dump with the standard library only, no program run, so it is
// cheap enough for every update-status hook.
type Observed struct {
	// Exists says whether the link exists; the other fields are zero when
	// it does not.
	Exists bool
	// Up says whether the link is administratively up (IFF_UP).
	Up bool
	// MAC is the link's hardware address, lowercase and colon-separated.
	MAC string
	// MTU is the link's MTU.
	MTU int
	// Addresses are the link's global-scope IPv6 and IPv4 addresses, with
	// their prefix lengths, sorted; link-local and host-scope addresses are
	// left out.
	Addresses []netip.Prefix
	// Tentative are those of Addresses that cannot be bound yet or ever:
	// duplicate address detection is running, or found a duplicate.
	Tentative []netip.Prefix
	// Dynamic are those of Addresses with a finite lifetime, learned from
	// router advertisements or DHCP: they expire on their own, and Ensure
	// never removes them.
	Dynamic []netip.Prefix
}

// Observe reads the link called name. A link that does not exist is
// Exists=false, not an error.
func Observe(name string) (Observed, error) {
	if err := validIfName(name); err != nil {
		return Observed{}, fmt.Errorf("observe link: interface name: %w", err)
	}
	dir := sysClassNet + name + "/"
	var o Observed
	index, err := readSysInt(dir+"ifindex", 10)
	if errors.Is(err, fs.ErrNotExist) {
		return Observed{}, nil
	}
	if err != nil {
		return Observed{}, fmt.Errorf("observe link %s: %w", name, err)
	}
	flags, err := readSysInt(dir+"flags", 0)
	if err == nil {
		o.MTU, err = readSysInt(dir+"mtu", 10)
	}
	if err == nil {
		o.MAC, err = readSysString(dir + "address")
	}
	if errors.Is(err, fs.ErrNotExist) {
		return Observed{}, nil // removed while being read
	}
	if err != nil {
		return Observed{}, fmt.Errorf("observe link %s: %w", name, err)
	}
	o.Exists = true
	o.Up = flags&iffUp != 0
	if err := o.readAddresses(index); err != nil {
		return Observed{}, fmt.Errorf("observe link %s: addresses: %w", name, err)
	}
	return o, nil
}

// readSysString returns the content of a /sys attribute without its
// trailing newline.
func readSysString(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}

// readSysInt returns a numeric /sys attribute; base 0 accepts the "0x"
// prefix of the flags attribute.
func readSysInt(path string, base int) (int, error) {
	s, err := readSysString(path)
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(s, base, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	return int(n), nil
}

// readAddresses fills the address fields from a netlink RTM_GETADDR dump,
// keeping the global-scope addresses of the link with this index.
func (o *Observed) readAddresses(index int) error {
	rib, err := syscall.NetlinkRIB(syscall.RTM_GETADDR, syscall.AF_UNSPEC)
	if err != nil {
		return fmt.Errorf("netlink: %w", err)
	}
	msgs, err := syscall.ParseNetlinkMessage(rib)
	if err != nil {
		return fmt.Errorf("netlink: %w", err)
	}
	for i := range msgs {
		m := &msgs[i]
		switch m.Header.Type {
		case syscall.NLMSG_DONE:
			o.sortAddresses()
			return nil
		case syscall.NLMSG_ERROR:
			return errors.New("netlink: error reply to RTM_GETADDR")
		case syscall.RTM_NEWADDR:
		default:
			continue
		}
		a, ok, err := parseAddrMessage(m, index)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		o.Addresses = append(o.Addresses, a.prefix)
		if a.flags&(syscall.IFA_F_TENTATIVE|syscall.IFA_F_DADFAILED) != 0 {
			o.Tentative = append(o.Tentative, a.prefix)
		}
		if a.flags&syscall.IFA_F_PERMANENT == 0 {
			o.Dynamic = append(o.Dynamic, a.prefix)
		}
	}
	o.sortAddresses()
	return nil
}

// sortAddresses puts the address lists in a stable order.
func (o *Observed) sortAddresses() {
	for _, l := range [][]netip.Prefix{o.Addresses, o.Tentative, o.Dynamic} {
		slices.SortFunc(l, comparePrefix)
	}
}

// comparePrefix orders prefixes by address, then prefix length.
func comparePrefix(a, b netip.Prefix) int {
	if c := a.Addr().Compare(b.Addr()); c != 0 {
		return c
	}
	return a.Bits() - b.Bits()
}

// kernelAddr is one address of a netlink RTM_NEWADDR message.
type kernelAddr struct {
	prefix netip.Prefix
	flags  uint32
}

// parseAddrMessage decodes an RTM_NEWADDR message; ok is false when it is
// not a global-scope address of the link with this index.
func parseAddrMessage(m *syscall.NetlinkMessage, index int) (a kernelAddr, ok bool, err error) {
	if len(m.Data) < syscall.SizeofIfAddrmsg {
		return a, false, errors.New("netlink: short RTM_NEWADDR message")
	}
	// struct ifaddrmsg: family, prefixlen, flags, scope (one byte each),
	// then the interface index in host byte order.
	family, bits, flags8, scope := m.Data[0], int(m.Data[1]), m.Data[2], m.Data[3]
	if int(binary.NativeEndian.Uint32(m.Data[4:8])) != index || scope != syscall.RT_SCOPE_UNIVERSE {
		return a, false, nil
	}
	if family != syscall.AF_INET && family != syscall.AF_INET6 {
		return a, false, nil
	}
	attrs, err := syscall.ParseNetlinkRouteAttr(m)
	if err != nil {
		return a, false, fmt.Errorf("netlink: %w", err)
	}
	a.flags = uint32(flags8)
	var address, local []byte
	for _, at := range attrs {
		switch at.Attr.Type {
		case syscall.IFA_ADDRESS:
			address = at.Value
		case syscall.IFA_LOCAL:
			local = at.Value
		case ifaFlags:
			if len(at.Value) == 4 {
				a.flags = binary.NativeEndian.Uint32(at.Value)
			}
		}
	}
	// On a point-to-point IPv4 link IFA_ADDRESS is the peer; IFA_LOCAL is
	// always the link's own address when present.
	ip := address
	if family == syscall.AF_INET && local != nil {
		ip = local
	}
	addr, okAddr := netip.AddrFromSlice(ip)
	if !okAddr || (family == syscall.AF_INET && !addr.Is4()) || (family == syscall.AF_INET6 && !addr.Is6()) {
		return a, false, fmt.Errorf("netlink: bad address %v", net.IP(ip))
	}
	a.prefix = netip.PrefixFrom(addr, bits) // host bits kept: it is the address
	if !a.prefix.IsValid() {
		return a, false, fmt.Errorf("netlink: bad prefix length %d for %s", bits, addr)
	}
	return a, true, nil
}

// Drift says how the link differs from w, one short line per difference,
// in a fixed order: missing link, MAC address, MTU, down, then addresses.
// It looks at the link only; the OVS side needs a program run, which
// Plumber.Ensure does. Nil means the link is as wanted.
func (o Observed) Drift(w Want) []string {
	if !o.Exists {
		return []string{w.Name + " missing"}
	}
	var d []string
	if mac, err := normalMAC(w.MAC); err == nil && o.MAC != mac {
		d = append(d, fmt.Sprintf("MAC %s != %s", o.MAC, mac))
	}
	if w.MTU > 0 && o.MTU != w.MTU {
		d = append(d, fmt.Sprintf("MTU %d != %d", o.MTU, w.MTU))
	}
	if !o.Up {
		d = append(d, "down")
	}
	if !w.Address.IsValid() {
		return d
	}
	switch {
	case !slices.Contains(o.Addresses, w.Address):
		d = append(d, fmt.Sprintf("address %s missing", w.Address))
	case slices.Contains(o.Tentative, w.Address):
		d = append(d, fmt.Sprintf("address %s tentative", w.Address))
	}
	for _, s := range o.stale(w.Address) {
		d = append(d, fmt.Sprintf("stale address %s", s))
	}
	return d
}

// stale returns the addresses of the link that take the place of want: the
// other permanent addresses in the same subnet (an address from an earlier
// Neutron port, or want's address with another prefix length). Dynamic ones
// are left to expire; addresses in other subnets are not the charm's
// business.
func (o Observed) stale(want netip.Prefix) []netip.Prefix {
	var s []netip.Prefix
	for _, a := range o.Addresses {
		if a == want || slices.Contains(o.Dynamic, a) || a.Addr().Is4() != want.Addr().Is4() {
			continue
		}
		if want.Contains(a.Addr()) || a.Contains(want.Addr()) {
			s = append(s, a)
		}
	}
	return s
}
