package reconcile

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"charm-octavia/internal/cloud"
	"charm-octavia/internal/hostnet"
	"charm-octavia/internal/juju/jujutest"
	"charm-octavia/internal/octavia"
)

// fakeCloud is the OpenStack side of the management network in memory. Its
// behaviour follows what internal/cloud's functional tests saw on a real
// Neutron; the real thing runs in test/functional.
type fakeCloud struct {
	calls   []string
	ports   map[string]cloud.Port // by unit
	status  string                // status of new ports once plugged
	missing []string
	pushed  int
	fail    error
	// addressesOnly makes EnsureHealthManagerPort answer from a copy, so
	// that HealthManagerAddresses sees only what ports holds.
	addressesOnly bool
}

func newFakeCloud() *fakeCloud {
	return &fakeCloud{ports: map[string]cloud.Port{}, status: "ACTIVE"}
}

func (f *fakeCloud) call(format string, a ...any) {
	f.calls = append(f.calls, fmt.Sprintf(format, a...))
}

func (f *fakeCloud) take() []string { c := f.calls; f.calls = nil; return c }

func (f *fakeCloud) EnsureResources(_ context.Context, w cloud.Want) (cloud.Resources, cloud.Report, error) {
	f.call("resources create=%v", w.Create)
	if f.fail != nil {
		return cloud.Resources{}, cloud.Report{}, f.fail
	}
	if len(f.missing) > 0 {
		return cloud.Resources{}, cloud.Report{Missing: f.missing}, nil
	}
	return cloud.Resources{NetworkID: "net-1", MTU: 1442, SubnetID: "sub-1", SubnetCIDR: "fd00:1:2:3::/64",
			AmphoraSecGroupID: "sg-amp", HealthSecGroupID: "sg-hm", FlavorID: "flavor-1", ImageID: "img-1"},
		cloud.Report{Found: []string{"network lb-mgmt-net (net-1)"}}, nil
}

func (f *fakeCloud) EnsureHealthManagerPort(_ context.Context, w cloud.PortWant) (cloud.Port, []string, error) {
	f.call("port %s host=%s", w.Unit, w.Host)
	if f.fail != nil {
		return cloud.Port{}, nil, f.fail
	}
	p, ok := f.ports[w.Unit]
	if f.addressesOnly {
		return cloud.Port{ID: "port-1", MAC: "fa:16:3e:00:00:01", Status: "ACTIVE", VIFType: "ovs", AdminUp: true,
			Addresses: []string{"fd00:1:2:3::1"}}, nil, nil
	}
	if !ok {
		n := len(f.ports) + 1
		p = cloud.Port{ID: fmt.Sprintf("port-%d", n), MAC: fmt.Sprintf("fa:16:3e:00:00:%02x", n), Status: f.status,
			VIFType: "ovs", HostID: w.Host, AdminUp: true, NetworkID: w.NetworkID,
			Addresses: []string{fmt.Sprintf("fd00:1:2:3::%x", n)}}
		f.ports[w.Unit] = p
		return p, []string{"created"}, nil
	}
	return p, nil, nil
}

func (f *fakeCloud) DeleteHealthManagerPort(_ context.Context, unit string) (bool, error) {
	f.call("delete %s", unit)
	_, ok := f.ports[unit]
	delete(f.ports, unit)
	return ok, nil
}

func (f *fakeCloud) HealthManagerAddresses(_ context.Context, networkID string) (map[string][]string, error) {
	f.call("addresses")
	out := map[string][]string{}
	for u, p := range f.ports {
		out[u] = p.Addresses
	}
	return out, nil
}

func (f *fakeCloud) RefreshAmphoraConfig(context.Context) (int, error) {
	f.call("push")
	f.pushed++
	return 3, nil
}

// fakeLink is o-hm0 on one fake machine.
type fakeLink struct {
	sys     *fakeSystem
	want    *hostnet.Want
	ensures int
	removed bool
}

func (l *fakeLink) Ensure(_ context.Context, w hostnet.Want) ([]string, error) {
	if l.want != nil && *l.want == w {
		return nil, nil
	}
	l.ensures++
	l.want = &w
	l.sys.mgmt = w.Address.Addr().String()
	return []string{"plugged"}, nil
}

func (l *fakeLink) Remove(context.Context, string, string) (bool, error) {
	had := l.want != nil
	l.want, l.removed, l.sys.mgmt = nil, true, ""
	return had, nil
}

