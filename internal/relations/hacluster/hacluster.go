// Package hacluster speaks the hacluster interface on Octavia's ha endpoint,
// where Octavia is the principal and a container-scoped hacluster subordinate
// runs corosync and pacemaker: it builds the pacemaker resources this unit
// asks for (the API VIPs, the cloned haproxy, or the MAAS DNS records of
// dns-ha) and reads whether the cluster has formed.
//
// The resources, their names and their crm parameter strings are the ones
// the upstream charm publishes for the same inputs, byte for byte, so a
// cluster built by the upstream charm keeps its resources after
// `juju refresh --switch`. They were written against the requirer the
// upstream charm uses, openstack/charm-interface-hacluster (requires.py and
// interface_hacluster/common.py: CRM, VirtualIP, InitService, DNSEntry),
// charms.openstack's HAOpenStackCharm (configure_ha_resources and its
// _add_ha_vips_config, _add_ha_haproxy_config and _add_dnsha_config),
// charm-helpers' get_vip_settings and _get_for_address, and the provider
// openstack/charm-hacluster (ha_relation_changed, parse_data); see
// shared/reference/relation-interfaces.md §6.
//
// Everything lives in this unit's unit databag. The json_* keys hold
// json.dumps(value, sort_keys=True) with Python's default separators;
// corosync_bindiface and corosync_mcastport are raw strings. hacluster
// answers with clustered=yes in its own unit databag.
//
// Two deliberate differences from upstream, both documented on Build:
// upstream sends the data only until hacluster reports clustered, so a vip or
// dns-ha change after that never reaches pacemaker; here a changed input is
// simply a different bag, which the caller publishes again. And what
// disappears from the desired resources is put in json_delete_resources by
// comparing with the previously published bag, so a removed or renamed VIP,
// and a DNS record whose hostname was unset, are really deleted.
package hacluster

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"

	"charm-octavia/internal/relations"
)

// Resource agents Octavia's resources use.
const (
	// AgentIPaddr2 manages an IPv4 VIP.
	AgentIPaddr2 = "ocf:heartbeat:IPaddr2"
	// AgentIPv6addr manages an IPv6 VIP.
	AgentIPv6addr = "ocf:heartbeat:IPv6addr"
	// AgentHAProxy is haproxy's init script, cloned on every node.
	AgentHAProxy = "lsb:haproxy"
	// AgentDNS is the MAAS DNS agent behind dns-ha.
	AgentDNS = "ocf:maas:dns"
)

// McastPort is the corosync multicast port the principal announces
// (corosync_mcastport); hacluster uses it only with multicast transport.
const McastPort = "4440"

// Keys of this unit's databag (§6.1).
const (
	keyBindIface       = "corosync_bindiface"
	keyMcastPort       = "corosync_mcastport"
	keyResources       = "json_resources"
	keyResourceParams  = "json_resource_params"
	keyGroups          = "json_groups"
	keyClones          = "json_clones"
	keyDeleteResources = "json_delete_resources"
	keyInitServices    = "json_init_services"
	keyMS              = "json_ms"
	keyOrders          = "json_orders"
	keyColocations     = "json_colocations"
	keyLocations       = "json_locations"
	keySystemdServices = "json_systemd_services"
	keyClustered       = "clustered"
)

// The crm fragments upstream attaches to each resource (§6.1).
const (
	vipMonitor  = `monitor timeout="20s" interval="10s" depth="0"`
	initMonitor = `monitor interval="5s"`
	resMeta     = `migration-threshold="INFINITY" failure-timeout="5s"`
)

// VIP is one address of config vip together with what the machine knows of
// it. NIC and Netmask are what detection found (see VIPNetwork), empty when
// nothing on the machine carries the VIP's network; Build then falls back to
// Request.VIPIface and Request.VIPCIDR, as upstream's get_vip_settings does.
type VIP struct {
	// Address is the VIP exactly as written in config vip.
	Address string
	// NIC is the interface whose network holds the VIP, "" if none.
	NIC string
	// Netmask is that network's mask as charm-helpers reports it: dotted
	// ("255.255.255.0") for IPv4, a prefix length ("64") for IPv6; "" if none.
	Netmask string
}

