package hacluster

import (
	"errors"
	"maps"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"charm-octavia/internal/relations"
)

// The expected values below are what openstack/charm-interface-hacluster's
// ResourceManagement and CRM produce for the same calls charms.openstack's
// configure_ha_resources makes (run against its common.py, stored state
// carried from pass to pass as unitdata does).

const (
	haproxyParams = `  meta migration-threshold=\"INFINITY\" failure-timeout=\"5s\"  op monitor interval=\"5s\"`
	vipTail       = `  meta migration-threshold=\"INFINITY\" failure-timeout=\"5s\"  op monitor timeout=\"20s\" interval=\"10s\" depth=\"0\"`
)

// bag is the fixed part of every bag plus the given keys.
func bag(kv ...string) relations.Bag {
	b := relations.Bag{
		"corosync_bindiface":    "eth0",
		"corosync_mcastport":    "4440",
		"json_clones":           `{"cl_res_octavia_haproxy": "res_octavia_haproxy"}`,
		"json_colocations":      "{}",
		"json_delete_resources": "[]",
		"json_groups":           "{}",
		"json_init_services":    `["haproxy"]`,
		"json_locations":        "{}",
		"json_ms":               "{}",
		"json_orders":           "{}",
		"json_systemd_services": "[]",
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "-" {
			delete(b, kv[i])
			continue
		}
		b[kv[i]] = kv[i+1]
	}
	return b
}

// §6.4: VIP 10.0.0.100 found on eth0/24.
var (
	worked64First = bag(
		"json_resources", `{"res_octavia_d9411c8_vip": "ocf:heartbeat:IPaddr2", "res_octavia_haproxy": "lsb:haproxy"}`,
		"json_resource_params", `{"res_octavia_d9411c8_vip": "  params ip=\"10.0.0.100\"`+vipTail+`", "res_octavia_haproxy": "`+haproxyParams+`"}`,
		"json_delete_resources", `["res_octavia_eth0_vip"]`,
	)
	worked64Second = with(worked64First, "json_groups", `{"grp_octavia_vips": "res_octavia_d9411c8_vip"}`)
)

func with(b relations.Bag, kv ...string) relations.Bag {
	out := maps.Clone(b)
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "-" {
			delete(out, kv[i])
			continue
		}
		out[kv[i]] = kv[i+1]
	}
	return out
}

func detected(addr, nic, mask string) VIP { return VIP{Address: addr, NIC: nic, Netmask: mask} }

