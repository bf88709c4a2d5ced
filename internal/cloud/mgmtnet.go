package cloud

import (
	"context"
	"fmt"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/routers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/groups"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/rules"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"
)

// discovered is what the tags find before anything is created.
type discovered struct {
	network                         *network
	subnet                          *subnets.Subnet // only with a network
	routers                         []routers.Router
	amphoraSecGroup, healthSecGroup *groups.SecGroup
}

// discover searches the service project by tag, and fails on any tag that
// marks more than one network, subnet or security group.
func (c *Cloud) discover(ctx context.Context, nc *gophercloud.ServiceClient) (discovered, error) {
	var d discovered
	nets, err := listNetworks(ctx, nc, networks.ListOpts{Tags: TagManagement, ProjectID: c.projectID})
	if err != nil {
		return d, apiError(err, "list networks tagged %s", TagManagement)
	}
	if d.network, err = atMostOne("network", TagManagement, nets, func(n network) string { return n.ID }); err != nil {
		return d, err
	}
	if d.network != nil {
		subs, err := listSubnets(ctx, nc, subnets.ListOpts{NetworkID: d.network.ID, Tags: TagManagement})
		if err != nil {
			return d, apiError(err, "list subnets tagged %s on network %s", TagManagement, d.network.ID)
		}
		if d.subnet, err = atMostOne("subnet", TagManagement, subs, func(s subnets.Subnet) string { return s.ID }); err != nil {
			return d, err
		}
	}
	for _, g := range []struct {
		tag  string
		into **groups.SecGroup
	}{{TagManagement, &d.amphoraSecGroup}, {TagHealth, &d.healthSecGroup}} {
		sgs, err := listSecGroups(ctx, nc, groups.ListOpts{Tags: g.tag, ProjectID: c.projectID})
		if err != nil {
			return d, apiError(err, "list security groups tagged %s", g.tag)
		}
		if *g.into, err = atMostOne("security group", g.tag, sgs, func(s groups.SecGroup) string { return s.ID }); err != nil {
			return d, err
		}
	}
	features, err := c.features(ctx, nc)
	if err != nil {
		return d, err
	}
	if features.router {
		d.routers, err = listRouters(ctx, nc, routers.ListOpts{Tags: TagManagement, ProjectID: c.projectID, SortKey: "id", SortDir: "asc"})
		if err != nil {
			return d, apiError(err, "list routers tagged %s", TagManagement)
		}
	}
	return d, nil
}

func (c *Cloud) ensureNetwork(ctx context.Context, nc *gophercloud.ServiceClient, found *network, create bool, rep *Report) (*network, error) {
	if found != nil {
		rep.found("%s", describe("network", found.Name, found.ID))
		return found, nil
	}
	if !create {
		rep.missing("network tagged %s", TagManagement)
		rep.missing("subnet tagged %s", TagManagement)
		return nil, nil
	}
	orphans, err := listNetworks(ctx, nc, networks.ListOpts{Name: networkName, ProjectID: c.projectID})
	if err != nil {
		return nil, apiError(err, "list networks named %s", networkName)
	}
	net, adopted, err := adoptOrCreate(ctx, nc, "networks", []string{TagManagement},
		untagged(orphans, func(n network) []string { return n.Tags }),
		func(n network) string { return n.ID },
		func(ctx context.Context) (network, error) {
			var n network
			err := networks.Create(ctx, nc, networks.CreateOpts{Name: networkName}).ExtractInto(&n)
			return n, apiError(err, "create network %s", networkName)
		},
		func(ctx context.Context, id string) error { return networks.Delete(ctx, nc, id).Err })
	if err != nil {
		return nil, err
	}
	rep.created("%s%s", describe("network", net.Name, net.ID), adoptedNote(adopted))
	return &net, nil
}

func (c *Cloud) ensureSubnet(ctx context.Context, nc *gophercloud.ServiceClient, networkID string, found *subnets.Subnet, create bool, rep *Report) (*subnets.Subnet, error) {
	if found != nil {
		rep.found("%s %s", describe("subnet", found.Name, found.ID), found.CIDR)
		return found, nil
	}
	if !create {
		rep.missing("subnet tagged %s on network %s", TagManagement, networkID)
		return nil, nil
	}
	cidr, err := ManagementCIDR(networkID)
	if err != nil {
		return nil, err
	}
	orphans, err := listSubnets(ctx, nc, subnets.ListOpts{Name: subnetName, NetworkID: networkID})
	if err != nil {
		return nil, apiError(err, "list subnets named %s", subnetName)
	}
	sub, adopted, err := adoptOrCreate(ctx, nc, "subnets", []string{TagManagement},
		untagged(orphans, func(s subnets.Subnet) []string { return s.Tags }),
		func(s subnets.Subnet) string { return s.ID },
		func(ctx context.Context) (subnets.Subnet, error) {
			s, err := subnets.Create(ctx, nc, subnets.CreateOpts{
				NetworkID:       networkID,
				Name:            subnetName,
				IPVersion:       gophercloud.IPv6,
				CIDR:            cidr,
				IPv6AddressMode: "slaac",
				IPv6RAMode:      "slaac",
			}).Extract()
			if err != nil {
				return subnets.Subnet{}, apiError(err, "create subnet %s %s", subnetName, cidr)
			}
			return *s, nil
		},
		func(ctx context.Context, id string) error { return subnets.Delete(ctx, nc, id).Err })
	if err != nil {
		return nil, err
	}
	rep.created("%s %s%s", describe("subnet", sub.Name, sub.ID), sub.CIDR, adoptedNote(adopted))
	return &sub, nil
}