// DNSEntry is one os-*-hostname record for dns-ha.
type DNSEntry struct {
	// Type is the endpoint type as upstream names it: "admin", "int"
	// (os-internal-hostname), "public" or "access".
	Type string
	// Hostname is the os-<type>-hostname value, the record's FQDN.
	Hostname string
	// Address is this unit's address on that endpoint's network (upstream's
	// resolve_address(type, override=False)); "" leaves ip_address out.
	Address string
}

// Request is what the principal wants pacemaker to manage.
type Request struct {
	// VIPs are the addresses of config vip, in config order.
	VIPs []VIP
	// VIPIface is config vip_iface: the fallback NIC of a VIP and the
	// corosync_bindiface announced (left out when empty).
	VIPIface string
	// VIPCIDR is config vip_cidr as decimal text ("24"): the fallback netmask.
	VIPCIDR string
	// DNSHA is config dns-ha.
	DNSHA bool
	// DNS are the os-*-hostname records; used only with DNSHA.
	DNS []DNSEntry
}

// ConfigError is a Request that cannot be turned into resources: Option
// names the charm option at fault and Problem says what is wrong. The caller
// turns it into a blocked status.
type ConfigError struct {
	// Option is the config option to fix, e.g. "vip".
	Option string
	// Problem says what is wrong with it.
	Problem string
}

// Error returns "<option>: <problem>".
func (e *ConfigError) Error() string { return e.Option + ": " + e.Problem }

// resource is one pacemaker primitive to publish.
type resource struct {
	name, agent, params string
	vip, dns            bool
}

