package octavia

import (
	"net/netip"
	"strings"
	"testing"

	"charm-octavia/internal/relations"
	"charm-octavia/internal/relations/hacluster"
)

// splitInputs is a noop unit whose public, internal and admin bindings sit
// on three subnets, each on its own interface.
func splitInputs(t testing.TB) Inputs {
	in := noop(readyInputs(t))
	in.Host.Addresses["public"] = "192.0.2.11"
	in.Host.Addresses["internal"] = "10.2.0.11"
	in.Host.Addresses["admin"] = "10.3.0.11"
	in.Host.Interfaces = []hacluster.Interface{
		{Name: "lo", Addrs: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/8"), netip.MustParsePrefix("::1/128")}},
		{Name: "eth0", Addrs: []netip.Prefix{netip.MustParsePrefix("10.0.0.11/24")}},
		{Name: "eth1", Addrs: []netip.Prefix{netip.MustParsePrefix("192.0.2.11/24"), netip.MustParsePrefix("2001:db8::11/64")}},
		{Name: "eth2", Addrs: []netip.Prefix{netip.MustParsePrefix("10.2.0.11/16")}},
		{Name: "eth3", Addrs: []netip.Prefix{netip.MustParsePrefix("10.3.0.11/24")}},
	}
	return in
}

func TestEndpointURLs(t *testing.T) {
	cases := []struct {
		name                    string
		mutate                  func(*Inputs)
		public, internal, admin string
	}{
		{"binding addresses", func(*Inputs) {},
			"http://192.0.2.11:9876", "http://10.2.0.11:9876", "http://10.3.0.11:9876"},
		{"a single VIP serves every endpoint", func(in *Inputs) { in.Config.VIP = "10.0.0.100" },
			"http://10.0.0.100:9876", "http://10.0.0.100:9876", "http://10.0.0.100:9876"},
		{"one VIP per binding subnet", func(in *Inputs) { in.Config.VIP = "10.3.0.100 192.0.2.100 10.2.200.100" },
			"http://192.0.2.100:9876", "http://10.2.200.100:9876", "http://10.3.0.100:9876"},
		{"VIPs by os-*-network", func(in *Inputs) {
			in.Config.VIP = "10.3.0.100 192.0.2.100 10.2.200.100"
			in.Config.OSPublicNetwork = "10.3.0.0/24"
			in.Config.OSAdminNetwork = "192.0.2.0/24"
		}, "http://10.3.0.100:9876", "http://10.2.200.100:9876", "http://192.0.2.100:9876"},
		{"hostname overrides win over the VIP, as upstream's resolve_address", func(in *Inputs) {
			in.Config.VIP = "10.0.0.100"
			in.Config.OSPublicHostname = "{service_name}.example.com"
		}, "http://octavia.example.com:9876", "http://10.0.0.100:9876", "http://10.0.0.100:9876"},
		{"os-*-network picks the machine address in it", func(in *Inputs) {
			in.Config.OSInternalNetwork = "10.0.0.0/24"
			in.Config.OSAdminNetwork = "2001:db8::/64"
		}, "http://192.0.2.11:9876", "http://10.0.0.11:9876", "http://[2001:db8::11]:9876"},
		{"os-*-network with no address in it falls back to the binding", func(in *Inputs) {
			in.Config.OSInternalNetwork = "172.16.0.0/12"
		}, "http://192.0.2.11:9876", "http://10.2.0.11:9876", "http://10.3.0.11:9876"},
		{"IPv6 VIP", func(in *Inputs) { in.Config.VIP = "2001:db8::100" },
			"http://[2001:db8::100]:9876", "http://[2001:db8::100]:9876", "http://[2001:db8::100]:9876"},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			in := splitInputs(t)
			tt.mutate(&in)
			pl := NewPlanner().Plan(in)
			if st := StatusOf(pl.Reasons); st != Ready {
				t.Fatalf("status = %+v", st)
			}
			ks := pl.Publish["identity-service:3"]
			for k, want := range map[string]string{"public_url": tt.public, "internal_url": tt.internal, "admin_url": tt.admin} {
				if ks[k] != want {
					t.Errorf("%s = %q, want %q", k, ks[k], want)
				}
			}
			if got, want := pl.Publish["neutron-api:5"]["base_url"], `"`+tt.internal+`"`; got != want {
				t.Errorf("neutron-api base_url = %s, want %s", got, want)
			}
		})
	}
}