func (l *fakeLink) observe(string) (hostnet.Observed, error) {
	if l.want == nil {
		return hostnet.Observed{}, nil
	}
	return hostnet.Observed{Exists: true, Up: true, MAC: l.want.MAC, MTU: l.want.MTU, Addresses: []netip.Prefix{l.want.Address}}, nil
}

// withNetwork gives the harness a fake cloud and a fake link per unit, and
// relates neutron-api and neutron-openvswitch.
func (h *harness) withNetwork() *fakeCloud {
	if h.cloud == nil {
		h.cloud = newFakeCloud()
	}
	h.links = map[string]*fakeLink{}
	for u, sys := range h.systems {
		h.links[u] = &fakeLink{sys: sys}
	}
	na := h.m.AddRelation(octavia.EndpointNeutronAPI, "neutron-api")
	na.AddRemoteUnit("neutron-api/0", map[string]string{"neutron-api-ready": "True"})
	ovs := h.m.AddRelation(octavia.EndpointNeutronOpenvSwitch, "neutron-openvswitch-octavia")
	ovs.AddRemoteUnit("neutron-openvswitch-octavia/0", map[string]string{"host": "node-a.maas"})
	for _, u := range h.m.UnitNames() {
		h.relationHooks(u, na.ID, "neutron-api/0")
		h.relationHooks(u, ovs.ID, "neutron-openvswitch-octavia/0")
	}
	return h.cloud
}

func (h *harness) leaderData() map[string]string { return h.m.LeaderData }

func TestManagementNetworkConverges(t *testing.T) {
	h := newHarness(t, "octavia/0", "octavia/1")
	h.deploy(true)
	fc := h.withNetwork()
	// Followers see the leader's record through leader-settings-changed,
	// and the leader sees their addresses on the peer relation.
	h.hook("octavia/1", "leader-settings-changed")
	peer := h.m.RelationsOn(octavia.EndpointCluster)[0]
	h.relationHooks("octavia/0", peer.ID, "octavia/1")
	h.hook("octavia/1", "leader-settings-changed")
	h.relationHooks("octavia/0", peer.ID, "octavia/1")
	// The restarts for the new controller list take turns (restartlock.go).
	h.settle()

	ls := h.leaderData()
	rec, ok := octavia.ParseMgmtNetwork(ls)
	if !ok || rec.NetworkID != "net-1" || rec.HealthSecGroupID != "sg-hm" || rec.MTU != 1442 {
		t.Fatalf("management network record = %+v, %v (leader settings %v)", rec, ok, ls)
	}
	if ls["amp-boot-network-list"] != "net-1" || ls["amp-secgroup-list"] != "sg-amp" || ls["amp-flavor-id"] != "flavor-1" {
		t.Errorf("upstream leader settings not kept: %v", ls)
	}
	if got := octavia.ControllerListSet(ls); strings.Join(got, ",") != "fd00:1:2:3::1,fd00:1:2:3::2" {
		t.Errorf("controller list = %v", got)
	}
	for _, u := range []string{"octavia/0", "octavia/1"} {
		if st := h.status(u); st.Code != "active" {
			t.Errorf("%s: %s %q", u, st.Code, st.Message)
		}
		l := h.links[u]
		if l.want == nil || l.want.PortID == "" || l.want.MTU != 1442 || !l.want.Address.IsValid() {
			t.Errorf("%s: o-hm0 not plugged as the port says: %+v", u, l.want)
		}
	}
	conf := string(h.systems["octavia/1"].files[octavia.ConfPath].Data)
	if !strings.Contains(conf, "bind_ip = fd00:1:2:3::2") || !strings.Contains(conf, "controller_ip_port_list = fd00:1:2:3::1:5555, fd00:1:2:3::2:5555") {
		t.Errorf("octavia.conf of octavia/1 lacks bind_ip or the controller list:\n%s", conf)
	}
	if fc.pushed != 1 {
		t.Errorf("amphora agent configuration pushed %d times, want once all units serve it", fc.pushed)
	}

	// Converged: no hook talks to OpenStack or touches the link.
	fc.take()
	ensures := h.links["octavia/0"].ensures
	for _, u := range []string{"octavia/0", "octavia/1"} {
		for _, hook := range []string{"update-status", "config-changed", "update-status"} {
			h.hook(u, hook)
		}
	}
	if calls := fc.take(); len(calls) > 0 {
		t.Errorf("converged hooks called OpenStack: %v", calls)
	}
	if h.links["octavia/0"].ensures != ensures {
		t.Errorf("converged hooks re-plugged o-hm0")
	}

	// Local drift is repaired from what the unit knows, without OpenStack.
	l := h.links["octavia/1"]
	l.want.MAC = "00:00:00:00:00:01"
	h.hook("octavia/1", "update-status")
	if l.want.MAC != "fa:16:3e:00:00:02" {
		t.Errorf("update-status did not repair the MAC: %+v", l.want)
	}
	if calls := fc.take(); len(calls) > 0 {
		t.Errorf("a local repair called OpenStack: %v", calls)
	}

	// The follower departs: it deletes its port and interface, the leader
	// drops its address from the list.
	if _, err := h.run("octavia/1", jujutest.HookEnv{Hook: "stop"}); err != nil {
		t.Fatal(err)
	}
	if !l.removed || fc.ports["octavia/1"].ID != "" {
		t.Errorf("departing unit left its interface (%v) or port (%+v)", l.removed, fc.ports["octavia/1"])
	}
	delete(peer.LocalUnits, "octavia/1") // a peer departs the relation
	if _, err := h.run("octavia/0", jujutest.HookEnv{Hook: "cluster-relation-departed", RelationID: peer.ID, RemoteUnit: "octavia/1", DepartingUnit: "octavia/1"}); err != nil {
		t.Fatal(err)
	}
	if got := octavia.ControllerListSet(h.leaderData()); strings.Join(got, ",") != "fd00:1:2:3::1" {
		t.Errorf("controller list after departure = %v", got)
	}

	// Neutron lists no health-manager port at the next audit (its
	// database restored, say): the list is kept, never emptied.
	fc.ports = map[string]cloud.Port{}
	fc.addressesOnly = true
	h.now = h.now.Add(time.Hour)
	h.hook("octavia/0", "update-status")
	if got := octavia.ControllerListSet(h.leaderData()); strings.Join(got, ",") != "fd00:1:2:3::1" {
		t.Errorf("controller list with no port listed = %v, want the last one kept", got)
	}
}