func TestBuild(t *testing.T) {
	dns := []DNSEntry{
		{Type: "public", Hostname: "octavia.example.com", Address: "10.0.2.11"},
		{Type: "admin", Hostname: "octavia-admin.example.com", Address: "10.0.1.11"},
		{Type: "int", Hostname: "octavia-int.example.com", Address: "10.0.0.11"},
	}
	dnsBag := bag(
		"json_resources", `{"res_octavia_admin_hostname": "ocf:maas:dns", "res_octavia_haproxy": "lsb:haproxy", "res_octavia_int_hostname": "ocf:maas:dns", "res_octavia_public_hostname": "ocf:maas:dns"}`,
		"json_resource_params", `{"res_octavia_admin_hostname": "  params  fqdn=\"octavia-admin.example.com\" ip_address=\"10.0.1.11\"", "res_octavia_haproxy": "`+haproxyParams+`", "res_octavia_int_hostname": "  params  fqdn=\"octavia-int.example.com\" ip_address=\"10.0.0.11\"", "res_octavia_public_hostname": "  params  fqdn=\"octavia.example.com\" ip_address=\"10.0.2.11\""}`,
		"json_groups", `{"grp_octavia_hostnames": "res_octavia_admin_hostname res_octavia_int_hostname res_octavia_public_hostname"}`,
	)
	twoVIPs := bag(
		"json_resources", `{"res_octavia_25c9065_vip": "ocf:heartbeat:IPaddr2", "res_octavia_d9411c8_vip": "ocf:heartbeat:IPaddr2", "res_octavia_haproxy": "lsb:haproxy"}`,
		"json_resource_params", `{"res_octavia_25c9065_vip": "  params ip=\"192.168.1.100\"`+vipTail+`", "res_octavia_d9411c8_vip": "  params ip=\"10.0.0.100\"`+vipTail+`", "res_octavia_haproxy": "`+haproxyParams+`"}`,
		"json_groups", `{"grp_octavia_vips": "res_octavia_25c9065_vip res_octavia_d9411c8_vip"}`,
		"json_delete_resources", `["res_octavia_eth0_vip", "res_octavia_eth1_vip"]`,
	)
	h2 := shortHash("fd01::100") // 52b126f, sorts before "None"
	haproxyOnly := bag(
		"json_resources", `{"res_octavia_haproxy": "lsb:haproxy"}`,
		"json_resource_params", `{"res_octavia_haproxy": "`+haproxyParams+`"}`,
	)

	tests := []struct {
		name     string
		req      Request
		previous relations.Bag
		want     relations.Bag
	}{
		{
			name: "§6.4 first pass: no group yet",
			req:  Request{VIPs: []VIP{detected("10.0.0.100", "eth0", "255.255.255.0")}, VIPIface: "eth0", VIPCIDR: "24"},
			want: worked64First,
		},
		{
			name:     "§6.4 second pass: grp_octavia_vips",
			req:      Request{VIPs: []VIP{detected("10.0.0.100", "eth0", "255.255.255.0")}, VIPIface: "eth0", VIPCIDR: "24"},
			previous: worked64First,
			want:     worked64Second,
		},
		{
			name:     "§6.4 third pass is stable",
			req:      Request{VIPs: []VIP{detected("10.0.0.100", "eth0", "255.255.255.0")}, VIPIface: "eth0", VIPCIDR: "24"},
			previous: worked64Second,
			want:     worked64Second,
		},
		{
			name:     "VIP changed: the old hash-named resource is deleted, as upstream's remove_vip does",
			req:      Request{VIPs: []VIP{detected("10.0.0.101", "eth0", "255.255.255.0")}, VIPIface: "eth0", VIPCIDR: "24"},
			previous: worked64Second,
			want: bag(
				"json_resources", `{"res_octavia_9429296_vip": "ocf:heartbeat:IPaddr2", "res_octavia_haproxy": "lsb:haproxy"}`,
				"json_resource_params", `{"res_octavia_9429296_vip": "  params ip=\"10.0.0.101\"`+vipTail+`", "res_octavia_haproxy": "`+haproxyParams+`"}`,
				"json_groups", `{"grp_octavia_vips": "res_octavia_9429296_vip"}`,
				"json_delete_resources", `["res_octavia_eth0_vip", "res_octavia_d9411c8_vip"]`,
			),
		},
		{
			name: "fallback to vip_iface/vip_cidr (nothing on the machine carries the VIP)",
			req:  Request{VIPs: []VIP{{Address: "10.0.0.100"}}, VIPIface: "ens3", VIPCIDR: "24"},
			previous: bag("json_resources", `{"res_octavia_ens3_vip": "ocf:heartbeat:IPaddr2", "res_octavia_haproxy": "lsb:haproxy"}`,
				"json_groups", "{}"),
			want: bag(
				"corosync_bindiface", "ens3",
				"json_resources", `{"res_octavia_ens3_vip": "ocf:heartbeat:IPaddr2", "res_octavia_haproxy": "lsb:haproxy"}`,
				"json_resource_params", `{"res_octavia_ens3_vip": "  params ip=\"10.0.0.100\" nic=\"ens3\" cidr_netmask=\"24\"`+vipTail+`", "res_octavia_haproxy": "`+haproxyParams+`"}`,
				"json_groups", `{"grp_octavia_vips": "res_octavia_ens3_vip"}`,
			),
		},
		{
			name: "netmask missing alone also falls back, keeping the detected NIC",
			req:  Request{VIPs: []VIP{{Address: "10.0.0.100", NIC: "eth2"}}, VIPIface: "eth0", VIPCIDR: "24"},
			want: bag(
				"json_resources", `{"res_octavia_eth2_vip": "ocf:heartbeat:IPaddr2", "res_octavia_haproxy": "lsb:haproxy"}`,
				"json_resource_params", `{"res_octavia_eth2_vip": "  params ip=\"10.0.0.100\" nic=\"eth2\" cidr_netmask=\"24\"`+vipTail+`", "res_octavia_haproxy": "`+haproxyParams+`"}`,
			),
		},
		{
			name:     "IPv6 VIP detected: the nic renders as None, as upstream",
			req:      Request{VIPs: []VIP{detected("fd00::100", "eth1", "64")}, VIPIface: "eth0", VIPCIDR: "24"},
			previous: haproxyOnly,
			want: bag(
				"json_resources", `{"res_octavia_None_ipv6addr_vip": "ocf:heartbeat:IPv6addr", "res_octavia_haproxy": "lsb:haproxy"}`,
				"json_resource_params", `{"res_octavia_None_ipv6addr_vip": "  params ipv6addr=\"fd00::100\"`+vipTail+`", "res_octavia_haproxy": "`+haproxyParams+`"}`,
				"json_groups", `{"grp_octavia_vips": "res_octavia_None_ipv6addr_vip"}`,
				"json_delete_resources", `["res_octavia_eth1_vip"]`,
			),
		},
		{
			name:     "IPv6 VIP by fallback",
			req:      Request{VIPs: []VIP{{Address: "fd00::100"}}, VIPIface: "eth0", VIPCIDR: "64"},
			previous: haproxyOnly,
			want: bag(
				"json_resources", `{"res_octavia_eth0_ipv6addr_vip": "ocf:heartbeat:IPv6addr", "res_octavia_haproxy": "lsb:haproxy"}`,
				"json_resource_params", `{"res_octavia_eth0_ipv6addr_vip": "  params ipv6addr=\"fd00::100\" nic=\"eth0\" cidr_netmask=\"64\"`+vipTail+`", "res_octavia_haproxy": "`+haproxyParams+`"}`,
				"json_groups", `{"grp_octavia_vips": "res_octavia_eth0_ipv6addr_vip"}`,
			),
		},
		{
			name: "two VIPs, first pass: upstream already groups them",
			req: Request{VIPs: []VIP{detected("10.0.0.100", "eth0", "255.255.255.0"), detected("192.168.1.100", "eth1", "255.255.255.0")},
				VIPIface: "eth0", VIPCIDR: "24"},
			want: twoVIPs,
		},
		{
			name: "two VIPs, second pass",
			req: Request{VIPs: []VIP{detected("10.0.0.100", "eth0", "255.255.255.0"), detected("192.168.1.100", "eth1", "255.255.255.0")},
				VIPIface: "eth0", VIPCIDR: "24"},
			previous: twoVIPs,
			want:     twoVIPs,
		},
		{
			name: "dns-ha: records and group from the first pass; os-access-hostname unset",
			req:  Request{DNSHA: true, DNS: dns, VIPIface: "eth0", VIPCIDR: "24"},
			want: dnsBag,
		},
		{
			name:     "dns-ha switched off: the records and their group are deleted (upstream leaves them)",
			req:      Request{VIPIface: "eth0", VIPCIDR: "24"},
			previous: dnsBag,
			want: with(haproxyOnly, "json_delete_resources",
				`["grp_octavia_hostnames", "res_octavia_admin_hostname", "res_octavia_int_hostname", "res_octavia_public_hostname"]`),
		},
		{
			name: "no vip, no dns-ha: haproxy only; vip_iface empty leaves corosync_bindiface out",
			req:  Request{VIPCIDR: "24"},
			want: with(haproxyOnly, "corosync_bindiface", "-"),
		},
		{
			name:     "fallback VIP removed: its NIC-named resource is deleted (upstream deletes a hash name that never existed)",
			req:      Request{VIPIface: "ens3", VIPCIDR: "24"},
			previous: bag("json_resources", `{"res_octavia_ens3_vip": "ocf:heartbeat:IPaddr2", "res_octavia_haproxy": "lsb:haproxy"}`, "json_groups", `{"grp_octavia_vips": "res_octavia_ens3_vip"}`),
			want: with(haproxyOnly, "corosync_bindiface", "ens3",
				"json_delete_resources", `["grp_octavia_vips", "res_octavia_ens3_vip"]`),
		},
		{
			name: "fallback becomes detected: the NIC-named resource is deleted once",
			req:  Request{VIPs: []VIP{detected("10.0.0.100", "ens3", "255.255.255.0")}, VIPIface: "ens3", VIPCIDR: "24"},
			previous: bag("json_resources", `{"res_octavia_ens3_vip": "ocf:heartbeat:IPaddr2", "res_octavia_haproxy": "lsb:haproxy"}`,
				"json_groups", `{"grp_octavia_vips": "res_octavia_ens3_vip"}`),
			want: bag(
				"corosync_bindiface", "ens3",
				"json_resources", `{"res_octavia_d9411c8_vip": "ocf:heartbeat:IPaddr2", "res_octavia_haproxy": "lsb:haproxy"}`,
				"json_resource_params", `{"res_octavia_d9411c8_vip": "  params ip=\"10.0.0.100\"`+vipTail+`", "res_octavia_haproxy": "`+haproxyParams+`"}`,
				"json_groups", `{"grp_octavia_vips": "res_octavia_d9411c8_vip"}`,
				"json_delete_resources", `["res_octavia_ens3_vip"]`,
			),
		},
		{
			name:     "a deleted name that is wanted again leaves the deletion list",
			req:      Request{VIPs: []VIP{{Address: "10.0.0.100"}}, VIPIface: "eth0", VIPCIDR: "24"},
			previous: with(worked64Second, "json_delete_resources", `["res_octavia_eth0_vip", "res_octavia_old_vip"]`),
			want: bag(
				"json_resources", `{"res_octavia_eth0_vip": "ocf:heartbeat:IPaddr2", "res_octavia_haproxy": "lsb:haproxy"}`,
				"json_resource_params", `{"res_octavia_eth0_vip": "  params ip=\"10.0.0.100\" nic=\"eth0\" cidr_netmask=\"24\"`+vipTail+`", "res_octavia_haproxy": "`+haproxyParams+`"}`,
				"json_groups", `{"grp_octavia_vips": "res_octavia_eth0_vip"}`,
				"json_delete_resources", `["res_octavia_old_vip", "res_octavia_d9411c8_vip"]`,
			),
		},
		{
			name: "two IPv6 VIPs detected: the second gets a hash name instead of overwriting the first",
			req: Request{VIPs: []VIP{detected("fd00::100", "eth1", "64"), detected("fd01::100", "eth2", "64")},
				VIPIface: "eth0", VIPCIDR: "24"},
			previous: haproxyOnly,
			want: bag(
				"json_resources", `{"res_octavia_`+h2+`_vip": "ocf:heartbeat:IPv6addr", "res_octavia_None_ipv6addr_vip": "ocf:heartbeat:IPv6addr", "res_octavia_haproxy": "lsb:haproxy"}`,
				"json_resource_params", `{"res_octavia_`+h2+`_vip": "  params ipv6addr=\"fd01::100\"`+vipTail+`", "res_octavia_None_ipv6addr_vip": "  params ipv6addr=\"fd00::100\"`+vipTail+`", "res_octavia_haproxy": "`+haproxyParams+`"}`,
				"json_groups", `{"grp_octavia_vips": "res_octavia_`+h2+`_vip res_octavia_None_ipv6addr_vip"}`,
				"json_delete_resources", `["res_octavia_eth1_vip", "res_octavia_eth2_vip"]`,
			),
		},
		{
			name: "a VIP listed twice counts once (the group is already there, as upstream's second add_vip sets it)",
			req:  Request{VIPs: []VIP{detected("10.0.0.100", "eth0", "255.255.255.0"), detected("10.0.0.100", "eth0", "255.255.255.0")}, VIPIface: "eth0", VIPCIDR: "24"},
			want: worked64Second,
		},
		{
			name:     "unreadable previous data counts as none",
			req:      Request{VIPs: []VIP{detected("10.0.0.100", "eth0", "255.255.255.0")}, VIPIface: "eth0", VIPCIDR: "24"},
			previous: relations.Bag{"json_resources": "not json", "json_delete_resources": `{"a": 1}`},
			want:     worked64First,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Build("octavia", tt.req, tt.previous)
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				for k := range mergeKeys(got, tt.want) {
					if got[k] != tt.want[k] {
						t.Errorf("%s =\n  %s\nwant\n  %s", k, got[k], tt.want[k])
					}
				}
			}
		})
	}
}

