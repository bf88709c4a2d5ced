package reconcile

import (
	"fmt"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"charm-octavia/internal/juju/jujutest"
	"charm-octavia/internal/octavia"
	"charm-octavia/internal/relations/hacluster"
)

// haWorkedExample is relation-interfaces.md §6.4: VIP 10.0.0.100 found on
// eth0/24, from the upstream charm's second build on.
var haWorkedExample = map[string]string{
	"corosync_bindiface":    "eth0",
	"corosync_mcastport":    "4440",
	"json_resources":        `{"res_octavia_d9411c8_vip": "ocf:heartbeat:IPaddr2", "res_octavia_haproxy": "lsb:haproxy"}`,
	"json_resource_params":  `{"res_octavia_d9411c8_vip": "  params ip=\"10.0.0.100\"  meta migration-threshold=\"INFINITY\" failure-timeout=\"5s\"  op monitor timeout=\"20s\" interval=\"10s\" depth=\"0\"", "res_octavia_haproxy": "  meta migration-threshold=\"INFINITY\" failure-timeout=\"5s\"  op monitor interval=\"5s\""}`,
	"json_groups":           `{"grp_octavia_vips": "res_octavia_d9411c8_vip"}`,
	"json_clones":           `{"cl_res_octavia_haproxy": "res_octavia_haproxy"}`,
	"json_delete_resources": `["res_octavia_eth0_vip"]`,
	"json_init_services":    `["haproxy"]`,
	"json_colocations":      "{}",
	"json_locations":        "{}",
	"json_ms":               "{}",
	"json_orders":           "{}",
	"json_systemd_services": "[]",
}