func TestManagementNetworkFaults(t *testing.T) {
	h := newHarness(t, "octavia/0")
	h.deploy(true)
	fc := newFakeCloud()
	fc.fail = fmt.Errorf("Neutron: connection refused")
	h.cloud = fc
	h.links = map[string]*fakeLink{"octavia/0": {sys: h.systems["octavia/0"]}}
	na := h.m.AddRelation(octavia.EndpointNeutronAPI, "neutron-api")
	na.AddRemoteUnit("neutron-api/0", map[string]string{"neutron-api-ready": "True"})
	ovs := h.m.AddRelation(octavia.EndpointNeutronOpenvSwitch, "neutron-openvswitch-octavia")
	ovs.AddRemoteUnit("neutron-openvswitch-octavia/0", map[string]string{"host": "node-a.maas"})
	h.relationHooks("octavia/0", na.ID, "neutron-api/0")
	h.relationHooks("octavia/0", ovs.ID, "neutron-openvswitch-octavia/0")
	if st := h.status("octavia/0"); st.Code != "waiting" || !strings.Contains(st.Message, "connection refused") {
		t.Fatalf("with Neutron down: %s %q", st.Code, st.Message)
	}

	// Resources missing (create-mgmt-network=false): blocked, listing them.
	fc.fail = nil
	fc.missing = []string{"network tagged charm-octavia", "security group tagged charm-octavia-health"}
	if err := h.m.SetConfig("create-mgmt-network", false); err != nil {
		t.Fatal(err)
	}
	fc.take()
	h.hook("octavia/0", "config-changed")
	st := h.status("octavia/0")
	if st.Code != "blocked" || !strings.Contains(st.Message, "network tagged charm-octavia, security group tagged charm-octavia-health") {
		t.Fatalf("with resources missing: %s %q", st.Code, st.Message)
	}
	// The operator creates them; the next hook (pending, so even
	// update-status) picks them up.
	fc.missing = nil
	h.hook("octavia/0", "update-status")
	if st := h.status("octavia/0"); st.Code != "active" {
		t.Fatalf("after the operator created the resources: %s %q", st.Code, st.Message)
	}
	var creates []string
	for _, c := range fc.take() {
		if strings.HasPrefix(c, "resources create=true") {
			creates = append(creates, c)
		}
	}
	if len(creates) > 0 {
		t.Errorf("create-mgmt-network=false still created: %v", creates)
	}

	// A port stuck DOWN keeps the unit waiting, and is retried on update-status.
	portActiveWait = 0
	h2 := newHarness(t, "octavia/0")
	h2.deploy(true)
	h2.cloud = newFakeCloud()
	h2.cloud.status = "DOWN"
	fc2 := h2.withNetwork()
	if st := h2.status("octavia/0"); st.Code != "waiting" || st.Message != "Health-manager port is DOWN, waiting for Neutron" {
		t.Fatalf("port DOWN: %s %q", st.Code, st.Message)
	}
	// Still DOWN a minute later: the interface is plugged again.
	l2 := h2.links["octavia/0"]
	ensures := l2.ensures
	h2.now = h2.now.Add(2 * time.Minute)
	h2.hook("octavia/0", "update-status")
	if !l2.removed || l2.ensures != ensures+1 {
		t.Errorf("a port DOWN for two minutes was not plugged again (removed %v, ensures %d -> %d)", l2.removed, ensures, l2.ensures)
	}
	p := fc2.ports["octavia/0"]
	p.Status = "ACTIVE"
	fc2.ports["octavia/0"] = p
	h2.hook("octavia/0", "update-status")
	if st := h2.status("octavia/0"); st.Code != "active" {
		t.Fatalf("port ACTIVE again: %s %q", st.Code, st.Message)
	}
}