func mergeKeys(a, b relations.Bag) map[string]bool {
	m := map[string]bool{}
	for k := range a {
		m[k] = true
	}
	for k := range b {
		m[k] = true
	}
	return m
}

func TestBuildServiceNameWithDash(t *testing.T) {
	// VIP keys keep the name as it is; init-service and DNS keys replace
	// '-' by '_' (VirtualIP vs InitService and DNSEntry).
	got, err := Build("octavia-api", Request{
		VIPs: []VIP{{Address: "10.0.0.100"}}, VIPIface: "eth0", VIPCIDR: "24",
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"res_octavia-api_eth0_vip"`, `"res_octavia_api_haproxy"`} {
		if !strings.Contains(got["json_resources"], want) {
			t.Errorf("json_resources %s lacks %s", got["json_resources"], want)
		}
	}
	if got["json_clones"] != `{"cl_res_octavia_api_haproxy": "res_octavia_api_haproxy"}` {
		t.Errorf("json_clones = %s", got["json_clones"])
	}
}

func TestBuildErrors(t *testing.T) {
	tests := []struct {
		name   string
		req    Request
		option string // "" for a non-config error
	}{
		{"dns-ha with vip", Request{DNSHA: true, VIPs: []VIP{{Address: "10.0.0.100"}}, DNS: []DNSEntry{{Type: "public", Hostname: "a.example.com"}}}, "dns-ha"},
		{"dns-ha without hostnames", Request{DNSHA: true, DNS: []DNSEntry{{Type: "public"}}}, "dns-ha"},
		{"vip not an address", Request{VIPs: []VIP{{Address: "10.0.0.300"}}, VIPIface: "eth0", VIPCIDR: "24"}, "vip"},
		{"vip a host name", Request{VIPs: []VIP{{Address: "octavia.example.com"}}}, "vip"},
		{"vip_iface with a quote", Request{VIPs: []VIP{{Address: "10.0.0.100"}}, VIPIface: `eth0" op`, VIPCIDR: "24"}, "vip_iface"},
		{"vip_iface too long", Request{VIPIface: "abcdefghijklmnop"}, "vip_iface"},
		{"vip_cidr not a number", Request{VIPIface: "eth0", VIPCIDR: "24 x"}, "vip_cidr"},
		{"hostname not a host", Request{DNSHA: true, DNS: []DNSEntry{{Type: "int", Hostname: `a" b`}}}, "os-internal-hostname"},
		{"unknown DNS type", Request{DNSHA: true, DNS: []DNSEntry{{Type: "internal", Hostname: "a.example.com"}}}, ""},
		{"detected NIC unusable", Request{VIPs: []VIP{{Address: "10.0.0.100", NIC: "eth 0", Netmask: "255.255.255.0"}}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Build("octavia", tt.req, nil)
			if err == nil {
				t.Fatal("Build accepted it")
			}
			var ce *ConfigError
			if tt.option == "" {
				if errors.As(err, &ce) {
					t.Errorf("got config error %v, want another error", err)
				}
				return
			}
			if !errors.As(err, &ce) || ce.Option != tt.option {
				t.Errorf("err = %v, want a ConfigError for %s", err, tt.option)
			}
			if !strings.HasPrefix(err.Error(), tt.option+": ") {
				t.Errorf("Error() = %q", err.Error())
			}
		})
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name      string
		e         relations.Endpoint
		clustered bool
		readiness relations.Readiness
	}{
		{"no relation", nil, false, relations.Missing},
		{"not joined", relations.Endpoint{{ID: "ha:3"}}, false, relations.Missing},
		{"joined, not clustered", relations.Endpoint{{ID: "ha:3", Units: map[string]relations.Bag{"hacluster-octavia/0": {}}}}, false, relations.Incomplete},
		{"clustered=yes (§6.2)", relations.Endpoint{{ID: "ha:3", Units: map[string]relations.Bag{"hacluster-octavia/0": {"clustered": "yes"}}}}, true, relations.Ready},
		{"clustered=True", relations.Endpoint{{ID: "ha:3", Units: map[string]relations.Bag{"hacluster-octavia/0": {"clustered": "True"}}}}, true, relations.Ready},
		{"clustered=no", relations.Endpoint{{ID: "ha:3", Units: map[string]relations.Bag{"hacluster-octavia/0": {"clustered": "no"}}}}, false, relations.Incomplete},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, r := Parse(tt.e)
			if c != tt.clustered || r != tt.readiness {
				t.Errorf("Parse = %v, %v; want %v, %v", c, r, tt.clustered, tt.readiness)
			}
		})
	}
}

