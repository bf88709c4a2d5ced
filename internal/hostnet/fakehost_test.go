package hostnet

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"

	"charm-octavia/internal/system"
)

// fakeHost is a small model of Open vSwitch and the kernel's links that
// understands exactly the ovs-vsctl and ip command lines Plumber runs. It is
// both the Plumber's Commander and its link observer, so a test sees the
// effect of each command on the next observation, as on a real host.
type fakeHost struct {
	t       *testing.T
	bridges []string
	ports   map[string]*fakePort
	links   map[string]*Observed
	calls   []string
	// fail maps a command-line prefix to the error the call gets (the
	// command has no effect).
	fail map[string]error
	// noLinks makes OVS create no kernel link, as when ovs-vswitchd is not
	// running.
	noLinks bool
	nextID  int
}

// fakePort is an OVS Port with its one Interface.
type fakePort struct {
	uuid   string
	bridge string
	typ    string
	ext    map[string]string
	mtuReq int
}

func newFakeHost(t *testing.T) *fakeHost {
	return &fakeHost{
		t:       t,
		bridges: []string{"br-ex", "br-int"},
		ports:   map[string]*fakePort{},
		links:   map[string]*Observed{},
		fail:    map[string]error{},
	}
}

// plumber returns a Plumber running commands on h and observing h's links.
func (h *fakeHost) plumber() Plumber {
	return Plumber{Cmd: h, observe: h.observe}
}

func (h *fakeHost) observe(name string) (Observed, error) {
	l, ok := h.links[name]
	if !ok {
		return Observed{}, nil
	}
	o := *l
	o.Addresses = slices.Clone(l.Addresses)
	o.Tentative = slices.Clone(l.Tentative)
	o.Dynamic = slices.Clone(l.Dynamic)
	o.sortAddresses()
	return o, nil
}

// converge puts w in place as Ensure would, without recording calls.
func (h *fakeHost) converge(w Want) {
	h.t.Helper()
	if _, err := h.plumber().Ensure(context.Background(), w); err != nil {
		h.t.Fatalf("converge: %v", err)
	}
	h.calls = nil
}

func (h *fakeHost) Run(ctx context.Context, name string, args []string, env []string, stdin []byte) ([]byte, error) {
	line := strings.Join(append([]string{name}, args...), " ")
	h.calls = append(h.calls, line)
	for prefix, err := range h.fail {
		if strings.HasPrefix(line, prefix) {
			if ce, ok := err.(*system.CommandError); ok {
				c := *ce
				c.Name, c.Args = name, args
				return nil, &c
			}
			return nil, err
		}
	}
	var out []byte
	var err error
	switch name {
	case ovsVsctl:
		out, err = h.ovsVsctl(args)
	case ipCmd:
		err = h.ip(args)
	default:
		err = fmt.Errorf("fake host: unknown program %s", name)
	}
	if err != nil {
		h.t.Errorf("fake host: %s: %v", line, err)
		return nil, &system.CommandError{Name: name, Args: args, ExitCode: 1, Stderr: err.Error()}
	}
	return out, nil
}

