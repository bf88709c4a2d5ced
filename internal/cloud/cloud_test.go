package cloud

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/quotasets"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/quotas"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/rules"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
)

func TestManagementCIDR(t *testing.T) {
	for id, want := range map[string]string{
		"0f3c2a41-7d1e-4b7a-9c55-1234567890ab": "fd00:1234:5678:90ab::/64",
		"0f3c2a41-7d1e-4b7a-9c55-1234567890AB": "fd00:1234:5678:90ab::/64",
		"0f3c2a41-7d1e-4b7a-9c55-000012340000": "fd00:0:1234::/64", // canonical form, as Neutron stores it
	} {
		got, err := ManagementCIDR(id)
		if err != nil || got != want {
			t.Errorf("ManagementCIDR(%q) = %q, %v; want %q", id, got, err, want)
		}
	}
	for _, bad := range []string{"", "1234567890ab", "0f3c2a41-7d1e-4b7a-9c55-1234567890", "0f3c2a41-7d1e-4b7a-9c55-1234567890zz", "a-b-c-d-e-1234567890ab"} {
		if got, err := ManagementCIDR(bad); err == nil {
			t.Errorf("ManagementCIDR(%q) = %q, want an error", bad, got)
		}
	}
}

func TestRaiseNeverLowers(t *testing.T) {
	for _, c := range []struct {
		current, target, want int
		up                    bool
	}{
		{-1, 1000, -1, false}, // unlimited stays unlimited
		{10, 1000, 1000, true},
		{0, 1000, 1000, true},
		{1000, 1000, 1000, false},
		{5000, 1000, 5000, false}, // an operator's higher value stays
	} {
		got, up := raise(c.current, c.target)
		if got != c.want || up != c.up {
			t.Errorf("raise(%d, %d) = %d, %v; want %d, %v", c.current, c.target, got, up, c.want, c.up)
		}
	}
}

func TestQuotaTargets(t *testing.T) {
	// Nova's and Neutron's defaults.
	nova := quotasets.QuotaSet{Instances: 10, Cores: 20, RAM: 51200, ServerGroups: 10, ServerGroupMembers: 10}
	up := raises(novaLimits(nova, flavorSize{VCPUs: 2, RAM: 2048}))
	want := []limit{
		{"instances", 10, 1000},
		{"cores", 20, 2000},
		{"ram", 51200, 2048000},
		{"server_groups", 10, 1000},
	}
	if !reflect.DeepEqual(up, want) {
		t.Errorf("nova raises = %v, want %v", up, want)
	}
	o := novaUpdate(up)
	if *o.Instances != 1000 || *o.Cores != 2000 || *o.RAM != 2048000 || *o.ServerGroups != 1000 || o.ServerGroupMembers != nil || o.KeyPairs != nil {
		t.Errorf("nova update = %+v", o)
	}

	neutron := quotas.Quota{Port: 500, SecurityGroup: -1, SecurityGroupRule: 100000, Network: 100}
	nup := raises(neutronLimits(neutron))
	if want := []limit{{"port", 500, 3000}}; !reflect.DeepEqual(nup, want) {
		t.Errorf("neutron raises = %v, want %v", nup, want)
	}
	no := neutronUpdate(nup)
	if *no.Port != 3000 || no.SecurityGroup != nil || no.SecurityGroupRule != nil || no.Network != nil {
		t.Errorf("neutron update = %+v", no)
	}
	if got := raisedLines("neutron", nup); !reflect.DeepEqual(got, []string{"neutron quota port raised from 500 to 3000"}) {
		t.Errorf("report lines = %q", got)
	}

	converged := quotasets.QuotaSet{Instances: -1, Cores: -1, RAM: -1, ServerGroups: 1000, ServerGroupMembers: 2}
	if up := raises(novaLimits(converged, defaultFlavor)); len(up) != 0 {
		t.Errorf("converged nova quotas raise %v", up)
	}
	if got := neutronLimits(quotas.Quota{})[2].Target; got != 10100 {
		t.Errorf("security_group_rule target = %d, want 10100", got)
	}
}

func TestUnitTags(t *testing.T) {
	for unit, tag := range map[string]string{
		"octavia/0":     "charm-octavia-octavia-0",
		"my-octavia/12": "charm-octavia-my-octavia-12",
	} {
		if got := UnitTag(unit); got != tag {
			t.Errorf("UnitTag(%q) = %q, want %q", unit, got, tag)
		}
		if got, ok := unitFromTag(tag); !ok || got != unit {
			t.Errorf("unitFromTag(%q) = %q, %v; want %q", tag, got, ok, unit)
		}
	}
	for _, tag := range []string{TagManagement, TagHealth, "charm-octavia-", "charm-octavia-octavia", "charm-octavia-octavia-", "charm-octavia-x-1a", "other-octavia-0", "charm-octavia--0"} {
		if got, ok := unitFromTag(tag); ok {
			t.Errorf("unitFromTag(%q) = %q, want no unit", tag, got)
		}
	}
	if got := HealthManagerPortName("octavia/3"); got != "octavia-health-manager-octavia-3-listen-port" {
		t.Errorf("HealthManagerPortName = %q", got)
	}
}