// clusterOfThree deploys three units whose machines carry their address on
// eth0/24, and lets every unit see its peers.
func clusterOfThree(t *testing.T) (*harness, []string) {
	units := []string{"octavia/0", "octavia/1", "octavia/2"}
	h := newHarness(t, units...)
	peer := h.m.RelationsOn(octavia.EndpointCluster)[0]
	for _, u := range units {
		addr := h.m.Unit(u).PrivateAddress
		h.systems[u].interfaces = []hacluster.Interface{
			{Name: "lo", Addrs: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/8"), netip.MustParsePrefix("::1/128")}},
			{Name: "eth0", Addrs: []netip.Prefix{netip.MustParsePrefix(addr + "/24"), netip.MustParsePrefix("fe80::216:3eff:fe00:1/64")}},
		}
		// The keys Juju itself puts in every unit's bag.
		peer.SetLocalUnitData(u, map[string]string{"private-address": addr, "ingress-address": addr, "egress-subnets": addr + "/32"})
	}
	h.deploy(true)
	for _, u := range units {
		for _, other := range units {
			if other != u {
				h.relationHooks(u, peer.ID, other)
			}
		}
	}
	return h, units
}

func TestHAProxyListsEveryPeer(t *testing.T) {
	h, units := clusterOfThree(t)
	for _, u := range units {
		if st := h.status(u); st.Code != "active" {
			t.Errorf("%s status = %+v", u, st)
		}
		cfg := string(h.systems[u].files[octavia.HAProxyConfPath].Data)
		for i, other := range units {
			want := fmt.Sprintf("server octavia-%d 10.0.0.%d:9866 check", i, 10+i)
			if !strings.Contains(cfg, want) {
				t.Errorf("%s: haproxy.cfg lacks the backend of %s (%q):\n%s", u, other, want, cfg)
			}
		}
		if n := strings.Count(cfg, "\n    server "); n != 3 {
			t.Errorf("%s: %d backends, want 3", u, n)
		}
	}
}

func TestHARelationPublishesUpstreamResources(t *testing.T) {
	h, units := clusterOfThree(t)
	if err := h.m.SetConfig("vip", "10.0.0.100"); err != nil {
		t.Fatal(err)
	}
	for _, u := range units {
		h.hook(u, "config-changed")
	}
	ha := h.m.AddRelation(octavia.EndpointHA, "hacluster")
	ha.AddRemoteUnit("hacluster/0", nil)
	// Each principal unit publishes to its own subordinate, leader or not.
	for _, u := range units {
		h.relationHooks(u, ha.ID, "hacluster/0")
		if got := ha.LocalUnitData(u); !reflect.DeepEqual(got, haWorkedExample) {
			t.Errorf("%s publishes on ha:\n%v\nwant (relation-interfaces.md §6.4)\n%v", u, got, haWorkedExample)
		}
		if st := h.status(u); st.Code != "active" {
			t.Errorf("%s status while hacluster has not clustered = %+v", u, st)
		}
		// Keystone gets the VIP.
		ks := h.m.RelationsOn(octavia.EndpointIdentityService)[0].LocalUnitData(u)
		if ks["public_url"] != "http://10.0.0.100:9876" || ks["internal_url"] != "http://10.0.0.100:9876" {
			t.Errorf("%s registers %v", u, ks)
		}
	}

	// hacluster clusters; converged hooks publish nothing again.
	ha.SetRemoteUnitData("hacluster/0", map[string]string{"clustered": "yes"})
	for _, u := range units {
		h.systems[u].takeOps()
		for _, env := range []jujutest.HookEnv{
			{Hook: "ha-relation-changed", RelationID: ha.ID, RemoteUnit: "hacluster/0"},
			{Hook: "config-changed"}, {Hook: "update-status"},
		} {
			calls := h.toolCalls(u, env)
			if calls["relation-set"] > 0 {
				t.Errorf("%s on converged %s set relation data %d times", env.Hook, u, calls["relation-set"])
			}
		}
		if ops := h.systems[u].takeOps(); len(ops) > 0 {
			t.Errorf("converged %s did %v", u, ops)
		}
	}

	// A new VIP after clustering is sent again; the old resource is deleted.
	if err := h.m.SetConfig("vip", "10.0.0.101"); err != nil {
		t.Fatal(err)
	}
	for _, u := range units {
		calls := h.toolCalls(u, jujutest.HookEnv{Hook: "config-changed"})
		if calls["relation-set"] == 0 {
			t.Errorf("%s did not re-send the ha resources", u)
		}
		got := ha.LocalUnitData(u)
		if want := `["res_octavia_eth0_vip", "res_octavia_d9411c8_vip"]`; got["json_delete_resources"] != want {
			t.Errorf("%s json_delete_resources = %s, want %s", u, got["json_delete_resources"], want)
		}
		// sha1("10.0.0.101")[:7] is 9429296.
		if want := `{"res_octavia_9429296_vip": "ocf:heartbeat:IPaddr2", "res_octavia_haproxy": "lsb:haproxy"}`; got["json_resources"] != want {
			t.Errorf("%s json_resources = %s, want %s", u, got["json_resources"], want)
		}
		if want := `{"grp_octavia_vips": "res_octavia_9429296_vip"}`; got["json_groups"] != want {
			t.Errorf("%s json_groups = %s, want %s", u, got["json_groups"], want)
		}
		ks := h.m.RelationsOn(octavia.EndpointIdentityService)[0].LocalUnitData(u)
		if ks["admin_url"] != "http://10.0.0.101:9876" {
			t.Errorf("%s registers %v", u, ks)
		}
		// And it settles.
		if calls := h.toolCalls(u, jujutest.HookEnv{Hook: "config-changed"}); calls["relation-set"] > 0 {
			t.Errorf("%s sets relation data again after the VIP change settled", u)
		}
	}
}

// TestSystemHostInterfaces reads this machine's real interfaces: loopback
// is there with 127.0.0.1/8, IPv4 addresses come unmapped.
func TestSystemHostInterfaces(t *testing.T) {
	var lo *hacluster.Interface
	ifcs := NewSystemHost("/").Interfaces()
	for i := range ifcs {
		for _, p := range ifcs[i].Addrs {
			if p.Addr().Is4In6() {
				t.Errorf("%s: %s is a mapped IPv4 address", ifcs[i].Name, p)
			}
			if p == netip.MustParsePrefix("127.0.0.1/8") {
				lo = &ifcs[i]
			}
		}
	}
	if lo == nil {
		t.Fatalf("no interface carries 127.0.0.1/8: %+v", ifcs)
	}
	if nic, mask := hacluster.VIPNetwork("127.0.0.99", ifcs); nic != lo.Name || mask != "255.0.0.0" {
		t.Errorf("VIPNetwork(127.0.0.99) = %q %q, want %q 255.0.0.0", nic, mask, lo.Name)
	}
}