// ensureRouter keeps one router tagged TagManagement with an interface on
// the subnet. Routers are optional: without the router extension, or when
// only discovering, none is made.
func (c *Cloud) ensureRouter(ctx context.Context, nc *gophercloud.ServiceClient, found []routers.Router, subnetID string, create bool, rep *Report) (string, error) {
	features, err := c.features(ctx, nc)
	if err != nil {
		return "", err
	}
	if !features.router {
		if create {
			rep.missing("router: Neutron has no router extension, so nothing sends router advertisements on the subnet")
		}
		return "", nil
	}
	var r routers.Router
	switch {
	case len(found) > 0:
		r = found[0]
		rep.found("%s", describe("router", r.Name, r.ID))
	case !create:
		return "", nil
	default:
		orphans, err := listRouters(ctx, nc, routers.ListOpts{Name: routerName, ProjectID: c.projectID})
		if err != nil {
			return "", apiError(err, "list routers named %s", routerName)
		}
		var adopted bool
		r, adopted, err = adoptOrCreate(ctx, nc, "routers", []string{TagManagement},
			untagged(orphans, func(r routers.Router) []string { return r.Tags }),
			func(r routers.Router) string { return r.ID },
			func(ctx context.Context) (routers.Router, error) {
				opts := routers.CreateOpts{Name: routerName}
				if features.dvr {
					// A distributed router sends no RAs (LP #1843557).
					opts.Distributed = ptr(false)
				}
				r, err := routers.Create(ctx, nc, opts).Extract()
				if err != nil {
					return routers.Router{}, apiError(err, "create router %s", routerName)
				}
				return *r, nil
			},
			func(ctx context.Context, id string) error { return routers.Delete(ctx, nc, id).Err })
		if err != nil {
			return "", err
		}
		rep.created("%s%s", describe("router", r.Name, r.ID), adoptedNote(adopted))
	}
	if !create {
		return r.ID, nil
	}
	return r.ID, c.ensureRouterInterface(ctx, nc, r.ID, subnetID, rep)
}

func (c *Cloud) ensureRouterInterface(ctx context.Context, nc *gophercloud.ServiceClient, routerID, subnetID string, rep *Report) error {
	existing, err := listPorts(ctx, nc, ports.ListOpts{DeviceID: routerID, FixedIPs: []ports.FixedIPOpts{{SubnetID: subnetID}}})
	if err != nil {
		return apiError(err, "list ports of router %s on subnet %s", routerID, subnetID)
	}
	if len(existing) > 0 {
		return nil
	}
	if _, err := routers.AddInterface(ctx, nc, routerID, routers.AddInterfaceOpts{SubnetID: subnetID}).Extract(); err != nil {
		return apiError(err, "add interface on subnet %s to router %s", subnetID, routerID)
	}
	rep.created("router interface on subnet %s", subnetID)
	return nil
}

// secGroup is a security group the charm keeps.
type secGroup struct {
	name, tag, description string
	rules                  []rule
}

// rule is one IPv6 ingress rule from any source; port 0 means all ports.
type rule struct {
	protocol string
	port     int
}

func (r rule) String() string {
	if r.port == 0 {
		return r.protocol
	}
	return fmt.Sprintf("%s %d", r.protocol, r.port)
}

var (
	amphoraSecGroup = secGroup{
		name: amphoraSecGroupName, tag: TagManagement,
		description: "Octavia amphorae: ICMPv6, SSH and the amphora agent API from the lb-mgmt network",
		rules:       []rule{{"icmpv6", 0}, {"tcp", 22}, {"tcp", 9443}},
	}
	healthSecGroup = secGroup{
		name: healthSecGroupName, tag: TagHealth,
		description: "Octavia health managers: ICMPv6 and amphora heartbeats",
		rules:       []rule{{"icmpv6", 0}, {"udp", 5555}},
	}
)

