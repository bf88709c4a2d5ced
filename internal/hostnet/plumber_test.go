package hostnet

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"charm-octavia/internal/system"
	"charm-octavia/internal/system/systemtest"
)

const (
	testPortID = "0f7c5e1a-3b2d-4c8e-9a61-5d2e8b7c4f10"
	testMAC    = "fa:16:3e:4f:28:ce"
)

var testAddress = netip.MustParsePrefix("fd00:1234:5678:9abc:f816:3eff:fe4f:28ce/64")

func testWant() Want {
	return Want{Name: InterfaceName, Bridge: Bridge, PortID: testPortID, MAC: testMAC, MTU: 1442, Address: testAddress}
}

// The read-only query Ensure runs on every pass.
const testQuery = `ovs-vsctl --timeout=30 --format=json -- --columns=name,type,external_ids,mtu_request,error find Interface name="o-hm0" -- --columns=_uuid find Port name="o-hm0" -- --columns=name,ports list Bridge`

// The one transaction that adds the interface.
const testAdd = `ovs-vsctl --timeout=30 -- --may-exist add-port br-int o-hm0 -- set Interface o-hm0 type=internal ` +
	`external-ids:iface-id="0f7c5e1a-3b2d-4c8e-9a61-5d2e8b7c4f10" external-ids:attached-mac="fa:16:3e:4f:28:ce" ` +
	`external-ids:iface-status="active" external-ids:skip_cleanup="true" mtu_request=1442`

func ensure(t *testing.T, h *fakeHost, w Want) []string {
	t.Helper()
	changed, err := h.plumber().Ensure(context.Background(), w)
	if err != nil {
		t.Fatalf("Ensure: %v", err)
	}
	return changed
}

// assertCalls compares the command lines run since the last reset.
func assertCalls(t *testing.T, h *fakeHost, want ...string) {
	t.Helper()
	if !slices.Equal(h.calls, want) {
		t.Errorf("calls:\n  %s\nwant:\n  %s", strings.Join(h.calls, "\n  "), strings.Join(want, "\n  "))
	}
	h.calls = nil
}

// assertConverged checks that the link is as wanted and that another pass
// does nothing but the query.
func assertConverged(t *testing.T, h *fakeHost, w Want) {
	t.Helper()
	o, _ := h.observe(w.Name)
	if d := o.Drift(w); d != nil {
		t.Errorf("drift after Ensure: %q", d)
	}
	h.calls = nil
	if changed := ensure(t, h, w); changed != nil {
		t.Errorf("second Ensure changed %q", changed)
	}
	assertCalls(t, h, strings.ReplaceAll(testQuery, `"o-hm0"`, `"`+w.Name+`"`))
}

func TestEnsureFromNothing(t *testing.T) {
	h := newFakeHost(t)
	w := testWant()
	changed := ensure(t, h, w)
	assertCalls(t, h,
		testQuery,
		testAdd,
		"ip link set dev o-hm0 address fa:16:3e:4f:28:ce up",
		"ip -6 addr replace fd00:1234:5678:9abc:f816:3eff:fe4f:28ce/64 dev o-hm0 nodad",
	)
	want := []string{
		"added OVS port o-hm0 to br-int for Neutron port " + testPortID,
		"set link o-hm0 MAC fa:16:3e:4f:28:ce, up",
		"added address fd00:1234:5678:9abc:f816:3eff:fe4f:28ce/64 to o-hm0",
	}
	if !slices.Equal(changed, want) {
		t.Errorf("changed = %q, want %q", changed, want)
	}
	assertConverged(t, h, w)
}

func TestEnsureWithoutMTUOrAddress(t *testing.T) {
	h := newFakeHost(t)
	w := testWant()
	w.MTU, w.Address = 0, netip.Prefix{}
	ensure(t, h, w)
	assertCalls(t, h,
		testQuery,
		strings.TrimSuffix(testAdd, " mtu_request=1442"),
		"ip link set dev o-hm0 address fa:16:3e:4f:28:ce up",
	)
	assertConverged(t, h, w)
	// The address arrives later: only the address is added.
	w.Address = testAddress
	ensure(t, h, w)
	assertCalls(t, h, testQuery, "ip -6 addr replace "+testAddress.String()+" dev o-hm0 nodad")
}

func TestEnsureConvergedRunsOneQuery(t *testing.T) {
	h := newFakeHost(t)
	w := testWant()
	h.converge(w)
	changed, err := h.plumber().Ensure(context.Background(), w)
	if err != nil || changed != nil {
		t.Fatalf("Ensure = %q, %v; want nothing", changed, err)
	}
	assertCalls(t, h, testQuery)
}