// Build returns this unit's ha databag for service ("octavia"), given the
// bag it published before (nil or empty the first time; pass the relation's
// Local bag).
//
// The resources (§6.1, §6.4) are:
//   - per VIP, IPv4 as ocf:heartbeat:IPaddr2 with params ip="<vip>", IPv6 as
//     ocf:heartbeat:IPv6addr with params ipv6addr="<vip>", each with meta
//     migration-threshold="INFINITY" failure-timeout="5s" and op monitor
//     timeout="20s" interval="10s" depth="0". When both NIC and netmask were
//     detected the IPv4 name is res_<service>_<sha1(vip)[:7]>_vip, and the
//     old NIC-named res_<service>_<nic>_vip is deleted; otherwise
//     VIPIface/VIPCIDR fill in, the name is res_<service>_<nic>_vip and the
//     params gain nic="<nic>" cidr_netmask="<cidr>". IPv6 names are
//     res_<service>_<nic>_ipv6addr_vip, where a detected VIP's nic renders as
//     "None" exactly as upstream's does. Group grp_<service>_vips lists them.
//   - res_<service>_haproxy (lsb:haproxy), cloned as cl_res_<service>_haproxy,
//     with json_init_services ["haproxy"].
//   - with DNSHA, per entry res_<service>_<type>_hostname (ocf:maas:dns) with
//     params fqdn="<hostname>" ip_address="<address>", in group
//     grp_<service>_hostnames.
//
// Groups list every member, sorted. grp_<service>_vips follows an upstream
// quirk: with a single VIP it is left out of the very first bag (a previous
// bag without json_resources), so the second pass publishes it; with two or
// more VIPs, or once anything was published, it is always there.
//
// json_delete_resources carries the previous bag's deletions forward (upstream
// accumulates them too), then adds every clone, group and resource the
// previous bag published that is no longer wanted, then the old NIC-named
// resource of each detected VIP; nothing that is wanted is ever listed.
// Upstream deletes only a removed VIP's hash-named resource, so a removed
// fallback or IPv6 VIP, or a dns-ha record, lingers there; here it goes. The
// bag is authoritative: call Build only with complete inputs, or resources
// are deleted.
//
// Two VIPs that upstream would give the same name (two IPv6 VIPs, or two
// VIPs falling back to the same vip_iface) would overwrite each other there;
// here the first keeps the upstream name and each later one is named
// res_<service>_<sha1(vip)[:7]>_vip. A VIP listed twice counts once.
//
// A changed input simply yields a different bag: the caller publishes it
// again whenever it differs, clustered or not (upstream stops sending once
// clustered). hacluster updates the params of existing primitives but only
// creates groups and clones that do not exist yet.
//
// Build returns a *ConfigError when a VIP is not an IP address, a NIC,
// netmask or hostname is not usable in a crm parameter, dns-ha is set
// together with vip (the dns-ha option says "do not set vip settings";
// upstream would apply both), or dns-ha is set without any os-*-hostname.
func Build(service string, req Request, previous relations.Bag) (relations.Bag, error) {
	if service == "" || strings.ContainsAny(service, " \t\r\n\"'") {
		return nil, fmt.Errorf("hacluster: unusable service name %q", service)
	}
	if req.DNSHA && len(req.VIPs) > 0 {
		return nil, &ConfigError{"dns-ha", "cannot be used together with vip; unset one of them"}
	}
	if req.VIPIface != "" && !validNIC(req.VIPIface) {
		return nil, &ConfigError{"vip_iface", "is not a network interface name"}
	}
	if req.VIPCIDR != "" && !validNetmask(req.VIPCIDR) {
		return nil, &ConfigError{"vip_cidr", "is not a prefix length"}
	}

	var res []resource
	var deletions []string
	used := map[string]bool{}
	seenVIP := map[string]bool{}
	for _, v := range req.VIPs {
		if seenVIP[v.Address] {
			continue
		}
		seenVIP[v.Address] = true
		r, oldName, err := vipResource(service, v, req)
		if err != nil {
			return nil, err
		}
		if used[r.name] {
			r.name = fmt.Sprintf("res_%s_%s_vip", service, shortHash(v.Address))
		}
		used[r.name] = true
		res = append(res, r)
		if oldName != "" {
			deletions = append(deletions, oldName)
		}
	}

	svc := strings.ReplaceAll(service, "-", "_")
	haproxy := resource{
		name:   fmt.Sprintf("res_%s_haproxy", svc),
		agent:  AgentHAProxy,
		params: crmSpecs(nil, []string{resMeta}, []string{initMonitor}),
	}
	res = append(res, haproxy)
	clones := map[string]string{"cl_" + haproxy.name: haproxy.name}

	if req.DNSHA {
		dns, err := dnsResources(svc, req.DNS)
		if err != nil {
			return nil, err
		}
		res = append(res, dns...)
	}

	resources := map[string]string{}
	params := map[string]string{}
	var vipMembers, dnsMembers []string
	for _, r := range res {
		resources[r.name] = r.agent
		if r.params != "" {
			params[r.name] = r.params
		}
		switch {
		case r.vip:
			vipMembers = append(vipMembers, r.name)
		case r.dns:
			dnsMembers = append(dnsMembers, r.name)
		}
	}

	// Upstream's add_vip sets the group only when it finds resources stored
	// by an earlier call: from the second VIP of the first pass on, or from
	// the second pass. add_dnsha always finds haproxy stored before it.
	prevResources := previousObject(previous, keyResources)
	groups := map[string]string{}
	if len(vipMembers) > 0 && (len(prevResources) > 0 || len(req.VIPs) > 1) {
		sort.Strings(vipMembers)
		groups[fmt.Sprintf("grp_%s_vips", service)] = strings.Join(vipMembers, " ")
	}
	if len(dnsMembers) > 0 {
		sort.Strings(dnsMembers)
		groups[fmt.Sprintf("grp_%s_hostnames", service)] = strings.Join(dnsMembers, " ")
	}

	wanted := func(name string) bool {
		_, r := resources[name]
		_, g := groups[name]
		_, c := clones[name]
		return r || g || c
	}
	var del []string
	add := func(name string) {
		if name != "" && !wanted(name) && !slices.Contains(del, name) {
			del = append(del, name)
		}
	}
	for _, name := range previousArray(previous, keyDeleteResources) {
		add(name)
	}
	for _, key := range []string{keyClones, keyGroups, keyResources} {
		prev := prevResources
		if key != keyResources {
			prev = previousObject(previous, key)
		}
		for _, name := range sortedKeys(prev) {
			add(name)
		}
	}
	for _, name := range deletions {
		add(name)
	}

	bag := relations.Bag{
		keyMcastPort:       McastPort,
		keyResources:       dumpObject(resources),
		keyResourceParams:  dumpObject(params),
		keyGroups:          dumpObject(groups),
		keyClones:          dumpObject(clones),
		keyDeleteResources: dumpArray(del),
		keyInitServices:    dumpArray([]string{"haproxy"}),
		keyMS:              "{}",
		keyOrders:          "{}",
		keyColocations:     "{}",
		keyLocations:       "{}",
		keySystemdServices: "[]",
	}
	if req.VIPIface != "" {
		bag[keyBindIface] = req.VIPIface
	}
	return bag, nil
}