// ovsVsctl runs a transaction of "--"-separated commands.
func (h *fakeHost) ovsVsctl(args []string) ([]byte, error) {
	var out strings.Builder
	jsonOut := false
	for len(args) > 0 && args[0] != "--" {
		switch args[0] {
		case ovsTimeout:
		case "--format=json":
			jsonOut = true
		default:
			return nil, fmt.Errorf("unknown global option %s", args[0])
		}
		args = args[1:]
	}
	var cmds [][]string
	for _, a := range args {
		if a == "--" {
			cmds = append(cmds, nil)
			continue
		}
		cmds[len(cmds)-1] = append(cmds[len(cmds)-1], a)
	}
	// A transaction is all or nothing: work on a copy.
	ports := map[string]*fakePort{}
	for k, v := range h.ports {
		c := *v
		c.ext = map[string]string{}
		for k2, v2 := range v.ext {
			c.ext[k2] = v2
		}
		ports[k] = &c
	}
	for _, c := range cmds {
		opts := map[string]string{}
		for len(c) > 0 && strings.HasPrefix(c[0], "--") {
			k, v, _ := strings.Cut(c[0], "=")
			opts[k] = v
			c = c[1:]
		}
		if len(c) == 0 {
			return nil, fmt.Errorf("empty command")
		}
		switch verb := c[0]; {
		case verb == "find" && len(c) == 3:
			if !jsonOut {
				return nil, fmt.Errorf("find without --format=json")
			}
			name := strings.Trim(strings.TrimPrefix(c[2], "name="), `"`)
			var rows [][]any
			p, ok := ports[name]
			cols := strings.Split(opts["--columns"], ",")
			if ok {
				var row []any
				for _, col := range cols {
					v, err := p.column(c[1], name, col)
					if err != nil {
						return nil, err
					}
					row = append(row, v)
				}
				rows = append(rows, row)
			}
			writeTable(&out, cols, rows)
		case verb == "list" && len(c) == 2 && c[1] == "Bridge":
			var rows [][]any
			for _, b := range h.bridges {
				var uuids []any
				for _, p := range ports {
					if p.bridge == b {
						uuids = append(uuids, []any{"uuid", p.uuid})
					}
				}
				rows = append(rows, []any{b, []any{"set", uuids}})
			}
			writeTable(&out, strings.Split(opts["--columns"], ","), rows)
		case verb == "add-port" && len(c) == 3:
			if !slices.Contains(h.bridges, c[1]) {
				return nil, fmt.Errorf("no bridge named %s", c[1])
			}
			if p, ok := ports[c[2]]; ok {
				if _, may := opts["--may-exist"]; !may || p.bridge != c[1] {
					return nil, fmt.Errorf("cannot create a port named %s because a port named %s already exists on bridge %s", c[2], c[2], p.bridge)
				}
				continue
			}
			h.nextID++
			ports[c[2]] = &fakePort{uuid: fmt.Sprintf("uuid-%d", h.nextID), bridge: c[1], ext: map[string]string{}}
		case verb == "del-port" && (len(c) == 2 || len(c) == 3):
			name := c[len(c)-1]
			p, ok := ports[name]
			if !ok {
				if _, ifExists := opts["--if-exists"]; !ifExists {
					return nil, fmt.Errorf("no port named %s", name)
				}
				continue
			}
			if len(c) == 3 && p.bridge != c[1] {
				return nil, fmt.Errorf("bridge %s does not have a port %s", c[1], name)
			}
			delete(ports, name)
		case verb == "set" && len(c) >= 4 && c[1] == "Interface":
			p, ok := ports[c[2]]
			if !ok {
				return nil, fmt.Errorf("no row %q in table Interface", c[2])
			}
			for _, kv := range c[3:] {
				k, v, ok := strings.Cut(kv, "=")
				if !ok {
					return nil, fmt.Errorf("bad setting %q", kv)
				}
				v = strings.Trim(v, `"`)
				switch {
				case strings.HasPrefix(k, "external-ids:"):
					p.ext[strings.TrimPrefix(k, "external-ids:")] = v
				case k == "type":
					p.typ = v
				case k == "mtu_request":
					n, err := strconv.Atoi(v)
					if err != nil {
						return nil, err
					}
					p.mtuReq = n
				default:
					return nil, fmt.Errorf("unknown column %s", k)
				}
			}
		default:
			return nil, fmt.Errorf("unknown command %q", c)
		}
	}
	// Commit, then let "ovs-vswitchd" reconcile the links.
	h.ports = ports
	for name := range h.links {
		if p, ok := ports[name]; !ok || p.typ != "internal" {
			delete(h.links, name)
		}
	}
	for name, p := range ports {
		if p.typ != "internal" || h.noLinks {
			continue
		}
		l, ok := h.links[name]
		if !ok {
			h.nextID++
			l = &Observed{Exists: true, MAC: fmt.Sprintf("92:ef:a3:7f:a0:%02x", h.nextID), MTU: 1500}
			h.links[name] = l
		}
		if p.mtuReq > 0 {
			l.MTU = p.mtuReq // ovs-vswitchd enforces mtu_request
		}
	}
	return []byte(out.String()), nil
}