// A re-created Neutron port (another ID or MAC), another bridge, another
// type or a lost kernel link: the interface is deleted and added again, so
// that the OVS agent notices it.
func TestEnsureReplugs(t *testing.T) {
	newWant := testWant()
	newWant.PortID = "11111111-2222-3333-4444-555555555555"
	newWant.MAC = "fa:16:3e:00:00:01"
	newWant.Address = netip.MustParsePrefix("fd00:1234:5678:9abc:f816:3eff:fe00:1/64")

	for _, tc := range []struct {
		name   string
		break_ func(h *fakeHost)
		want   Want
		reason string
	}{
		{"iface-id", func(h *fakeHost) {}, func() Want { w := testWant(); w.PortID = newWant.PortID; return w }(),
			`iface-id "` + testPortID + `" != ` + newWant.PortID},
		{"new port", func(h *fakeHost) {}, newWant,
			`iface-id "` + testPortID + `" != ` + newWant.PortID + `, attached-mac "fa:16:3e:4f:28:ce" != fa:16:3e:00:00:01`},
		{"attached-mac", func(h *fakeHost) { h.ports["o-hm0"].ext[extAttachedMAC] = "fa:16:3e:99:99:99" }, testWant(),
			`attached-mac "fa:16:3e:99:99:99" != fa:16:3e:4f:28:ce`},
		{"bridge", func(h *fakeHost) { h.ports["o-hm0"].bridge = "br-ex" }, testWant(), "on bridge br-ex"},
		{"type", func(h *fakeHost) { h.ports["o-hm0"].typ = "system" }, testWant(), `type "system" != internal`},
		{"link", func(h *fakeHost) { delete(h.links, "o-hm0") }, testWant(), "no kernel link"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newFakeHost(t)
			h.converge(testWant())
			tc.break_(h)
			w := tc.want
			changed := ensure(t, h, w)
			add := strings.NewReplacer(testPortID, w.PortID, testMAC, w.MAC).Replace(testAdd)
			assertCalls(t, h,
				testQuery,
				"ovs-vsctl --timeout=30 -- --if-exists del-port o-hm0",
				add,
				"ip link set dev o-hm0 address "+w.MAC+" up",
				"ip -6 addr replace "+w.Address.String()+" dev o-hm0 nodad",
			)
			if len(changed) != 4 || changed[0] != "deleted OVS port o-hm0: "+tc.reason {
				t.Errorf("changed = %q, want 4 lines starting with the reason %q", changed, tc.reason)
			}
			if p := h.ports["o-hm0"]; p.bridge != Bridge || p.ext[extIfaceID] != w.PortID {
				t.Errorf("port after Ensure: %+v", p)
			}
			assertConverged(t, h, w)
		})
	}
}

// Settings the OVS agent does not need to notice are fixed in place, in
// one transaction.
func TestEnsureUpdatesInterfaceInPlace(t *testing.T) {
	h := newFakeHost(t)
	w := testWant()
	h.converge(w)
	delete(h.ports["o-hm0"].ext, extSkipCleanup)
	h.ports["o-hm0"].ext[extIfaceStatus] = "inactive"
	w.MTU = 1400
	changed := ensure(t, h, w)
	assertCalls(t, h,
		testQuery,
		`ovs-vsctl --timeout=30 -- set Interface o-hm0 external-ids:iface-status="active" external-ids:skip_cleanup="true" mtu_request=1400`,
	)
	want := []string{`set OVS interface o-hm0 external-ids:iface-status="active" external-ids:skip_cleanup="true" mtu_request=1400`}
	if !slices.Equal(changed, want) {
		t.Errorf("changed = %q, want %q", changed, want)
	}
	if o, _ := h.observe("o-hm0"); o.MTU != 1400 {
		t.Errorf("MTU = %d after mtu_request, want 1400", o.MTU)
	}
	assertConverged(t, h, w)
}

