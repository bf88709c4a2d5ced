package octavia

import (
	"strconv"

	"charm-octavia/internal/relations"
	"charm-octavia/internal/relations/hacluster"
)

// haService is the service name the ha resources carry
// (res_octavia_<hash>_vip, res_octavia_haproxy, cl_res_octavia_haproxy): the
// upstream charm's, so a cluster it built keeps its resources.
const haService = "octavia"

// haKeyBindIface is the one ha key Build leaves out when vip_iface is
// empty; the bag then carries it empty so that an earlier value is removed.
const haKeyBindIface = "corosync_bindiface"

// haRequest is what this unit asks its hacluster subordinate to manage:
// every VIP of config vip with the NIC and netmask the machine's interfaces
// give it (vip_iface and vip_cidr fill in what is not found), and with
// dns-ha the os-*-hostname records with this unit's address on each
// endpoint's network.
func haRequest(c Config, h Host, app string) hacluster.Request {
	req := hacluster.Request{VIPIface: c.VIPIface, VIPCIDR: strconv.Itoa(c.VIPCIDR), DNSHA: c.DNSHA}
	for _, v := range configVIPs(c) {
		nic, mask := hacluster.VIPNetwork(v, h.Interfaces)
		req.VIPs = append(req.VIPs, hacluster.VIP{Address: v, NIC: nic, Netmask: mask})
	}
	if c.DNSHA {
		// The order and the type names are upstream's: "int" is
		// os-internal-hostname. Octavia has no os-access-hostname.
		for _, e := range []struct{ typ, kind string }{
			{"admin", endpointAdmin}, {"int", endpointInternal}, {"public", endpointPublic},
		} {
			host, _ := endpointHostname(c, e.kind)
			if host == "" {
				continue
			}
			req.DNS = append(req.DNS, hacluster.DNSEntry{
				Type: e.typ, Hostname: expandServiceName(host, app), Address: unitAddress(c, h, e.kind),
			})
		}
	}
	return req
}

// haPlan builds this unit's bag for every ha relation, as each principal
// unit publishes to its own hacluster subordinate (leader or not). Each bag
// is built against what the unit published there before, so a changed vip
// or dns-ha is sent again, clustered or not, and resources no longer wanted
// go to json_delete_resources.
//
// Problems are options that cannot be turned into resources (an address
// that is not one, dns-ha together with vip, dns-ha without a hostname):
// they block the unit like any bad option. Reasons are what the operator
// should act on while the unit keeps working: the ha relation without vip or
// dns-ha gives a cluster that only restarts haproxy and moves no address.
// Whether hacluster has clustered yet does not hold the unit back: the API
// answers on every unit's own address meanwhile, as upstream's does.
func haPlan(in Inputs) (map[string]relations.Bag, []Problem, []Reason) {
	rels := in.Relations[EndpointHA]
	if len(rels) == 0 {
		return nil, nil, nil
	}
	c := in.Config
	req := haRequest(c, in.Host, appOf(in.Unit))
	out := map[string]relations.Bag{}
	for _, r := range rels {
		bag, err := hacluster.Build(haService, req, r.Local)
		if err != nil {
			if ce, ok := err.(*hacluster.ConfigError); ok {
				return nil, []Problem{{ce.Option, ce.Problem}}, nil
			}
			return nil, []Problem{{"vip", err.Error()}}, nil
		}
		if _, ok := bag[haKeyBindIface]; !ok {
			bag[haKeyBindIface] = ""
		}
		out[r.ID] = bag
	}
	var reasons []Reason
	if len(req.VIPs) == 0 && !c.DNSHA {
		reasons = append(reasons, Reason{Blocked, "vip: must be set while related to hacluster (or dns-ha with os-*-hostname)"})
	}
	return out, nil, reasons
}