// vipResource builds the primitive for one VIP as charms.openstack's
// _add_ha_vips_config and interface-hacluster's VirtualIP do, and returns
// the old NIC-named resource to delete when the VIP's network was detected.
func vipResource(service string, v VIP, req Request) (resource, string, error) {
	addr, err := netip.ParseAddr(v.Address)
	if err != nil || addr.Zone() != "" {
		return resource{}, "", &ConfigError{"vip", fmt.Sprintf("%q is not an IP address", v.Address)}
	}
	if v.NIC != "" && !validNIC(v.NIC) {
		return resource{}, "", fmt.Errorf("hacluster: VIP %s: detected interface name %q is unusable", v.Address, v.NIC)
	}
	if v.Netmask != "" && !validNetmask(v.Netmask) {
		return resource{}, "", fmt.Errorf("hacluster: VIP %s: detected netmask %q is unusable", v.Address, v.Netmask)
	}
	nic, netmask := v.NIC, v.Netmask
	fallback := false
	if nic == "" {
		nic, fallback = req.VIPIface, true
	}
	if netmask == "" {
		netmask, fallback = req.VIPCIDR, true
	}
	var oldName string
	// Detected: upstream calls add_vip(name, vip) without nic or netmask,
	// then deletes the NIC-named resource of older charm versions.
	if !fallback {
		oldName = fmt.Sprintf("res_%s_%s_vip", service, nic)
		nic, netmask = "", ""
	}

	r := resource{agent: AgentIPaddr2, vip: true}
	p := fmt.Sprintf(`ip=%q`, v.Address)
	if nic != "" {
		r.name = fmt.Sprintf("res_%s_%s_vip", service, nic)
	} else {
		r.name = fmt.Sprintf("res_%s_%s_vip", service, shortHash(v.Address))
	}
	if addr.Is6() {
		r.agent = AgentIPv6addr
		p = fmt.Sprintf(`ipv6addr=%q`, v.Address)
		// Python formats a missing nic (None) as "None".
		shown := nic
		if !fallback {
			shown = "None"
		}
		r.name = fmt.Sprintf("res_%s_%s_ipv6addr_vip", service, shown)
	}
	if nic != "" {
		p += fmt.Sprintf(` nic=%q`, nic)
	}
	if netmask != "" {
		p += fmt.Sprintf(` cidr_netmask=%q`, netmask)
	}
	r.params = crmSpecs([]string{p}, []string{resMeta}, []string{vipMonitor})
	return r, oldName, nil
}