// MAC, MTU and up are fixed with one ip link call naming only what
// differs.
func TestEnsureLinkDrift(t *testing.T) {
	for _, tc := range []struct {
		name    string
		break_  func(l *Observed)
		call    string
		changed string
	}{
		{"MAC", func(l *Observed) { l.MAC = "92:ef:a3:7f:a0:d5" }, "ip link set dev o-hm0 address fa:16:3e:4f:28:ce", "set link o-hm0 MAC fa:16:3e:4f:28:ce"},
		{"MTU", func(l *Observed) { l.MTU = 1500 }, "ip link set dev o-hm0 mtu 1442", "set link o-hm0 MTU 1442"},
		{"down", func(l *Observed) { l.Up = false }, "ip link set dev o-hm0 up", "set link o-hm0 up"},
		{"all", func(l *Observed) { l.MAC, l.MTU, l.Up = "92:ef:a3:7f:a0:d5", 9000, false },
			"ip link set dev o-hm0 address fa:16:3e:4f:28:ce mtu 1442 up", "set link o-hm0 MAC fa:16:3e:4f:28:ce, MTU 1442, up"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newFakeHost(t)
			w := testWant()
			h.converge(w)
			tc.break_(h.links["o-hm0"])
			changed := ensure(t, h, w)
			assertCalls(t, h, testQuery, tc.call)
			if !slices.Equal(changed, []string{tc.changed}) {
				t.Errorf("changed = %q, want %q", changed, tc.changed)
			}
			assertConverged(t, h, w)
		})
	}
}

// An uppercase or dash-separated MAC address from Neutron is the same
// address: no drift.
func TestEnsureNormalizesMAC(t *testing.T) {
	h := newFakeHost(t)
	h.converge(testWant())
	w := testWant()
	w.MAC = "FA-16-3E-4F-28-CE"
	if changed := ensure(t, h, w); changed != nil {
		t.Errorf("changed = %q, want nothing", changed)
	}
}

func TestEnsureAddresses(t *testing.T) {
	p := netip.MustParsePrefix
	stale := p("fd00:1234:5678:9abc:f816:3eff:fe11:2233/64")
	for _, tc := range []struct {
		name    string
		break_  func(l *Observed)
		calls   []string
		changed []string
	}{
		{"missing", func(l *Observed) { l.Addresses = nil },
			[]string{"ip -6 addr replace " + testAddress.String() + " dev o-hm0 nodad"},
			[]string{"added address " + testAddress.String() + " to o-hm0"}},
		{"stale address from an earlier port", func(l *Observed) { l.Addresses = append(l.Addresses, stale) },
			[]string{"ip -6 addr del " + stale.String() + " dev o-hm0"},
			[]string{"removed stale address " + stale.String() + " from o-hm0"}},
		{"stale and missing", func(l *Observed) { l.Addresses = []netip.Prefix{stale} },
			[]string{"ip -6 addr del " + stale.String() + " dev o-hm0", "ip -6 addr replace " + testAddress.String() + " dev o-hm0 nodad"},
			[]string{"removed stale address " + stale.String() + " from o-hm0", "added address " + testAddress.String() + " to o-hm0"}},
		{"wanted address as /128", func(l *Observed) { l.Addresses = []netip.Prefix{netip.PrefixFrom(testAddress.Addr(), 128)} },
			[]string{"ip -6 addr del " + testAddress.Addr().String() + "/128 dev o-hm0", "ip -6 addr replace " + testAddress.String() + " dev o-hm0 nodad"},
			[]string{"removed stale address " + testAddress.Addr().String() + "/128 from o-hm0", "added address " + testAddress.String() + " to o-hm0"}},
		{"tentative", func(l *Observed) { l.Tentative = []netip.Prefix{testAddress} },
			[]string{"ip -6 addr del " + testAddress.String() + " dev o-hm0", "ip -6 addr replace " + testAddress.String() + " dev o-hm0 nodad"},
			[]string{"re-added address " + testAddress.String() + " to o-hm0 without DAD (was tentative)"}},
		{"dynamic wanted address is kept", func(l *Observed) { l.Dynamic = []netip.Prefix{testAddress} }, nil, nil},
		{"dynamic address in the subnet is kept", func(l *Observed) {
			l.Addresses = append(l.Addresses, stale)
			l.Dynamic = []netip.Prefix{stale}
		}, nil, nil},
		{"other subnets and IPv4 are kept", func(l *Observed) {
			l.Addresses = append(l.Addresses, p("fd00:1234:5678:9abd::1/64"), p("192.0.2.10/24"))
		}, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newFakeHost(t)
			w := testWant()
			h.converge(w)
			tc.break_(h.links["o-hm0"])
			changed := ensure(t, h, w)
			assertCalls(t, h, append([]string{testQuery}, tc.calls...)...)
			if !slices.Equal(changed, tc.changed) {
				t.Errorf("changed = %q, want %q", changed, tc.changed)
			}
			if changed, err := h.plumber().Ensure(context.Background(), w); changed != nil || err != nil {
				t.Errorf("second Ensure = %q, %v; want nothing", changed, err)
			}
		})
	}
}

