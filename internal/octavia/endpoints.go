package octavia

import (
	"fmt"
	"net/netip"
	"strings"

	"charm-octavia/internal/relations"
)

// The API endpoint types, as Keystone's catalog names them. Each has an
// extra binding of the same name, an os-<type>-network option (a CIDR) and
// an os-<type>-hostname option.
const (
	endpointPublic   = "public"
	endpointInternal = "internal"
	endpointAdmin    = "admin"
)

// endpointKinds lists the endpoint types in the order problems are reported.
var endpointKinds = []string{endpointPublic, endpointInternal, endpointAdmin}

// endpointNetwork returns config os-<kind>-network and its option name.
func endpointNetwork(c Config, kind string) (value, option string) {
	switch kind {
	case endpointPublic:
		return c.OSPublicNetwork, "os-public-network"
	case endpointInternal:
		return c.OSInternalNetwork, "os-internal-network"
	default:
		return c.OSAdminNetwork, "os-admin-network"
	}
}

// endpointHostname returns config os-<kind>-hostname and its option name.
func endpointHostname(c Config, kind string) (value, option string) {
	switch kind {
	case endpointPublic:
		return strings.TrimSpace(c.OSPublicHostname), "os-public-hostname"
	case endpointInternal:
		return strings.TrimSpace(c.OSInternalHostname), "os-internal-hostname"
	default:
		return strings.TrimSpace(c.OSAdminHostname), "os-admin-hostname"
	}
}

// configVIPs are the addresses of config vip, in order, each once.
func configVIPs(c Config) []string {
	var out []string
	for _, v := range strings.Fields(c.VIP) {
		if !containsString(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// networks parses an os-*-network value: one CIDR, or several separated by
// blanks as charm-helpers' get_address_in_network accepts. Unparsable
// entries are skipped (endpointProblems reports them).
func networks(value string) []netip.Prefix {
	var out []netip.Prefix
	for _, f := range strings.Fields(value) {
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
		}
	}
	return out
}

// unitAddress is this unit's own address for an endpoint type, as
// charms.openstack's resolve_address finds it when no VIP applies: the
// machine's address inside os-<kind>-network when that is set (falling back
// to the binding's address when no interface is in it, as
// get_address_in_network does with its fallback), else the address of the
// <kind> extra binding from network-get.
func unitAddress(c Config, h Host, kind string) string {
	if value, _ := endpointNetwork(c, kind); value != "" {
		if a := addressIn(h, networks(value)); a != "" {
			return a
		}
	}
	return addressOf(h, kind)
}

// addressIn is the first machine address inside one of nets, interfaces in
// kernel order; "" when none.
func addressIn(h Host, nets []netip.Prefix) string {
	for _, n := range nets {
		for _, ifc := range h.Interfaces {
			for _, p := range ifc.Addrs {
				if a := p.Addr().Unmap(); n.Contains(a) {
					return a.String()
				}
			}
		}
	}
	return ""
}

// subnetOf is the network of a machine address as the interface carrying it
// holds it (10.0.0.0/24 for 10.0.0.11 on eth0 with 10.0.0.11/24); false when
// no interface carries the address.
func subnetOf(h Host, addr string) (netip.Prefix, bool) {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return netip.Prefix{}, false
	}
	a = a.Unmap()
	for _, ifc := range h.Interfaces {
		for _, p := range ifc.Addrs {
			if p.Addr().Unmap() == a {
				return netip.PrefixFrom(a, p.Bits()).Masked(), true
			}
		}
	}
	return netip.Prefix{}, false
}

// endpointVIP picks the VIP that serves an endpoint type, as resolve_address
// does: the VIP inside os-<kind>-network when that is set, else the VIP
// inside the subnet of the <kind> binding's address. When none is there a
// single VIP serves every endpoint; with several, "" (endpointProblems
// reports it).
func endpointVIP(c Config, h Host, kind string) string {
	vips := configVIPs(c)
	if len(vips) == 0 {
		return ""
	}
	nets := networks(first(endpointNetwork(c, kind)))
	if len(nets) == 0 {
		if n, ok := subnetOf(h, addressOf(h, kind)); ok {
			nets = []netip.Prefix{n}
		}
	}
	for _, v := range vips {
		a, err := netip.ParseAddr(v)
		if err != nil {
			continue
		}
		for _, n := range nets {
			if n.Contains(a.Unmap()) {
				return v
			}
		}
	}
	if len(vips) == 1 {
		return vips[0]
	}
	return ""
}

// resolveAddress is the host of an endpoint type's URL, in the order of
// charms.openstack's resolve_address: the os-<kind>-hostname override (with
// "{service_name}" replaced by the application name), else the VIP on that
// endpoint's network when vip is set, else this unit's address on it.
func resolveAddress(c Config, h Host, app, kind string) string {
	if host, _ := endpointHostname(c, kind); host != "" {
		return expandServiceName(host, app)
	}
	if len(configVIPs(c)) > 0 {
		return endpointVIP(c, h, kind)
	}
	return unitAddress(c, h, kind)
}

// expandServiceName applies the "{service_name}" placeholder the upstream
// os-*-hostname options accept.
func expandServiceName(host, app string) string {
	return strings.ReplaceAll(host, "{service_name}", app)
}

// appOf is the application of a unit name ("octavia/0" → "octavia").
func appOf(unit string) string {
	if i := strings.IndexByte(unit, '/'); i > 0 {
		return unit[:i]
	}
	return "octavia"
}

// endpointProblems checks the options that place the API endpoints: vip,
// os-*-network and os-*-hostname, and that every endpoint type finds its VIP
// when there are several.
func endpointProblems(c Config, h Host, app string) []Problem {
	var ps []Problem
	vipsOK := true
	for _, v := range configVIPs(c) {
		if a, err := netip.ParseAddr(v); err != nil || a.Zone() != "" {
			ps = append(ps, Problem{"vip", fmt.Sprintf("%q is not an IP address", clip(v))})
			vipsOK = false
			break
		}
	}
	for _, kind := range endpointKinds {
		if value, option := endpointNetwork(c, kind); value != "" {
			for _, f := range strings.Fields(value) {
				if _, err := netip.ParsePrefix(f); err != nil {
					ps = append(ps, Problem{option, fmt.Sprintf("%q is not a network in CIDR form such as 10.0.0.0/24", clip(f))})
					break
				}
			}
		}
		if value, option := endpointHostname(c, kind); value != "" && !relations.ValidHost(expandServiceName(value, app)) {
			ps = append(ps, Problem{option, fmt.Sprintf("%q is not a host name", clip(value))})
		}
	}
	if vipsOK && len(configVIPs(c)) > 1 {
		for _, kind := range endpointKinds {
			if host, _ := endpointHostname(c, kind); host != "" {
				continue
			}
			if endpointVIP(c, h, kind) == "" {
				net, option := endpointNetwork(c, kind)
				where := "the " + kind + " binding's subnet"
				if net != "" {
					where = option + " " + net
				}
				ps = append(ps, Problem{"vip", fmt.Sprintf("none of the addresses is in %s; give one VIP per network", where)})
				break
			}
		}
	}
	return ps
}

func first(a, _ string) string { return a }

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
