package jujutest

import "strings"

func portTool(open bool) toolSpec {
	return toolSpec{
		flags: func(*Context) []flagDef {
			return []flagDef{
				{names: []string{"format"}, kind: stringFlag},
				{names: []string{"endpoints"}, kind: stringFlag},
			}
		},
		run: func(inv *invocation) error {
			if len(inv.args) == 0 {
				return usagef("no port or range specified")
			}
			pr, err := parsePortRange(inv.args[0])
			if err != nil {
				return usagef("%v", err)
			}
			if err := checkEmpty(inv.args[1:]); err != nil {
				return err
			}
			endpoints := []string{""}
			if e := inv.flags.str("endpoints"); e != "" {
				endpoints = nil
				for _, ep := range strings.Split(e, ",") {
					endpoints = append(endpoints, strings.TrimSpace(ep))
				}
			}
			for _, ep := range endpoints {
				if err := inv.c.changePort(Port{Endpoint: ep, Range: pr.String()}, pr, open); err != nil {
					return err
				}
			}
			return nil
		},
	}
}

// changePort records an open-port or close-port request as Juju's
// portRangeChangeRecorder does: it cancels the opposite pending request,
// ignores a repeat, refuses a range overlapping a different one of the
// unit's, and closing on a unit with nothing open does nothing.
func (c *Context) changePort(p Port, pr portRange, open bool) error {
	pend := &c.st.Pending
	same, opposite := &pend.OpenPorts, &pend.ClosePorts
	verb := "open"
	if !open {
		same, opposite = opposite, same
		verb = "close"
	}
	for i, q := range *opposite {
		if q == p {
			*opposite = append((*opposite)[:i], (*opposite)[i+1:]...)
			break
		}
	}
	committed := c.m.Units[c.st.Unit].Ports
	sets := []struct {
		ports   []Port
		pending bool
	}{{*same, true}, {committed, false}}
	for _, set := range sets {
		for _, q := range set.ports {
			qr, err := parsePortRange(q.Range)
			if err != nil || !pr.conflictsWith(qr) {
				continue
			}
			if qr != pr {
				return failf("cannot %s %v (unit %q): port range conflicts with %v (unit %q)", verb, pr, c.st.Unit, qr, c.st.Unit)
			}
			// The same range: a repeat request, or opening what is
			// open, does nothing. Closing what is open is recorded.
			if q.Endpoint == p.Endpoint && (open || set.pending) {
				return nil
			}
		}
	}
	if !open && len(committed) == 0 {
		return nil
	}
	*same = append(*same, p)
	return nil
}

func openedPortsTool() toolSpec {
	return toolSpec{
		format: "smart",
		flags: func(*Context) []flagDef {
			return []flagDef{{names: []string{"endpoints"}, kind: boolFlag}}
		},
		run: func(inv *invocation) error {
			if err := checkEmpty(inv.args); err != nil {
				return err
			}
			c := inv.c
			ports := mergePorts(c.m.Units[c.st.Unit].Ports, c.st.Pending.OpenPorts, c.st.Pending.ClosePorts)
			ranges := uniqueSortedRanges(ports)
			out := make([]string, len(ranges))
			for i, r := range ranges {
				out[i] = r.String()
				if inv.flags.bool("endpoints") {
					out[i] += " (" + endpointsOf(ports, r) + ")"
				}
			}
			return inv.write(out)
		},
	}
}

// endpointsOf describes the endpoints a range is open for: "*" for all.
func endpointsOf(ports []Port, r portRange) string {
	var eps []string
	for _, p := range ports {
		if q, err := parsePortRange(p.Range); err == nil && q == r {
			if p.Endpoint == "" {
				return "*"
			}
			eps = append(eps, p.Endpoint)
		}
	}
	return strings.Join(sortedUnique(eps), ", ")
}

func sortedUnique(s []string) []string {
	m := map[string]bool{}
	for _, v := range s {
		m[v] = true
	}
	return sortedKeys(m)
}