func TestEnsureIPv4Address(t *testing.T) {
	h := newFakeHost(t)
	w := testWant()
	w.Address = netip.MustParsePrefix("192.0.2.10/24")
	h.converge(w)
	h.links["o-hm0"].Addresses = []netip.Prefix{netip.MustParsePrefix("192.0.2.99/24")}
	ensure(t, h, w)
	assertCalls(t, h, testQuery, "ip -4 addr del 192.0.2.99/24 dev o-hm0", "ip -4 addr replace 192.0.2.10/24 dev o-hm0")
}

// A failing program makes Ensure stop with an error that names the step
// and wraps the *system.CommandError, and returns what it already did.
func TestEnsureFailures(t *testing.T) {
	for _, tc := range []struct {
		name    string
		setup   func(h *fakeHost)
		prefix  string
		step    string
		changed int
	}{
		{"query", func(h *fakeHost) {}, "ovs-vsctl --timeout=30 --format=json", "ensure o-hm0: query OVS: ovs-vsctl", 0},
		{"add", func(h *fakeHost) {}, "ovs-vsctl --timeout=30 -- --may-exist add-port", "ensure o-hm0: add OVS port to br-int: ovs-vsctl", 0},
		{"delete", func(h *fakeHost) { h.converge(testWant()); h.ports["o-hm0"].ext[extIfaceID] = "old" },
			"ovs-vsctl --timeout=30 -- --if-exists del-port", `ensure o-hm0: delete OVS port (iface-id "old" != ` + testPortID + `): ovs-vsctl`, 0},
		{"re-add", func(h *fakeHost) { h.converge(testWant()); h.ports["o-hm0"].ext[extIfaceID] = "old" },
			"ovs-vsctl --timeout=30 -- --may-exist add-port", "ensure o-hm0: re-add OVS port to br-int: ovs-vsctl", 1},
		{"update", func(h *fakeHost) { h.converge(testWant()); h.ports["o-hm0"].mtuReq = 0 },
			"ovs-vsctl --timeout=30 -- set Interface", "ensure o-hm0: update OVS interface: ovs-vsctl", 0},
		{"link", func(h *fakeHost) {}, "ip link set", "ensure o-hm0: set link: ip link set dev o-hm0", 1},
		{"stale address", func(h *fakeHost) {
			h.converge(testWant())
			h.links["o-hm0"].Addresses = append(h.links["o-hm0"].Addresses, netip.MustParsePrefix("fd00:1234:5678:9abc::99/64"))
		}, "ip -6 addr del", "ensure o-hm0: remove address fd00:1234:5678:9abc::99/64: ip -6 addr del", 0},
		{"address", func(h *fakeHost) {}, "ip -6 addr replace", "ensure o-hm0: add address " + testAddress.String() + ": ip -6 addr replace", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newFakeHost(t)
			tc.setup(h)
			h.fail[tc.prefix] = systemtest.Exit(1, "ovs-vsctl: something broke")
			changed, err := h.plumber().Ensure(context.Background(), testWant())
			var ce *system.CommandError
			if !errors.As(err, &ce) {
				t.Fatalf("Ensure error = %v, want a wrapped *system.CommandError", err)
			}
			if !strings.HasPrefix(err.Error(), tc.step) || !strings.HasSuffix(err.Error(), "something broke") {
				t.Errorf("error = %q, want it to start with %q and end with the program's stderr", err, tc.step)
			}
			if len(changed) != tc.changed {
				t.Errorf("changed = %q, want %d lines", changed, tc.changed)
			}
		})
	}
}

func TestEnsureNoLinkAfterPlug(t *testing.T) {
	h := newFakeHost(t)
	h.noLinks = true
	_, err := h.plumber().Ensure(context.Background(), testWant())
	if err == nil || !strings.Contains(err.Error(), "ensure o-hm0: plug into OVS: no link o-hm0 after plugging it in") {
		t.Errorf("Ensure error = %v, want no link", err)
	}
}

func TestEnsureRejectsBadWant(t *testing.T) {
	h := newFakeHost(t)
	w := testWant()
	w.PortID = "x; rm -rf /"
	if _, err := h.plumber().Ensure(context.Background(), w); err == nil || !strings.Contains(err.Error(), "port ID") {
		t.Errorf("Ensure error = %v, want a port ID error", err)
	}
	if h.calls != nil {
		t.Errorf("calls = %q, want none", h.calls)
	}
}

