package hostnet

import (
	"net/netip"
	"strings"
	"testing"
)

func TestSLAACAddress(t *testing.T) {
	for _, tc := range []struct {
		prefix, mac, want string
	}{
		// The pair seen on the test bed: Neutron allocated this address to
		// a port with this MAC on a SLAAC subnet.
		{"fd00:1234:5678:9abc::/64", "fa:16:3e:4f:28:ce", "fd00:1234:5678:9abc:f816:3eff:fe4f:28ce"},
		{"fd00:1234:5678:9abc::/64", "FA-16-3E-4F-28-CE", "fd00:1234:5678:9abc:f816:3eff:fe4f:28ce"},
		// Host bits of the prefix are ignored; the U/L bit flips both ways.
		{"fc00:1234:5678:90ab::1/64", "02:00:00:00:00:01", "fc00:1234:5678:90ab::ff:fe00:1"},
	} {
		got, err := SLAACAddress(netip.MustParsePrefix(tc.prefix), tc.mac)
		if err != nil || got != netip.MustParseAddr(tc.want) {
			t.Errorf("SLAACAddress(%s, %s) = %v, %v; want %s", tc.prefix, tc.mac, got, err, tc.want)
		}
	}
	for _, tc := range []struct{ prefix, mac string }{
		{"fd00::/48", "fa:16:3e:4f:28:ce"},
		{"192.0.2.0/24", "fa:16:3e:4f:28:ce"},
		{"fd00::/64", "fa:16:3e:4f:28"},
		{"fd00::/64", "00:00:00:00:fe:80:00:00:00:00:00:00:02:00:5e:10:00:00:00:01"},
	} {
		if got, err := SLAACAddress(netip.MustParsePrefix(tc.prefix), tc.mac); err == nil {
			t.Errorf("SLAACAddress(%s, %s) = %v, want an error", tc.prefix, tc.mac, got)
		}
	}
	if _, err := SLAACAddress(netip.Prefix{}, testMAC); err == nil {
		t.Error("SLAACAddress(zero prefix) succeeded")
	}
}

func TestWantValidate(t *testing.T) {
	if err := testWant().Validate(); err != nil {
		t.Fatalf("Validate(testWant) = %v", err)
	}
	for _, tc := range []struct {
		change func(w *Want)
		err    string
	}{
		{func(w *Want) { w.Name = "" }, "interface name: empty"},
		{func(w *Want) { w.Name = "o-hm0-too-long-name" }, "interface name"},
		{func(w *Want) { w.Name = "../etc" }, "interface name"},
		{func(w *Want) { w.Name = "-o" }, "interface name"},
		{func(w *Want) { w.Name = "o hm0" }, "interface name"},
		{func(w *Want) { w.Bridge = "br:int" }, "bridge name"},
		{func(w *Want) { w.PortID = "" }, "port ID: empty"},
		{func(w *Want) { w.PortID = `a" b` }, "port ID"},
		{func(w *Want) { w.MAC = "" }, "MAC address"},
		{func(w *Want) { w.MAC = "01:00:5e:00:00:01" }, "multicast"},
		{func(w *Want) { w.MTU = 67 }, "MTU 67"},
		{func(w *Want) { w.MTU = 1000 }, "needs at least 1280"},
		{func(w *Want) { w.Address = netip.MustParsePrefix("fe80::1/64") }, "not a global unicast"},
		{func(w *Want) { w.Address = netip.MustParsePrefix("::ffff:192.0.2.1/120") }, "not a plain"},
		{func(w *Want) { w.Address = netip.MustParsePrefix("192.0.2.1/0") }, "prefix length 0"},
	} {
		w := testWant()
		tc.change(&w)
		if err := w.Validate(); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("Validate(%+v) = %v, want %q", w, err, tc.err)
		}
	}
	// No MTU and no address yet is fine; so is an IPv4 network with a small MTU.
	w := testWant()
	w.MTU, w.Address = 0, netip.Prefix{}
	if err := w.Validate(); err != nil {
		t.Errorf("Validate(no MTU, no address) = %v", err)
	}
	w.MTU, w.Address = 576, netip.MustParsePrefix("192.0.2.10/24")
	if err := w.Validate(); err != nil {
		t.Errorf("Validate(IPv4, MTU 576) = %v", err)
	}
}
