package octavia

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"charm-octavia/internal/relations"
	"charm-octavia/internal/relations/hacluster"
)

// workedExample is relation-interfaces.md §6.4 (VIP 10.0.0.100 found on
// eth0/24), as the upstream charm publishes it from its second build on.
var workedExample = relations.Bag{
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

func eth0(addrs ...string) hacluster.Interface {
	ifc := hacluster.Interface{Name: "eth0"}
	for _, a := range addrs {
		ifc.Addrs = append(ifc.Addrs, netip.MustParsePrefix(a))
	}
	return ifc
}

// haInputs is readyInputs with noop drivers, a hacluster subordinate on ha
// (not clustered yet) and eth0 carrying 10.0.0.11/24.
func haInputs(t testing.TB, vip string) Inputs {
	in := noop(readyInputs(t))
	in.Config.VIP = vip
	in.Host.Interfaces = []hacluster.Interface{{Name: "lo", Addrs: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/8")}}, eth0("10.0.0.11/24")}
	in.Relations[EndpointHA] = rel("ha:7", "hacluster", map[string]relations.Bag{"hacluster/0": {}})
	return in
}

// publishHA plans and records the ha bag as the unit's published one, as
// apply does, and returns it.
func publishHA(t *testing.T, p *Planner, in *Inputs) relations.Bag {
	t.Helper()
	pl := p.Plan(*in)
	bag, ok := pl.Publish["ha:7"]
	if !ok {
		t.Fatalf("nothing published on ha; status %+v", StatusOf(pl.Reasons))
	}
	local := relations.Bag{}
	for k, v := range in.Relations[EndpointHA][0].Local {
		local[k] = v
	}
	for k, v := range bag {
		if v == "" {
			delete(local, k)
		} else {
			local[k] = v
		}
	}
	in.Relations[EndpointHA][0].Local = local
	return local
}

func TestHAWorkedExample(t *testing.T) {
	p := NewPlanner()
	in := haInputs(t, "10.0.0.100")
	first := publishHA(t, p, &in)
	// Upstream's first build has no group yet; everything else is there.
	want := relations.Bag{}
	for k, v := range workedExample {
		want[k] = v
	}
	want["json_groups"] = "{}"
	if !reflect.DeepEqual(first, want) {
		t.Errorf("first bag:\n got %v\nwant %v", first, want)
	}
	second := publishHA(t, p, &in)
	if !reflect.DeepEqual(second, workedExample) {
		t.Errorf("second bag:\n got %v\nwant %v", second, workedExample)
	}
	// Built again on itself it stays the same: nothing more to publish.
	pl := p.Plan(in)
	for k, v := range pl.Publish["ha:7"] {
		if second[k] != v {
			t.Errorf("third pass changes %s to %q", k, v)
		}
	}
	if st := StatusOf(pl.Reasons); st != Ready {
		t.Errorf("status = %+v: hacluster not clustered yet must not hold the unit back", st)
	}
	// The endpoints are the VIP's.
	if got := pl.Publish["identity-service:3"]["public_url"]; got != "http://10.0.0.100:9876" {
		t.Errorf("public_url = %q", got)
	}
}

func TestHAVIPChangeIsSentAgain(t *testing.T) {
	p := NewPlanner()
	in := haInputs(t, "10.0.0.100")
	publishHA(t, p, &in)
	publishHA(t, p, &in)
	// Clustered: upstream would stop sending; the change still goes out.
	in.Relations[EndpointHA][0].Units["hacluster/0"] = relations.Bag{"clustered": "yes"}
	in.Config.VIP = "10.0.0.101"
	bag := publishHA(t, p, &in)
	var res map[string]string
	if err := json.Unmarshal([]byte(bag["json_resources"]), &res); err != nil {
		t.Fatal(err)
	}
	// sha1("10.0.0.101")[:7]
	newName := "res_octavia_" + shortSHA1("10.0.0.101") + "_vip"
	if _, ok := res[newName]; !ok || len(res) != 2 {
		t.Errorf("json_resources = %s, want %s and haproxy", bag["json_resources"], newName)
	}
	if got, want := bag["json_delete_resources"], `["res_octavia_eth0_vip", "res_octavia_d9411c8_vip"]`; got != want {
		t.Errorf("json_delete_resources = %s, want %s", got, want)
	}
	if got, want := bag["json_groups"], `{"grp_octavia_vips": "`+newName+`"}`; got != want {
		t.Errorf("json_groups = %s, want %s", got, want)
	}
	if !strings.Contains(bag["json_resource_params"], `ip=\"10.0.0.101\"`) {
		t.Errorf("params = %s", bag["json_resource_params"])
	}
}

func TestHAFollowerPublishesToo(t *testing.T) {
	in := haInputs(t, "10.0.0.100")
	in.Leader = false
	in.LeaderSettings[LeaderSchema] = "11.0.0"
	pl := NewPlanner().Plan(in)
	if pl.Publish["ha:7"]["json_resources"] == "" {
		t.Errorf("a follower publishes no resources: %v", pl.Publish["ha:7"])
	}
}

func TestHAStatuses(t *testing.T) {
	cases := []struct {
		name      string
		mutate    func(*Inputs)
		code, msg string
		configure bool
	}{
		{"dns-ha with vip", func(in *Inputs) {
			in.Config.DNSHA = true
			in.Config.OSPublicHostname = "octavia.example.com"
		}, "blocked", "dns-ha: cannot be used together with vip; unset one of them", false},
		{"dns-ha without hostnames", func(in *Inputs) {
			in.Config.VIP = ""
			in.Config.DNSHA = true
		}, "blocked", "dns-ha: needs at least one of os-admin-hostname, os-internal-hostname or os-public-hostname", false},
		{"no vip and no dns-ha", func(in *Inputs) { in.Config.VIP = "" }, "blocked",
			"vip: must be set while related to hacluster (or dns-ha with os-*-hostname)", true},
		{"bad vip_iface", func(in *Inputs) {
			in.Config.VIP = "192.168.9.9"
			in.Config.VIPIface = "eth 0"
		}, "blocked", "vip_iface: is not a network interface name", false},
		{"bad vip_cidr", func(in *Inputs) {
			in.Config.VIP = "192.168.9.9"
			in.Config.VIPCIDR = -1
		}, "blocked", "vip_cidr: is not a prefix length", false},
		{"not clustered", func(*Inputs) {}, "active", "Unit is ready", true},
		{"clustered", func(in *Inputs) {
			in.Relations[EndpointHA][0].Units["hacluster/0"] = relations.Bag{"clustered": "yes"}
		}, "active", "Unit is ready", true},
		{"no hacluster unit yet", func(in *Inputs) {
			in.Relations[EndpointHA][0].Units = nil
		}, "active", "Unit is ready", true},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			in := haInputs(t, "10.0.0.100")
			tt.mutate(&in)
			pl := NewPlanner().Plan(in)
			st := StatusOf(pl.Reasons)
			if st.Code != tt.code || st.Message != tt.msg {
				t.Errorf("status = %s %q, want %s %q", st.Code, st.Message, tt.code, tt.msg)
			}
			if pl.Configure != tt.configure {
				t.Errorf("Configure = %v, want %v", pl.Configure, tt.configure)
			}
			if !tt.configure && len(pl.Publish) > 0 {
				t.Errorf("a blocked configuration published %v", pl.Publish)
			}
		})
	}
}

func TestHAOnlyHAProxyWithoutVIP(t *testing.T) {
	in := haInputs(t, "")
	bag := NewPlanner().Plan(in).Publish["ha:7"]
	if got, want := bag["json_resources"], `{"res_octavia_haproxy": "lsb:haproxy"}`; got != want {
		t.Errorf("json_resources = %s, want %s", got, want)
	}
}

func TestHADNS(t *testing.T) {
	in := haInputs(t, "")
	in.Config.DNSHA = true
	in.Config.OSPublicHostname = "{service_name}.example.com"
	in.Config.OSInternalHostname = "octavia-int.example.com"
	in.Host.Addresses["public"] = "192.0.2.11"
	pl := NewPlanner().Plan(in)
	if st := StatusOf(pl.Reasons); st != Ready {
		t.Fatalf("status = %+v", st)
	}
	bag := pl.Publish["ha:7"]
	if got, want := bag["json_resources"], `{"res_octavia_haproxy": "lsb:haproxy", "res_octavia_int_hostname": "ocf:maas:dns", "res_octavia_public_hostname": "ocf:maas:dns"}`; got != want {
		t.Errorf("json_resources = %s\nwant %s", got, want)
	}
	for _, want := range []string{
		`"res_octavia_public_hostname": "  params  fqdn=\"octavia.example.com\" ip_address=\"192.0.2.11\""`,
		`"res_octavia_int_hostname": "  params  fqdn=\"octavia-int.example.com\" ip_address=\"10.0.0.11\""`,
	} {
		if !strings.Contains(bag["json_resource_params"], want) {
			t.Errorf("json_resource_params = %s\nlacks %s", bag["json_resource_params"], want)
		}
	}
	if got, want := bag["json_groups"], `{"grp_octavia_hostnames": "res_octavia_int_hostname res_octavia_public_hostname"}`; got != want {
		t.Errorf("json_groups = %s", got)
	}
	// The endpoints are the hostnames.
	if got := pl.Publish["identity-service:3"]["public_url"]; got != "http://octavia.example.com:9876" {
		t.Errorf("public_url = %q", got)
	}
}

func TestHAVIPDetection(t *testing.T) {
	cases := []struct {
		name, vip, iface string
		ifaces           []hacluster.Interface
		resources        string
		params           string
	}{
		{"IPv6 VIP on eth0", "fd00::100", "eth0",
			[]hacluster.Interface{eth0("10.0.0.11/24", "fd00::11/64", "fe80::1/64")},
			`{"res_octavia_None_ipv6addr_vip": "ocf:heartbeat:IPv6addr", "res_octavia_haproxy": "lsb:haproxy"}`,
			`"res_octavia_None_ipv6addr_vip": "  params ipv6addr=\"fd00::100\"  meta`},
		{"VIP on no interface falls back to vip_iface and vip_cidr", "192.168.9.9", "eth0",
			[]hacluster.Interface{eth0("10.0.0.11/24")},
			`{"res_octavia_eth0_vip": "ocf:heartbeat:IPaddr2", "res_octavia_haproxy": "lsb:haproxy"}`,
			`"res_octavia_eth0_vip": "  params ip=\"192.168.9.9\" nic=\"eth0\" cidr_netmask=\"24\"  meta`},
		{"VIP on the second interface", "10.5.0.100", "eth0",
			[]hacluster.Interface{eth0("10.0.0.11/24"), {Name: "br-ex", Addrs: []netip.Prefix{netip.MustParsePrefix("10.5.0.11/16")}}},
			`{"res_octavia_` + shortSHA1("10.5.0.100") + `_vip": "ocf:heartbeat:IPaddr2", "res_octavia_haproxy": "lsb:haproxy"}`,
			`  params ip=\"10.5.0.100\"  meta`},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			in := haInputs(t, tt.vip)
			in.Config.VIPIface = tt.iface
			in.Host.Interfaces = tt.ifaces
			bag := NewPlanner().Plan(in).Publish["ha:7"]
			if bag["json_resources"] != tt.resources {
				t.Errorf("json_resources = %s\nwant %s", bag["json_resources"], tt.resources)
			}
			if !strings.Contains(bag["json_resource_params"], tt.params) {
				t.Errorf("json_resource_params = %s\nlacks %s", bag["json_resource_params"], tt.params)
			}
		})
	}
}

