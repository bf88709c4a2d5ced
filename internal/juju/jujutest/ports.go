package jujutest

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// portRange is Juju's network.PortRange; icmp has ports -1.
type portRange struct {
	from, to int
	proto    string
}

// parsePortRange reads "80", "80/tcp", "1000-2000/udp" or "icmp" as Juju's
// network.ParsePortRange does, and validates it.
func parsePortRange(s string) (portRange, error) {
	s = strings.ToLower(s)
	if s == "icmp" {
		return portRange{from: -1, to: -1, proto: "icmp"}, nil
	}
	ports, proto, hasProto := strings.Cut(s, "/")
	if !hasProto {
		proto = "tcp"
	}
	if proto != "tcp" && proto != "udp" && proto != "icmp" {
		return portRange{}, fmt.Errorf("invalid protocol %q, expected \"tcp\", \"udp\", or \"icmp\"", proto)
	}
	if proto == "icmp" {
		return portRange{}, fmt.Errorf("protocol icmp doesn't support any ports; got %q", s)
	}
	fromS, toS, isRange := strings.Cut(ports, "-")
	from, err := strconv.Atoi(fromS)
	if err != nil {
		return portRange{}, fmt.Errorf("invalid port range %q", s)
	}
	to := from
	if isRange {
		if to, err = strconv.Atoi(toS); err != nil {
			return portRange{}, fmt.Errorf("invalid port range %q", s)
		}
	}
	r := portRange{from: from, to: to, proto: proto}
	if from < 1 || from > 65535 || to < 1 || to > 65535 {
		return portRange{}, fmt.Errorf("port range bounds must be between 1 and 65535, got %d-%d", from, to)
	}
	if from > to {
		return portRange{}, fmt.Errorf("invalid port range %s", r)
	}
	return r, nil
}

// String prints the range as opened-ports does.
func (r portRange) String() string {
	switch {
	case r.proto == "icmp":
		return "icmp"
	case r.from == r.to:
		return fmt.Sprintf("%d/%s", r.from, r.proto)
	default:
		return fmt.Sprintf("%d-%d/%s", r.from, r.to, r.proto)
	}
}

// conflictsWith reports overlapping ranges of the same protocol.
func (r portRange) conflictsWith(o portRange) bool {
	return r.proto == o.proto && r.from <= o.to && o.from <= r.to
}

// less orders ranges as Juju's SortPortRanges does.
func (r portRange) less(o portRange) bool {
	if r.from != o.from {
		return r.from < o.from
	}
	if r.to != o.to {
		return r.to < o.to
	}
	return r.proto < o.proto
}

// mergePorts applies pending opens and closes to opened.
func mergePorts(opened, open, closed []Port) []Port {
	out := append([]Port(nil), opened...)
	for _, p := range open {
		if !containsPort(out, p) {
			out = append(out, p)
		}
	}
	kept := out[:0]
	for _, p := range out {
		if !containsPort(closed, p) {
			kept = append(kept, p)
		}
	}
	return kept
}

func containsPort(ps []Port, p Port) bool {
	for _, q := range ps {
		if q == p {
			return true
		}
	}
	return false
}

// uniqueSortedRanges lists the distinct ranges of ps, sorted.
func uniqueSortedRanges(ps []Port) []portRange {
	seen := map[string]bool{}
	var out []portRange
	for _, p := range ps {
		r, err := parsePortRange(p.Range)
		if err != nil || seen[r.String()] {
			continue
		}
		seen[r.String()] = true
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].less(out[j]) })
	return out
}