// TestPeerAddressesFollowNetworks: the cluster bag and this unit's own
// haproxy backend use the unit's address on each network, never a VIP.
func TestPeerAddressesFollowNetworks(t *testing.T) {
	in := splitInputs(t)
	in.Config.VIP = "10.0.0.100"
	in.Config.OSInternalNetwork = "10.0.0.0/24"
	pl := NewPlanner().Plan(in)
	want := relations.Bag{"public-address": "192.0.2.11", "internal-address": "10.0.0.11", "admin-address": "10.3.0.11"}
	for k, v := range want {
		if got := pl.Publish["cluster:0"][k]; got != v {
			t.Errorf("cluster %s = %q, want %q", k, got, v)
		}
	}
	if cfg := string(fileData(t, pl, HAProxyConfPath)); !strings.Contains(cfg, "server octavia-0 10.0.0.11:9866 check") {
		t.Errorf("haproxy.cfg:\n%s", cfg)
	}
}

func TestEndpointProblems(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*Inputs)
		msg    string
	}{
		{"vip not an address", func(in *Inputs) { in.Config.VIP = "10.0.0.100 vip.example.com" },
			`vip: "vip.example.com" is not an IP address`},
		{"os-public-network not a CIDR", func(in *Inputs) { in.Config.OSPublicNetwork = "192.0.2.0" },
			`os-public-network: "192.0.2.0" is not a network in CIDR form such as 10.0.0.0/24`},
		{"os-admin-hostname not a host name", func(in *Inputs) { in.Config.OSAdminHostname = "admin endpoint" },
			`os-admin-hostname: "admin endpoint" is not a host name`},
		{"several VIPs, none on the admin network", func(in *Inputs) { in.Config.VIP = "192.0.2.100 10.2.0.100" },
			`vip: none of the addresses is in the admin binding's subnet; give one VIP per network`},
		{"several VIPs, none in os-internal-network", func(in *Inputs) {
			in.Config.VIP = "192.0.2.100 10.2.0.100 10.3.0.100"
			in.Config.OSInternalNetwork = "10.9.0.0/24"
		}, `vip: none of the addresses is in os-internal-network 10.9.0.0/24; give one VIP per network`},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			in := splitInputs(t)
			tt.mutate(&in)
			pl := NewPlanner().Plan(in)
			st := StatusOf(pl.Reasons)
			if st.Code != "blocked" || st.Message != tt.msg {
				t.Errorf("status = %s %q, want blocked %q", st.Code, st.Message, tt.msg)
			}
			if pl.Configure || len(pl.Publish) > 0 {
				t.Error("a bad endpoint option did not keep the last good state")
			}
		})
	}
	// Several VIPs are fine when the hostnames place the endpoints that
	// have no VIP.
	in := splitInputs(t)
	in.Config.VIP = "192.0.2.100 10.2.0.100"
	in.Config.OSAdminHostname = "octavia-admin.example.com"
	if st := StatusOf(NewPlanner().Plan(in).Reasons); st != Ready {
		t.Errorf("status = %+v", st)
	}
}

// TestInternalEndpointsAndRegion: use-internal-endpoints makes every client
// section use the internal catalog entries; region names them and is
// registered with Keystone.
func TestInternalEndpointsAndRegion(t *testing.T) {
	in := noop(readyInputs(t))
	in.Config.Region = "RegionTwo"
	pl := NewPlanner().Plan(in)
	conf := string(fileData(t, pl, ConfPath))
	if strings.Contains(conf, "endpoint_type") {
		t.Error("endpoint_type rendered without use-internal-endpoints")
	}
	if got := pl.Publish["identity-service:3"]["region"]; got != "RegionTwo" {
		t.Errorf("region registered = %q", got)
	}
	if n := strings.Count(conf, "region_name = RegionTwo"); n < 6 {
		t.Errorf("region_name = RegionTwo in %d sections, want every client section", n)
	}
	in.Config.UseInternalEndpoints = true
	conf = string(fileData(t, NewPlanner().Plan(in), ConfPath))
	for _, section := range []string{"[certificates]", "[keystone_authtoken]", "[nova]", "[cinder]", "[glance]", "[neutron]"} {
		i := strings.Index(conf, section)
		if i < 0 {
			t.Fatalf("no %s", section)
		}
		body := conf[i+len(section):]
		if j := strings.Index(body, "\n["); j >= 0 {
			body = body[:j]
		}
		if !strings.Contains(body, "endpoint_type = internalURL") {
			t.Errorf("%s lacks endpoint_type = internalURL", section)
		}
	}
}
