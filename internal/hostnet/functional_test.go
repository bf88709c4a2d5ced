//go:build functional

package hostnet

// Against a real userspace Open vSwitch, as root:
//
//	go test -tags functional ./internal/hostnet -v
//
// The test plugs its own interface o-hmt1 (never o-hm0, which the charm's
// functional tests use) into br-int and a bridge of its own, and removes
// both when it ends. It starts Open vSwitch the way the test bed does
// (reference/local-test-bed.md) when it is not running.

import (
	"context"
	"encoding/json"
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"charm-octavia/internal/system"
)

const (
	fnName   = "o-hmt1"
	fnBridge = "br-hmt1" // a bridge of the test's own, to move the port to
	fnPortID = "6b1e3f0a-9c2d-4e7f-8a15-0d3c2b1a9e01"
	fnPortB  = "6b1e3f0a-9c2d-4e7f-8a15-0d3c2b1a9e02"
	fnMAC    = "fa:16:3e:4f:28:ce"
)

// loggingCommander runs real programs and logs each command line, so the
// test output shows what Ensure ran.
type loggingCommander struct {
	t     *testing.T
	calls []string
}

func (c *loggingCommander) Run(ctx context.Context, name string, args []string, env []string, stdin []byte) ([]byte, error) {
	line := strings.Join(append([]string{name}, args...), " ")
	c.calls = append(c.calls, line)
	c.t.Logf("  run: %s", line)
	return system.Exec{}.Run(ctx, name, args, env, stdin)
}