// dnsTypes is the order upstream walks the os-*-hostname options in.
var dnsTypes = []string{"admin", "int", "public", "access"}

// dnsResources builds the ocf:maas:dns primitives of dns-ha as
// interface-hacluster's DNSEntry does.
func dnsResources(svc string, entries []DNSEntry) ([]resource, error) {
	byType := map[string]DNSEntry{}
	for _, d := range entries {
		if !slices.Contains(dnsTypes, d.Type) {
			return nil, fmt.Errorf("hacluster: unknown DNS endpoint type %q", d.Type)
		}
		if d.Hostname == "" {
			continue
		}
		option := "os-" + d.Type + "-hostname"
		if d.Type == "int" {
			option = "os-internal-hostname"
		}
		if !relations.ValidHost(d.Hostname) {
			return nil, &ConfigError{option, "is not a host name"}
		}
		if d.Address != "" {
			if _, err := netip.ParseAddr(d.Address); err != nil {
				return nil, fmt.Errorf("hacluster: %s: unit address %q is not an IP address", option, d.Address)
			}
		}
		byType[d.Type] = d
	}
	if len(byType) == 0 {
		return nil, &ConfigError{"dns-ha", "needs at least one of os-admin-hostname, os-internal-hostname or os-public-hostname"}
	}
	var out []resource
	for _, t := range dnsTypes {
		d, ok := byType[t]
		if !ok {
			continue
		}
		// DNSEntry builds the params with a leading space, which
		// CRM._parse keeps: "params  fqdn=...".
		p := fmt.Sprintf(` fqdn=%q`, d.Hostname)
		if d.Address != "" {
			p += fmt.Sprintf(` ip_address=%q`, d.Address)
		}
		out = append(out, resource{
			name:   fmt.Sprintf("res_%s_%s_hostname", svc, t),
			agent:  AgentDNS,
			params: crmSpecs([]string{p}, nil, nil),
			dns:    true,
		})
	}
	return out, nil
}

// crmSpecs renders a primitive's parameter string as interface-hacluster's
// CRM.primitive does: each present section becomes " " + " <kw> <v>" per
// value, so every section starts with two spaces.
func crmSpecs(params, meta, op []string) string {
	specs := ""
	for _, s := range []struct {
		kw   string
		vals []string
	}{{"params", params}, {"meta", meta}, {"op", op}} {
		if s.vals == nil {
			continue
		}
		part := ""
		for i, v := range s.vals {
			if i == 0 {
				part += " "
			}
			part += s.kw + " " + v + " "
		}
		specs += " " + strings.TrimRight(part, " \t\r\n")
	}
	return specs
}

// shortHash is the first seven hex digits of sha1(vip), upstream's VIP key.
func shortHash(vip string) string {
	sum := sha1.Sum([]byte(vip))
	return hex.EncodeToString(sum[:])[:7]
}

// validNIC accepts Linux interface names (at most 15 characters, no blank,
// '/' or quote), alias forms like eth0:1 included.
func validNIC(s string) bool {
	if s == "" || len(s) > 15 || s == "." || s == ".." {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
			c == '-', c == '_', c == '.', c == ':', c == '@':
		default:
			return false
		}
	}
	return true
}

// validNetmask accepts a prefix length (0–128) or a dotted IPv4 netmask.
func validNetmask(s string) bool {
	if n, err := strconv.Atoi(s); err == nil {
		return n >= 0 && n <= 128 && strconv.Itoa(n) == s
	}
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is4()
}

// previousObject reads a json_* object key of the previous bag; anything
// unreadable counts as empty.
func previousObject(b relations.Bag, key string) map[string]any {
	var m map[string]any
	if err := json.Unmarshal([]byte(b[key]), &m); err != nil {
		return nil
	}
	return m
}

