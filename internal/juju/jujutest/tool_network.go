package jujutest

import (
	"charm-octavia/internal/juju"
)

// network is what network-get answers for binding on the context's unit:
// an explicit network, else the default binding's for a declared endpoint.
func (c *Context) network(binding string) (juju.Network, bool) {
	u := c.m.Units[c.st.Unit]
	if n, ok := u.Networks[binding]; ok {
		return n, true
	}
	for _, ep := range c.m.Endpoints {
		if ep == binding {
			n, ok := u.Networks[""]
			return n, ok
		}
	}
	return juju.Network{}, false
}

func networkGetTool() toolSpec {
	return toolSpec{
		format: "smart",
		flags: func(c *Context) []flagDef {
			return []flagDef{
				{names: []string{"primary-address"}, kind: boolFlag},
				{names: []string{"bind-address"}, kind: boolFlag},
				{names: []string{"ingress-address"}, kind: boolFlag},
				{names: []string{"egress-subnets"}, kind: boolFlag},
				relationFlag(c),
			}
		},
		run: func(inv *invocation) error {
			if len(inv.args) < 1 {
				return usagef("no arguments specified")
			}
			binding := inv.args[0]
			if binding == "" {
				return usagef("no binding name specified")
			}
			if err := checkEmpty(inv.args[1:]); err != nil {
				return err
			}
			n, ok := inv.c.network(binding)
			if !ok || len(n.BindAddresses) == 0 {
				return failf("no network config found for binding %q", binding)
			}
			var keys []string
			for _, k := range []string{"bind-address", "ingress-address", "egress-subnets"} {
				if inv.flags.bool(k) {
					keys = append(keys, k)
				}
			}
			if inv.flags.bool("primary-address") {
				if len(keys) > 0 {
					return failf("--primary-address must be the only flag specified")
				}
				if len(n.BindAddresses[0].Addresses) == 0 {
					return failf("no addresses attached to space for binding %q", binding)
				}
				return inv.write(n.BindAddresses[0].Addresses[0].Value)
			}
			if len(keys) == 0 {
				return inv.write(networkDisplay(n))
			}
			values := map[string]any{}
			if inv.flags.bool("egress-subnets") {
				values["egress-subnets"] = nonNil(n.EgressSubnets)
			}
			if inv.flags.bool("ingress-address") {
				switch {
				case len(n.IngressAddresses) > 0:
					values["ingress-address"] = n.IngressAddresses[0]
				case len(n.BindAddresses[0].Addresses) > 0:
					values["ingress-address"] = n.BindAddresses[0].Addresses[0].Value
				default:
					return failf("no addresses attached to space for binding %q", binding)
				}
			}
			if inv.flags.bool("bind-address") {
				if len(n.BindAddresses[0].Addresses) == 0 {
					return failf("no addresses attached to space for binding %q", binding)
				}
				values["bind-address"] = n.BindAddresses[0].Addresses[0].Value
			}
			if len(keys) == 1 {
				return inv.write(values[keys[0]])
			}
			return inv.write(values)
		},
	}
}

// networkDisplay copies n with empty address lists as Juju prints them.
func networkDisplay(n juju.Network) juju.Network {
	out := juju.Network{EgressSubnets: n.EgressSubnets, IngressAddresses: n.IngressAddresses}
	for _, b := range n.BindAddresses {
		b.Addresses = append([]juju.InterfaceAddr{}, b.Addresses...)
		out.BindAddresses = append(out.BindAddresses, b)
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func unitGetTool() toolSpec {
	return toolSpec{
		format: "smart",
		run: func(inv *invocation) error {
			if len(inv.args) == 0 {
				return usagef("no setting specified")
			}
			key := inv.args[0]
			if key != "private-address" && key != "public-address" {
				return usagef("unknown setting %q", key)
			}
			if err := checkEmpty(inv.args[1:]); err != nil {
				return err
			}
			u := inv.c.m.Units[inv.c.st.Unit]
			if key == "public-address" {
				if u.PublicAddress == "" {
					return failf("public address not found")
				}
				return inv.write(u.PublicAddress)
			}
			if n, ok := u.Networks[""]; ok && len(n.BindAddresses) > 0 && len(n.BindAddresses[0].Addresses) > 0 {
				a := n.BindAddresses[0].Addresses[0]
				if a.Hostname != "" {
					return inv.write(a.Hostname)
				}
				return inv.write(a.Value)
			}
			if u.PrivateAddress == "" {
				return failf("private address not found")
			}
			return inv.write(u.PrivateAddress)
		},
	}
}