func TestAtMostOne(t *testing.T) {
	id := func(s string) string { return s }
	if got, err := atMostOne("network", TagManagement, nil, id); got != nil || err != nil {
		t.Errorf("none: %v, %v", got, err)
	}
	if got, err := atMostOne("network", TagManagement, []string{"a"}, id); err != nil || *got != "a" {
		t.Errorf("one: %v, %v", got, err)
	}
	_, err := atMostOne("security group", TagHealth, []string{"b", "a"}, id)
	var dup *DuplicateError
	if !errors.As(err, &dup) || !reflect.DeepEqual(dup.IDs, []string{"a", "b"}) || dup.Tag != TagHealth {
		t.Fatalf("two: %#v", err)
	}
	if want := "2 security groups are tagged charm-octavia-health (a, b): remove the tag from all but one"; err.Error() != want {
		t.Errorf("message = %q, want %q", err, want)
	}
}

func TestMissingRules(t *testing.T) {
	existing := []rules.SecGroupRule{
		{Direction: "egress", EtherType: "IPv6"},                                                                                     // default egress
		{Direction: "ingress", EtherType: "IPv6", Protocol: "ipv6-icmp"},                                                             // synonym of icmpv6
		{Direction: "ingress", EtherType: "IPv4", Protocol: "tcp", PortRangeMin: 22, PortRangeMax: 22},                               // wrong family
		{Direction: "ingress", EtherType: "IPv6", Protocol: "6", PortRangeMin: 9443, PortRangeMax: 9443, RemoteIPPrefix: "fd00::/8"}, // narrowed by an operator
	}
	got := missingRules(existing, amphoraSecGroup.rules)
	if want := []rule{{"tcp", 22}}; !reflect.DeepEqual(got, want) {
		t.Errorf("missingRules = %v, want %v", got, want)
	}
	if got := missingRules(nil, healthSecGroup.rules); len(got) != 2 {
		t.Errorf("empty group misses %v", got)
	}
}

func TestPlanRepair(t *testing.T) {
	w := PortWant{Unit: "octavia/0", Host: "node1", NetworkID: "net", SecGroupID: "hm"}
	good := port{HostID: "node1", VIFType: "ovs", AdminUp: true, SecurityGroups: []string{"hm"}}
	if r := planRepair(good, w); len(r.changes) != 0 {
		t.Errorf("converged port needs %v", r.changes)
	}

	moved := good
	moved.HostID, moved.VIFType = "node2", vifBindingFailed
	r := planRepair(moved, w)
	if !r.host || r.rebind || !reflect.DeepEqual(r.changes, []string{`binding host "node2" -> "node1"`}) {
		t.Errorf("moved: %+v", r)
	}

	failed := good
	failed.VIFType = vifBindingFailed
	if r := planRepair(failed, w); r.host || !r.rebind || len(r.changes) != 1 {
		t.Errorf("binding failed: %+v", r)
	}

	down := good
	down.AdminUp = false
	down.SecurityGroups = []string{"default"}
	r = planRepair(down, w)
	if !r.adminUp || !reflect.DeepEqual(r.securityGroups, []string{"default", "hm"}) || len(r.changes) != 2 {
		t.Errorf("down without group: %+v", r)
	}
	if !reflect.DeepEqual(down.SecurityGroups, []string{"default"}) {
		t.Error("planRepair changed the port's groups in place")
	}
}

func TestAddressesByUnit(t *testing.T) {
	got := addressesByUnit([]port{
		{Tags: []string{TagManagement, UnitTag("octavia/0")}, FixedIPs: []ports.IP{{IPAddress: "fd00::2"}}},
		{Tags: []string{UnitTag("octavia/1"), TagManagement}, FixedIPs: []ports.IP{{IPAddress: "fd00::b"}, {IPAddress: "fd00::a"}}},
		{Tags: []string{TagManagement}, FixedIPs: []ports.IP{{IPAddress: "fd00::9"}}}, // no unit: not a health-manager port
		{Tags: []string{TagManagement, UnitTag("octavia/2")}},                         // no address yet
	})
	want := map[string][]string{"octavia/0": {"fd00::2"}, "octavia/1": {"fd00::a", "fd00::b"}, "octavia/2": nil}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("addressesByUnit = %v, want %v", got, want)
	}
}

func TestReportWording(t *testing.T) {
	var r Report
	r.created("%s", describe("network", "lb-mgmt-net", "3f2a"))
	r.missing("security group tagged %s", TagHealth)
	r.found("%s", describe("port", "", "p1"))
	want := Report{Created: []string{"network lb-mgmt-net (3f2a)"}, Found: []string{"port p1"}, Missing: []string{"security group tagged charm-octavia-health"}}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("report = %#v", r)
	}
	if got := (rule{"udp", 5555}).String() + "," + (rule{"icmpv6", 0}).String(); got != "udp 5555,icmpv6" {
		t.Errorf("rule wording = %q", got)
	}
	if !strings.Contains(adoptedNote(true), "untagged") || adoptedNote(false) != "" {
		t.Error("adoption note")
	}
}