// previousArray reads a json_* array key of strings; anything unreadable
// counts as empty, and non-string members are skipped.
func previousArray(b relations.Bag, key string) []string {
	var raw []any
	if err := json.Unmarshal([]byte(b[key]), &raw); err != nil {
		return nil
	}
	var out []string
	for _, v := range raw {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// dumpObject encodes m as Python's json.dumps(m, sort_keys=True) does.
func dumpObject(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(relations.PythonJSONString(k))
		b.WriteString(": ")
		b.WriteString(relations.PythonJSONString(m[k]))
	}
	b.WriteByte('}')
	return b.String()
}

// dumpArray encodes a as Python's json.dumps(a) does.
func dumpArray(a []string) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, s := range a {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(relations.PythonJSONString(s))
	}
	b.WriteByte(']')
	return b.String()
}

// Parse reads the ha endpoint: whether hacluster reports the cluster formed
// and its resources applied (clustered is "yes" or "true", any letter case,
// from the first hacluster unit that set it). It reports Missing when no
// hacluster unit has joined, Incomplete while it has not clustered, and
// Ready once it has.
func Parse(e relations.Endpoint) (bool, relations.Readiness) {
	if !e.Joined() {
		return false, relations.Missing
	}
	v, _ := e.First(keyClustered)
	if relations.IsTrue(v) {
		return true, relations.Ready
	}
	return false, relations.Incomplete
}

// ManagesHAProxy reports whether a bag this unit published on ha hands
// haproxy to pacemaker (an lsb:haproxy resource). charm-helpers then drops
// the NRPE haproxy process check, which pacemaker's check_crm covers.
func ManagesHAProxy(published relations.Bag) bool {
	for _, agent := range previousObject(published, keyResources) {
		if agent == AgentHAProxy {
			return true
		}
	}
	return false
}

// Interface is one network interface of the machine, in the order the
// kernel lists them, with its addresses and prefix lengths
// (e.g. 10.0.0.11/24), as net.Interface.Addrs gives them.
type Interface struct {
	// Name is the interface name, e.g. "eth0".
	Name string
	// Addrs are the interface's addresses with their prefix lengths.
	Addrs []netip.Prefix
}

// VIPNetwork finds the NIC and netmask that carry vip's network, as
// charm-helpers' get_iface_for_address and get_netmask_for_address do:
// interfaces in order; for an IPv4 VIP only each interface's first IPv4
// address counts, and the netmask is dotted ("255.255.255.0"); for an IPv6
// VIP every address but link-local (fe80…) and ::1 counts, and the netmask is
// the prefix length ("64"). Both are "" when no interface holds the network
// (or vip is not an address); Build then uses vip_iface and vip_cidr.
func VIPNetwork(vip string, ifaces []Interface) (nic, netmask string) {
	addr, err := netip.ParseAddr(vip)
	if err != nil {
		return "", ""
	}
	addr = addr.Unmap()
	for _, ifc := range ifaces {
		if addr.Is4() {
			for _, p := range ifc.Addrs {
				a := p.Addr().Unmap()
				if !a.Is4() {
					continue
				}
				p4 := netip.PrefixFrom(a, p.Bits())
				if p4.Masked().Contains(addr) {
					return ifc.Name, dottedMask(p.Bits())
				}
				break
			}
			continue
		}
		for _, p := range ifc.Addrs {
			a := p.Addr()
			if !a.Is6() || a.Is4In6() || strings.HasPrefix(a.String(), "fe80") || a == netip.IPv6Loopback() {
				continue
			}
			if p.Masked().Contains(addr.WithZone("")) {
				return ifc.Name, strconv.Itoa(p.Bits())
			}
		}
	}
	return "", ""
}

func dottedMask(bits int) string {
	if bits < 0 || bits > 32 {
		return ""
	}
	m := uint32(0)
	if bits > 0 {
		m = ^uint32(0) << (32 - bits)
	}
	return fmt.Sprintf("%d.%d.%d.%d", m>>24, m>>16&255, m>>8&255, m&255)
}