func TestRemove(t *testing.T) {
	const del = `ovs-vsctl --timeout=30 --format=json -- --columns=_uuid find Port name="o-hm0" -- --if-exists del-port br-int o-hm0`
	h := newFakeHost(t)
	h.converge(testWant())
	removed, err := h.plumber().Remove(context.Background(), InterfaceName, Bridge)
	if err != nil || !removed {
		t.Fatalf("Remove = %v, %v; want true", removed, err)
	}
	assertCalls(t, h, del)
	if len(h.ports) != 0 || len(h.links) != 0 {
		t.Errorf("after Remove: ports %v, links %v", h.ports, h.links)
	}
	removed, err = h.plumber().Remove(context.Background(), InterfaceName, Bridge)
	if err != nil || removed {
		t.Fatalf("second Remove = %v, %v; want false", removed, err)
	}
	assertCalls(t, h, del)

	h.fail["ovs-vsctl"] = systemtest.Exit(1, "ovs-vsctl: bridge br-int does not have a port o-hm0")
	_, err = h.plumber().Remove(context.Background(), InterfaceName, Bridge)
	var ce *system.CommandError
	if !errors.As(err, &ce) || !strings.HasPrefix(err.Error(), "remove OVS port o-hm0 from br-int: ovs-vsctl") {
		t.Errorf("Remove error = %v", err)
	}
}

// The query output of a real ovs-vsctl 3.1 (Debian 12), with an interface
// and without.
func TestParseQuery(t *testing.T) {
	present := `{"data":[["o-hmt9","internal",["map",[["attached-mac","fa:16:3e:4f:28:ce"],["iface-id","11111111-2222-3333-4444-555555555555"],["iface-status","active"],["skip_cleanup","true"]]],1442,["set",[]]]],"headings":["name","type","external_ids","mtu_request","error"]}
{"data":[[["uuid","e55142a7-8621-4081-be38-15782a367600"]]],"headings":["_uuid"]}
{"data":[["br-int",["set",[["uuid","bc966862-02d0-4e24-8905-779e35eab1a5"],["uuid","e55142a7-8621-4081-be38-15782a367600"]]]],["br-tun",["uuid","3180f97a-bfd9-4369-83c6-83f99771029a"]]],"headings":["name","ports"]}
`
	p, err := parseQuery([]byte(present))
	if err != nil {
		t.Fatal(err)
	}
	want := ovsPort{Present: true, Bridge: "br-int", Type: "internal", MTURequest: 1442, ExternalIDs: map[string]string{
		"attached-mac": "fa:16:3e:4f:28:ce", "iface-id": "11111111-2222-3333-4444-555555555555", "iface-status": "active", "skip_cleanup": "true"}}
	if p.Present != want.Present || p.Bridge != want.Bridge || p.Type != want.Type || p.MTURequest != want.MTURequest || len(p.ExternalIDs) != 4 ||
		p.ExternalIDs["iface-id"] != want.ExternalIDs["iface-id"] || p.ExternalIDs["attached-mac"] != want.ExternalIDs["attached-mac"] {
		t.Errorf("parseQuery = %+v, want %+v", p, want)
	}

	absent := `{"data":[],"headings":["name","type","external_ids","mtu_request","error"]}
{"data":[],"headings":["_uuid"]}
{"data":[["br-int",["uuid","e55142a7-8621-4081-be38-15782a367600"]]],"headings":["name","ports"]}
`
	if p, err := parseQuery([]byte(absent)); err != nil || p.Present || p.Bridge != "" {
		t.Errorf("parseQuery(absent) = %+v, %v", p, err)
	}

	withError := `{"data":[["o-hmt9","internal",["map",[]],["set",[]],"could not open network device o-hmt9 (No such device)"]],"headings":["name","type","external_ids","mtu_request","error"]}
{"data":[],"headings":["_uuid"]}
{"data":[],"headings":["name","ports"]}
`
	if p, err := parseQuery([]byte(withError)); err != nil || !p.Present || p.Error == "" || p.MTURequest != 0 {
		t.Errorf("parseQuery(with error) = %+v, %v", p, err)
	}

	for _, bad := range []string{"", "not json", `{"data":[["x"]],"headings":[]}`, present[:len(present)/2]} {
		if _, err := parseQuery([]byte(bad)); err == nil {
			t.Errorf("parseQuery(%q) succeeded", bad)
		}
	}
}
