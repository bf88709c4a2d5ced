package hostnet

import (
	"encoding/binary"
	"net/netip"
	"os"
	"slices"
	"syscall"
	"testing"
)

func TestDrift(t *testing.T) {
	p := netip.MustParsePrefix
	good := Observed{Exists: true, Up: true, MAC: testMAC, MTU: 1442, Addresses: []netip.Prefix{testAddress}}
	for _, tc := range []struct {
		name string
		o    func(o Observed) Observed
		w    func(w Want) Want
		want []string
	}{
		{"as wanted", nil, nil, nil},
		{"missing", func(o Observed) Observed { return Observed{} }, nil, []string{"o-hm0 missing"}},
		{"everything", func(o Observed) Observed {
			o.Up, o.MAC, o.MTU = false, "92:ef:a3:7f:a0:d5", 1500
			o.Addresses = []netip.Prefix{p("fd00:1234:5678:9abc::99/64"), p("fd00:1234:5678:9abc::98/64"), p("fd00:1234:5678:9abd::1/64")}
			o.Dynamic = []netip.Prefix{p("fd00:1234:5678:9abc::98/64")}
			return o
		}, nil, []string{
			"MAC 92:ef:a3:7f:a0:d5 != fa:16:3e:4f:28:ce", "MTU 1500 != 1442", "down",
			"address fd00:1234:5678:9abc:f816:3eff:fe4f:28ce/64 missing", "stale address fd00:1234:5678:9abc::99/64"}},
		{"tentative", func(o Observed) Observed { o.Tentative = o.Addresses; return o }, nil,
			[]string{"address fd00:1234:5678:9abc:f816:3eff:fe4f:28ce/64 tentative"}},
		{"MTU and address not known", func(o Observed) Observed { o.MTU, o.Addresses = 9000, nil; return o },
			func(w Want) Want { w.MTU, w.Address = 0, netip.Prefix{}; return w }, nil},
		{"MAC case", nil, func(w Want) Want { w.MAC = "FA:16:3E:4F:28:CE"; return w }, nil},
	} {
		o, w := good, testWant()
		if tc.o != nil {
			o = tc.o(o)
		}
		if tc.w != nil {
			w = tc.w(w)
		}
		if got := o.Drift(w); !slices.Equal(got, tc.want) {
			t.Errorf("%s: Drift = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestObserve(t *testing.T) {
	if _, err := os.Stat(sysClassNet + "lo"); err != nil {
		t.Skipf("no /sys here: %v", err)
	}
	o, err := Observe("lo")
	if err != nil {
		t.Fatal(err)
	}
	// Loopback addresses are host-scope, not global.
	if !o.Exists || !o.Up || o.MTU == 0 || o.MAC != "00:00:00:00:00:00" || len(o.Addresses) != 0 {
		t.Errorf("Observe(lo) = %+v", o)
	}
	if o, err := Observe("o-hmnone"); err != nil || o.Exists {
		t.Errorf("Observe(o-hmnone) = %+v, %v; want it missing", o, err)
	}
	if _, err := Observe("../lo"); err == nil {
		t.Errorf("Observe(../lo) succeeded")
	}
}

// BenchmarkObserve measures what an update-status hook pays to check the
// link.
func BenchmarkObserve(b *testing.B) {
	name := os.Getenv("HOSTNET_BENCH_LINK")
	if name == "" {
		name = "lo"
	}
	if _, err := Observe(name); err != nil {
		b.Skip(err)
	}
	for b.Loop() {
		if _, err := Observe(name); err != nil {
			b.Fatal(err)
		}
	}
}

// addrMessage builds an RTM_NEWADDR message as the kernel sends it.
func addrMessage(family, bits, flags8, scope byte, index uint32, attrs map[uint16][]byte) syscall.NetlinkMessage {
	data := []byte{family, bits, flags8, scope, 0, 0, 0, 0}
	binary.NativeEndian.PutUint32(data[4:], index)
	for _, typ := range []uint16{syscall.IFA_ADDRESS, syscall.IFA_LOCAL, ifaFlags} {
		v, ok := attrs[typ]
		if !ok {
			continue
		}
		a := make([]byte, 4, 4+len(v)+3)
		binary.NativeEndian.PutUint16(a[0:], uint16(4+len(v)))
		binary.NativeEndian.PutUint16(a[2:], typ)
		a = append(a, v...)
		for len(a)%4 != 0 {
			a = append(a, 0)
		}
		data = append(data, a...)
	}
	return syscall.NetlinkMessage{Header: syscall.NlMsghdr{Type: syscall.RTM_NEWADDR, Len: uint32(syscall.NLMSG_HDRLEN + len(data))}, Data: data}
}

func TestParseAddrMessage(t *testing.T) {
	v6 := testAddress.Addr().AsSlice()
	flags32 := func(f uint32) []byte { b := make([]byte, 4); binary.NativeEndian.PutUint32(b, f); return b }
	for _, tc := range []struct {
		name  string
		m     syscall.NetlinkMessage
		ok    bool
		want  string
		flags uint32
	}{
		{"IPv6 with IFA_FLAGS", addrMessage(syscall.AF_INET6, 64, 0, 0, 7, map[uint16][]byte{
			syscall.IFA_ADDRESS: v6, ifaFlags: flags32(syscall.IFA_F_PERMANENT | syscall.IFA_F_TENTATIVE | 0x200)}),
			true, testAddress.String(), syscall.IFA_F_PERMANENT | syscall.IFA_F_TENTATIVE | 0x200},
		{"IPv6 without IFA_FLAGS", addrMessage(syscall.AF_INET6, 64, syscall.IFA_F_DADFAILED, 0, 7, map[uint16][]byte{syscall.IFA_ADDRESS: v6}),
			true, testAddress.String(), syscall.IFA_F_DADFAILED},
		{"IPv4 point-to-point: IFA_LOCAL is ours", addrMessage(syscall.AF_INET, 24, syscall.IFA_F_PERMANENT, 0, 7, map[uint16][]byte{
			syscall.IFA_ADDRESS: {192, 0, 2, 1}, syscall.IFA_LOCAL: {192, 0, 2, 10}}),
			true, "192.0.2.10/24", syscall.IFA_F_PERMANENT},
		{"other link", addrMessage(syscall.AF_INET6, 64, 0, 0, 8, map[uint16][]byte{syscall.IFA_ADDRESS: v6}), false, "", 0},
		{"link scope", addrMessage(syscall.AF_INET6, 64, 0, syscall.RT_SCOPE_LINK, 7, map[uint16][]byte{syscall.IFA_ADDRESS: v6}), false, "", 0},
	} {
		m := tc.m
		a, ok, err := parseAddrMessage(&m, 7)
		if err != nil || ok != tc.ok || (ok && (a.prefix.String() != tc.want || a.flags != tc.flags)) {
			t.Errorf("%s: parseAddrMessage = %+v, %v, %v; want %s flags %#x", tc.name, a, ok, err, tc.want, tc.flags)
		}
	}
	bad := addrMessage(syscall.AF_INET6, 64, 0, 0, 7, map[uint16][]byte{syscall.IFA_ADDRESS: {1, 2, 3, 4}})
	if _, _, err := parseAddrMessage(&bad, 7); err == nil {
		t.Error("parseAddrMessage accepted a 4-byte IPv6 address")
	}
	short := syscall.NetlinkMessage{Data: []byte{1, 2}}
	if _, _, err := parseAddrMessage(&short, 7); err == nil {
		t.Error("parseAddrMessage accepted a short message")
	}
}