// BenchmarkUpdateStatusWithNetwork measures update-status on a converged
// unit that manages the management network: the link is compared with what
// the last pass learnt, and OpenStack is not called.
func BenchmarkUpdateStatusWithNetwork(b *testing.B) {
	h := newHarness(b, "octavia/0")
	h.deploy(true)
	fc := h.withNetwork()
	h.hook("octavia/0", "update-status")
	fc.take()
	calls := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n, err := h.run("octavia/0", jujutest.HookEnv{Hook: "update-status"})
		if err != nil {
			b.Fatal(err)
		}
		calls += n
	}
	b.StopTimer()
	if c := fc.take(); len(c) > 0 {
		b.Fatalf("update-status called OpenStack: %v", c)
	}
	b.ReportMetric(float64(calls)/float64(b.N), "hook-tool-calls/op")
}

// TestConfigureResourcesAction runs the action on the leader (a report of
// what was found) and on a follower (refused).
func TestConfigureResourcesAction(t *testing.T) {
	h := newHarness(t, "octavia/0", "octavia/1")
	h.deploy(true)
	if err := h.m.SetConfig("auto-configure-resources", false); err != nil {
		t.Fatal(err)
	}
	h.hook("octavia/0", "config-changed")
	h.hook("octavia/1", "config-changed")
	fc := h.withNetwork()
	if calls := fc.take(); len(calls) != 0 {
		t.Fatalf("auto-configure-resources=false still called OpenStack: %v", calls)
	}
	if st := h.status("octavia/0"); st.Message != "Awaiting end-user execution of `configure-resources` action to create required resources" {
		t.Fatalf("before the action: %+v", st)
	}
	for _, tc := range []struct {
		unit   string
		failed bool
	}{{"octavia/1", true}, {"octavia/0", false}} {
		ctx := h.m.Context(tc.unit, jujutest.HookEnv{Action: "configure-resources"})
		if err := h.newUnit(tc.unit, ctx).Run(context.Background()); err != nil {
			t.Fatalf("%s: %v", tc.unit, err)
		}
		st := ctx.Action()
		ctx.Close(true)
		if st.Failed != tc.failed {
			t.Errorf("%s: failed=%v (%q), want %v", tc.unit, st.Failed, st.Message, tc.failed)
		}
		if !tc.failed && !strings.Contains(fmt.Sprint(st.Results["found"]), "lb-mgmt-net") {
			t.Errorf("%s: results %v lack what was found", tc.unit, st.Results)
		}
	}
	if _, ok := octavia.ParseMgmtNetwork(h.leaderData()); !ok {
		t.Errorf("the action did not record the management network")
	}
}