// column returns an Interface or Port column in ovs-vsctl's JSON form.
func (p *fakePort) column(table, name, col string) (any, error) {
	switch table + "." + col {
	case "Interface.name", "Port.name":
		return name, nil
	case "Port._uuid":
		return []any{"uuid", p.uuid}, nil
	case "Interface.type":
		return p.typ, nil
	case "Interface.external_ids":
		var pairs []any
		for k, v := range p.ext {
			pairs = append(pairs, []any{k, v})
		}
		return []any{"map", pairs}, nil
	case "Interface.mtu_request":
		if p.mtuReq == 0 {
			return []any{"set", []any{}}, nil
		}
		return p.mtuReq, nil
	case "Interface.error":
		return []any{"set", []any{}}, nil
	}
	return nil, fmt.Errorf("unknown column %s.%s", table, col)
}

func writeTable(out *strings.Builder, headings []string, rows [][]any) {
	if rows == nil {
		rows = [][]any{}
	}
	b, _ := json.Marshal(map[string]any{"data": rows, "headings": headings})
	out.Write(b)
	out.WriteByte('\n')
}

// ip runs the ip link and ip addr commands Plumber uses.
func (h *fakeHost) ip(args []string) error {
	switch {
	case len(args) >= 5 && args[0] == "link" && args[1] == "set" && args[2] == "dev":
		l, ok := h.links[args[3]]
		if !ok {
			return fmt.Errorf("cannot find device %q", args[3])
		}
		for rest := args[4:]; len(rest) > 0; {
			switch rest[0] {
			case "address":
				l.MAC, rest = rest[1], rest[2:]
			case "mtu":
				n, err := strconv.Atoi(rest[1])
				if err != nil {
					return err
				}
				l.MTU, rest = n, rest[2:]
			case "up":
				if !l.Up {
					l.Up = true
				}
				rest = rest[1:]
			default:
				return fmt.Errorf("unknown link setting %q", rest[0])
			}
		}
		return nil
	case len(args) >= 6 && (args[0] == "-6" || args[0] == "-4") && args[1] == "addr" && args[4] == "dev":
		l, ok := h.links[args[5]]
		if !ok {
			return fmt.Errorf("cannot find device %q", args[5])
		}
		p, err := netip.ParsePrefix(args[3])
		if err != nil {
			return err
		}
		if p.Addr().Is4() != (args[0] == "-4") {
			return fmt.Errorf("family %s for %s", args[0], p)
		}
		drop := func(l []netip.Prefix) []netip.Prefix {
			return slices.DeleteFunc(l, func(a netip.Prefix) bool { return a == p })
		}
		switch args[2] {
		case "del":
			if !slices.Contains(l.Addresses, p) {
				return fmt.Errorf("RTNETLINK answers: Cannot assign requested address")
			}
			l.Addresses, l.Tentative, l.Dynamic = drop(l.Addresses), drop(l.Tentative), drop(l.Dynamic)
		case "replace":
			if p.Addr().Is6() != slices.Contains(args[6:], "nodad") {
				return fmt.Errorf("nodad expected for IPv6 only: %q", args)
			}
			l.Dynamic = drop(l.Dynamic) // the address becomes permanent
			if !slices.Contains(l.Addresses, p) {
				l.Addresses = append(l.Addresses, p)
			}
		default:
			return fmt.Errorf("unknown addr command %q", args[2])
		}
		return nil
	}
	return fmt.Errorf("unknown ip command %q", args)
}