func (c *Cloud) ensureSecGroup(ctx context.Context, nc *gophercloud.ServiceClient, found *groups.SecGroup, want secGroup, create bool, rep *Report) (string, error) {
	if found != nil {
		rep.found("%s", describe("security group", found.Name, found.ID))
	}
	if !create {
		if found == nil {
			rep.missing("security group tagged %s", want.tag)
			return "", nil
		}
		return found.ID, nil
	}
	g := found
	if g == nil {
		orphans, err := listSecGroups(ctx, nc, groups.ListOpts{Name: want.name, ProjectID: c.projectID})
		if err != nil {
			return "", apiError(err, "list security groups named %s", want.name)
		}
		made, adopted, err := adoptOrCreate(ctx, nc, "security-groups", []string{want.tag},
			untagged(orphans, func(g groups.SecGroup) []string { return g.Tags }),
			func(g groups.SecGroup) string { return g.ID },
			func(ctx context.Context) (groups.SecGroup, error) {
				g, err := groups.Create(ctx, nc, groups.CreateOpts{Name: want.name, Description: want.description}).Extract()
				if err != nil {
					return groups.SecGroup{}, apiError(err, "create security group %s", want.name)
				}
				return *g, nil
			},
			func(ctx context.Context, id string) error { return groups.Delete(ctx, nc, id).Err })
		if err != nil {
			return "", err
		}
		rep.created("%s%s", describe("security group", made.Name, made.ID), adoptedNote(adopted))
		g = &made
	}
	for _, r := range missingRules(g.Rules, want.rules) {
		opts := rules.CreateOpts{
			SecGroupID: g.ID,
			Direction:  rules.DirIngress,
			EtherType:  rules.EtherType6,
			Protocol:   rules.RuleProtocol(r.protocol),
		}
		if r.port != 0 {
			opts.PortRangeMin, opts.PortRangeMax = r.port, r.port
		}
		err := rules.Create(ctx, nc, opts).Err
		if isConflict(err) {
			continue // made concurrently, e.g. by another unit's pass
		}
		if err != nil {
			return g.ID, apiError(err, "add rule ingress %s to security group %s", r, g.ID)
		}
		rep.created("rule ingress IPv6 %s in security group %s", r, g.Name)
	}
	return g.ID, nil
}

// missingRules returns the wanted rules that no existing IPv6 ingress rule
// covers. A rule with a remote prefix or group still counts: an operator
// may narrow the sources, the charm does not widen them again.
func missingRules(existing []rules.SecGroupRule, want []rule) []rule {
	var out []rule
	for _, w := range want {
		covered := false
		for _, e := range existing {
			if e.Direction != "ingress" || e.EtherType != "IPv6" || protocolName(e.Protocol) != protocolName(w.protocol) {
				continue
			}
			if w.port == 0 || (e.PortRangeMin == w.port && e.PortRangeMax == w.port) {
				covered = true
				break
			}
		}
		if !covered {
			out = append(out, w)
		}
	}
	return out
}

// protocolName folds Neutron's synonyms for the protocols the charm uses.
func protocolName(p string) string {
	switch p {
	case "icmpv6", "ipv6-icmp", "58":
		return "icmpv6"
	case "tcp", "6":
		return "tcp"
	case "udp", "17":
		return "udp"
	}
	return p
}

func listSubnets(ctx context.Context, nc *gophercloud.ServiceClient, opts subnets.ListOpts) ([]subnets.Subnet, error) {
	pages, err := subnets.List(nc, opts).AllPages(ctx)
	if err != nil {
		return nil, err
	}
	return subnets.ExtractSubnets(pages)
}

func listRouters(ctx context.Context, nc *gophercloud.ServiceClient, opts routers.ListOpts) ([]routers.Router, error) {
	pages, err := routers.List(nc, opts).AllPages(ctx)
	if err != nil {
		return nil, err
	}
	return routers.ExtractRouters(pages)
}

func listSecGroups(ctx context.Context, nc *gophercloud.ServiceClient, opts groups.ListOpts) ([]groups.SecGroup, error) {
	pages, err := groups.List(nc, opts).AllPages(ctx)
	if err != nil {
		return nil, err
	}
	return groups.ExtractGroups(pages)
}

// adoptOrCreate tags the one untagged orphan of an interrupted pass, or
// creates and tags a new resource; it reports whether it adopted.
func adoptOrCreate[T any](ctx context.Context, nc *gophercloud.ServiceClient, resourceType string, tags []string,
	orphans []T, id func(T) string, create func(context.Context) (T, error), remove func(context.Context, string) error,
) (T, bool, error) {
	if len(orphans) == 1 {
		return orphans[0], true, setTags(ctx, nc, resourceType, id(orphans[0]), tags)
	}
	r, err := create(ctx)
	if err != nil {
		return r, false, err
	}
	return r, false, tagNew(ctx, nc, resourceType, id(r), tags, func(ctx context.Context) error { return remove(ctx, id(r)) })
}

func adoptedNote(adopted bool) string {
	if adopted {
		return ", tagged now (an interrupted pass left it untagged)"
	}
	return ""
}

func ptr[T any](v T) *T { return &v }