// sh runs a program for the test itself and returns its trimmed output.
func sh(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// ok says whether a program succeeds.
func ok(name string, args ...string) bool {
	return exec.Command(name, args...).Run() == nil
}

// ensureOVS makes sure userspace Open vSwitch is running with a br-int,
// starting it as the test bed does only when it is not already running (a
// test-bed script may have started it, and the daemons' pid files refuse a
// second instance anyway).
func ensureOVS(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("ovs-vsctl"); err != nil {
		t.Log("installing openvswitch-switch")
		cmd := exec.Command("apt-get", "install", "-y", "-o", "DPkg::Lock::Timeout=600", "openvswitch-switch")
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("apt-get install openvswitch-switch: %v: %s", err, out)
		}
	}
	if !ok("ovs-vsctl", "--timeout=2", "show") {
		t.Log("Open vSwitch is not running: starting it in userspace")
		if !ok("ovs-appctl", "-t", "ovsdb-server", "version") {
			if _, err := os.Stat("/etc/openvswitch/conf.db"); os.IsNotExist(err) {
				sh(t, "mkdir", "-p", "/etc/openvswitch")
				sh(t, "ovsdb-tool", "create", "/etc/openvswitch/conf.db", "/usr/share/openvswitch/vswitch.ovsschema")
			}
			sh(t, "mkdir", "-p", "/var/run/openvswitch")
			// Fails harmlessly if another script started it meanwhile.
			out, err := exec.Command("ovsdb-server", "--remote=punix:/var/run/openvswitch/db.sock", "--pidfile", "--detach", "--log-file").CombinedOutput()
			t.Logf("ovsdb-server: %v %s", err, out)
		}
		sh(t, "ovs-vsctl", "--no-wait", "init")
		if !ok("ovs-appctl", "-t", "ovs-vswitchd", "version") {
			out, err := exec.Command("ovs-vswitchd", "--pidfile", "--detach", "--log-file").CombinedOutput()
			t.Logf("ovs-vswitchd: %v %s", err, out)
		}
		deadline := time.Now().Add(30 * time.Second)
		for !ok("ovs-vsctl", "--timeout=2", "show") {
			if time.Now().After(deadline) {
				t.Fatal("Open vSwitch did not start")
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	if !ok("ovs-vsctl", "br-exists", Bridge) {
		sh(t, "ovs-vsctl", "--may-exist", "add-br", Bridge, "--", "set", "bridge", Bridge, "datapath_type=netdev")
	}
}

// ipAddr is one entry of ip -j addr's addr_info.
type ipAddr struct {
	Family    string `json:"family"`
	Local     string `json:"local"`
	PrefixLen int    `json:"prefixlen"`
	Scope     string `json:"scope"`
	Tentative bool   `json:"tentative"`
	DADFailed bool   `json:"dadfailed"`
}

// ipLink is what ip -j addr show says of a link.
type ipLink struct {
	IfIndex  int      `json:"ifindex"`
	Flags    []string `json:"flags"`
	MTU      int      `json:"mtu"`
	Address  string   `json:"address"`
	AddrInfo []ipAddr `json:"addr_info"`
}

// showLink reads the link with ip, independently of Observe.
func showLink(t *testing.T, name string) ipLink {
	t.Helper()
	var links []ipLink
	if err := json.Unmarshal([]byte(sh(t, "ip", "-j", "addr", "show", "dev", name)), &links); err != nil || len(links) != 1 {
		t.Fatalf("ip -j addr show dev %s: %v %v", name, links, err)
	}
	return links[0]
}

// checkPlumbed checks with ovs-vsctl and ip (not with this package) that
// the interface is what w describes, and returns its link.
func checkPlumbed(t *testing.T, w Want) ipLink {
	t.Helper()
	if br := sh(t, "ovs-vsctl", "port-to-br", w.Name); br != w.Bridge {
		t.Errorf("%s is on bridge %s, want %s", w.Name, br, w.Bridge)
	}
	if typ := sh(t, "ovs-vsctl", "get", "Interface", w.Name, "type"); typ != "internal" {
		t.Errorf("type = %s", typ)
	}
	for k, v := range map[string]string{"iface-id": w.PortID, "attached-mac": w.MAC, "iface-status": "active", "skip_cleanup": "true"} {
		if got := sh(t, "ovs-vsctl", "get", "Interface", w.Name, "external-ids:"+k); strings.Trim(got, `"`) != v {
			t.Errorf("external-ids:%s = %s, want %s", k, got, v)
		}
	}
	if got := sh(t, "ovs-vsctl", "get", "Interface", w.Name, "mtu_request"); got != strconv.Itoa(w.MTU) {
		t.Errorf("mtu_request = %s, want %d", got, w.MTU)
	}
	l := showLink(t, w.Name)
	if l.Address != w.MAC || l.MTU != w.MTU || !slices.Contains(l.Flags, "UP") {
		t.Errorf("link: MAC %s, MTU %d, flags %v; want %s, %d, UP", l.Address, l.MTU, l.Flags, w.MAC, w.MTU)
	}
	found := false
	for _, a := range l.AddrInfo {
		if a.Local == w.Address.Addr().String() && a.PrefixLen == w.Address.Bits() {
			found = true
			if a.Tentative || a.DADFailed || a.Scope != "global" {
				t.Errorf("address %s: %+v, want global and not tentative", w.Address, a)
			}
		}
	}
	if !found {
		t.Errorf("address %s not on %s: %+v", w.Address, w.Name, l.AddrInfo)
	}
	if o, err := Observe(w.Name); err != nil || o.Drift(w) != nil {
		t.Errorf("Observe = %+v, %v; drift %q", o, err, o.Drift(w))
	}
	return l
}

func TestFunctionalEnsure(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	ensureOVS(t)
	cleanup := func() {
		exec.Command("ovs-vsctl", "--if-exists", "del-port", fnName).Run()
		exec.Command("ovs-vsctl", "--if-exists", "del-br", fnBridge).Run()
	}
	cleanup() // left over from an interrupted run
	t.Cleanup(cleanup)
	sh(t, "ovs-vsctl", "add-br", fnBridge, "--", "set", "bridge", fnBridge, "datapath_type=netdev")

	ctx := context.Background()
	cmd := &loggingCommander{t: t}
	p := Plumber{Cmd: cmd}
	prefix := netip.MustParsePrefix("fd00:1234:5678:9abc::/64")
	addr, err := SLAACAddress(prefix, fnMAC)
	if err != nil {
		t.Fatal(err)
	}
	w := Want{Name: fnName, Bridge: Bridge, PortID: fnPortID, MAC: fnMAC, MTU: 1442, Address: netip.PrefixFrom(addr, 64)}

	// ensure runs Ensure, logs what it did, and checks the result with ip
	// and ovs-vsctl.
	ensure := func(step string, wantChange bool) ipLink {
		t.Helper()
		t.Logf("%s:", step)
		cmd.calls = nil
		start := time.Now()
		changed, err := p.Ensure(ctx, w)
		t.Logf("  Ensure took %v, changed %q", time.Since(start).Round(time.Microsecond), changed)
		if err != nil {
			t.Fatalf("%s: Ensure: %v", step, err)
		}
		if wantChange != (changed != nil) {
			t.Errorf("%s: changed = %q", step, changed)
		}
		if !wantChange && len(cmd.calls) != 1 {
			t.Errorf("%s: ran %d programs on a converged interface, want 1 query", step, len(cmd.calls))
		}
		return checkPlumbed(t, w)
	}

	first := ensure("from nothing", true)
	ensure("again", false)

	sh(t, "ip", "link", "set", "dev", fnName, "address", "fa:16:3e:00:11:22")
	if o, _ := Observe(fnName); !slices.Equal(o.Drift(w), []string{"MAC fa:16:3e:00:11:22 != " + fnMAC}) {
		t.Errorf("drift after a MAC change: %q", o.Drift(w))
	}
	ensure("MAC changed by hand", true)
	ensure("MAC repaired", false)

	sh(t, "ip", "link", "set", "dev", fnName, "down")
	ensure("link down by hand (IPv6 addresses go with it)", true)

	sh(t, "ip", "-6", "addr", "add", "fd00:1234:5678:9abc::99/64", "dev", fnName, "nodad")
	ensure("stale address in the subnet", true)
	for _, a := range showLink(t, fnName).AddrInfo {
		if a.Local == "fd00:1234:5678:9abc::99" {
			t.Errorf("stale address still there")
		}
	}

	// An address under duplicate address detection is tentative; one with
	// a lifetime (as from a router advertisement) is dynamic, and stays.
	tentative := netip.MustParsePrefix("fd00:1234:5678:9abc::77/64")
	dynamic := netip.MustParsePrefix("fd00:1234:5678:9abc::78/64")
	sh(t, "ip", "-6", "addr", "add", tentative.String(), "dev", fnName)
	sh(t, "ip", "-6", "addr", "add", dynamic.String(), "dev", fnName, "nodad", "valid_lft", "300", "preferred_lft", "300")
	o, err := Observe(fnName)
	if err != nil || !slices.Contains(o.Tentative, tentative) || !slices.Equal(o.Dynamic, []netip.Prefix{dynamic}) {
		t.Errorf("Observe = %+v, %v; want %s tentative and %s dynamic", o, err, tentative, dynamic)
	}
	t.Logf("drift with a tentative and a dynamic address: %q", o.Drift(w))
	ensure("tentative stale address and dynamic address", true)
	if o, _ := Observe(fnName); slices.Contains(o.Addresses, tentative) || !slices.Contains(o.Addresses, dynamic) {
		t.Errorf("addresses after Ensure: %v; want %s removed and %s kept", o.Addresses, tentative, dynamic)
	}

	sh(t, "ip", "-6", "addr", "del", w.Address.String(), "dev", fnName)
	sh(t, "ip", "-6", "addr", "add", w.Address.String(), "dev", fnName)
	if o, _ := Observe(fnName); !slices.Equal(o.Drift(w), []string{"address " + w.Address.String() + " tentative"}) {
		t.Errorf("drift with the address under DAD: %q", o.Drift(w))
	}
	ensure("address re-added by hand with DAD (tentative)", true)

	sh(t, "ovs-vsctl", "del-port", Bridge, fnName)
	ensure("OVS port deleted by hand", true)

	uuidBefore := sh(t, "ovs-vsctl", "get", "Interface", fnName, "_uuid")
	ifindexBefore := showLink(t, fnName).IfIndex
	w.PortID = fnPortB
	after := ensure("iface-id changed (Neutron port re-created)", true)
	if uuid := sh(t, "ovs-vsctl", "get", "Interface", fnName, "_uuid"); uuid == uuidBefore || after.IfIndex == ifindexBefore {
		t.Errorf("interface not deleted and re-added: _uuid %s -> %s, ifindex %d -> %d", uuidBefore, uuid, ifindexBefore, after.IfIndex)
	}
	t.Logf("  re-added: ifindex %d -> %d (first was %d)", ifindexBefore, after.IfIndex, first.IfIndex)

	w.MTU = 1400
	ensure("MTU changed (mtu_request in place)", true)

	sh(t, "ip", "link", "set", "dev", fnName, "mtu", "1500")
	time.Sleep(100 * time.Millisecond)
	t.Logf("MTU after ip link set mtu 1500 by hand, with mtu_request=1400: %d", showLink(t, fnName).MTU)

	w.Bridge = fnBridge
	ensure("moved to another bridge", true)
	w.Bridge = Bridge
	ensure("moved back", true)

	w.Address = netip.MustParsePrefix("192.0.2.10/24")
	ensure("IPv4 address", true)
	if o, _ := Observe(fnName); !slices.Contains(o.Addresses, netip.MustParsePrefix("fd00:1234:5678:9abc:f816:3eff:fe4f:28ce/64")) {
		t.Errorf("the IPv6 address went with the IPv4 one: %v", o.Addresses)
	}

	bench := testing.Benchmark(func(b *testing.B) {
		for b.Loop() {
			if _, err := Observe(fnName); err != nil {
				b.Fatal(err)
			}
		}
	})
	t.Logf("Observe(%s): %s, %s", fnName, bench, bench.MemString())

	removed, err := p.Remove(ctx, fnName, Bridge)
	if err != nil || !removed {
		t.Fatalf("Remove = %v, %v", removed, err)
	}
	if ok("ip", "link", "show", "dev", fnName) || ok("ovs-vsctl", "port-to-br", fnName) {
		t.Errorf("%s still there after Remove", fnName)
	}
	if o, err := Observe(fnName); err != nil || o.Exists {
		t.Errorf("Observe after Remove = %+v, %v", o, err)
	}
	removed, err = p.Remove(ctx, fnName, Bridge)
	if err != nil || removed {
		t.Errorf("second Remove = %v, %v; want false", removed, err)
	}
}