func TestHAWithoutVIPIfaceRemovesBindIface(t *testing.T) {
	p := NewPlanner()
	in := haInputs(t, "10.0.0.100")
	if publishHA(t, p, &in)["corosync_bindiface"] != "eth0" {
		t.Fatal("corosync_bindiface not published")
	}
	in.Config.VIPIface = ""
	if bag := publishHA(t, p, &in); bag["corosync_bindiface"] != "" {
		t.Errorf("corosync_bindiface stays %q after vip_iface was unset", bag["corosync_bindiface"])
	}
}

// TestHAProxyBackendsAndTimeouts: every peer's API address is a backend,
// and the haproxy-*-timeout options apply.
func TestHAProxyBackendsAndTimeouts(t *testing.T) {
	in := noop(readyInputs(t))
	in.Relations[EndpointCluster] = relations.Endpoint{{ID: "cluster:0", RemoteApp: "octavia", Units: map[string]relations.Bag{
		"octavia/1": {"private-address": "10.0.0.12", "internal-address": "10.0.2.12"},
		"octavia/2": {"private-address": "10.0.0.13"},
	}}}
	five, six, seven, eight := 5000, 6000, 7000, 8000
	in.Config.HAProxyServerTimeout, in.Config.HAProxyClientTimeout = &five, &six
	in.Config.HAProxyQueueTimeout, in.Config.HAProxyConnectTimeout = &seven, &eight
	cfg := string(fileData(t, NewPlanner().Plan(in), HAProxyConfPath))
	for _, want := range []string{
		"server octavia-0 10.0.0.11:9866 check",
		"server octavia-1 10.0.2.12:9866 check",
		"server octavia-2 10.0.0.13:9866 check",
		"timeout queue 7000ms", "timeout connect 8000ms", "timeout client 6000ms", "timeout server 5000ms",
	} {
		if !strings.Contains(cfg, want) {
			t.Errorf("haproxy.cfg lacks %q:\n%s", want, cfg)
		}
	}
	if n := strings.Count(cfg, "\n    server "); n != 3 {
		t.Errorf("%d backends, want 3", n)
	}
	// Unset timeouts are upstream's effective defaults.
	in.Config.HAProxyServerTimeout, in.Config.HAProxyClientTimeout, in.Config.HAProxyQueueTimeout, in.Config.HAProxyConnectTimeout = nil, nil, nil, nil
	cfg = string(fileData(t, NewPlanner().Plan(in), HAProxyConfPath))
	for _, want := range []string{"timeout queue 9000ms", "timeout connect 9000ms", "timeout client 90000ms", "timeout server 90000ms"} {
		if !strings.Contains(cfg, want) {
			t.Errorf("haproxy.cfg lacks default %q", want)
		}
	}
}

func fileData(t *testing.T, pl Plan, path string) []byte {
	t.Helper()
	for _, f := range pl.Files {
		if f.Path == path {
			return f.Data
		}
	}
	t.Fatalf("no %s in the plan (status %+v)", path, StatusOf(pl.Reasons))
	return nil
}

// shortSHA1 is the first seven hex digits of sha1(s), upstream's VIP key.
func shortSHA1(s string) string {
	sum := sha1.Sum([]byte(s))
	return hex.EncodeToString(sum[:])[:7]
}