func TestManagesHAProxy(t *testing.T) {
	if !ManagesHAProxy(worked64First) {
		t.Error("§6.4 bag: want true")
	}
	for _, b := range []relations.Bag{nil, {"json_resources": "{}"}, {"json_resources": "garbage"},
		{"json_resources": `{"res_x_vip": "ocf:heartbeat:IPaddr2"}`}} {
		if ManagesHAProxy(b) {
			t.Errorf("ManagesHAProxy(%v) = true", b)
		}
	}
}

func TestVIPNetwork(t *testing.T) {
	pfx := netip.MustParsePrefix
	ifaces := []Interface{
		{Name: "lo", Addrs: []netip.Prefix{pfx("127.0.0.1/8"), pfx("::1/128")}},
		{Name: "eth0", Addrs: []netip.Prefix{pfx("10.0.0.11/24"), pfx("192.168.5.11/24"), pfx("fe80::1/64"), pfx("fd00::11/64")}},
		{Name: "eth1", Addrs: []netip.Prefix{pfx("10.1.0.11/16")}},
		{Name: "eth2", Addrs: []netip.Prefix{pfx("fe80::2/64")}},
		{Name: "br-ex", Addrs: []netip.Prefix{pfx("fd01::11/48")}},
	}
	tests := []struct {
		vip, nic, mask string
	}{
		{"10.0.0.100", "eth0", "255.255.255.0"}, // §6.4
		{"10.1.200.1", "eth1", "255.255.0.0"},
		{"192.168.5.100", "", ""}, // only the first IPv4 address of an interface counts
		{"fd00::100", "eth0", "64"},
		{"fd01:0:0:9::1", "br-ex", "48"},
		{"fe80::99", "", ""}, // link-local addresses do not count
		{"172.16.0.1", "", ""},
		{"not-an-ip", "", ""},
	}
	for _, tt := range tests {
		nic, mask := VIPNetwork(tt.vip, ifaces)
		if nic != tt.nic || mask != tt.mask {
			t.Errorf("VIPNetwork(%s) = %q, %q; want %q, %q", tt.vip, nic, mask, tt.nic, tt.mask)
		}
	}
}

func TestShortHash(t *testing.T) {
	// §6.4: d9411c8 is the first 7 hex characters of sha1("10.0.0.100").
	if got := shortHash("10.0.0.100"); got != "d9411c8" {
		t.Errorf("shortHash = %s", got)
	}
}
