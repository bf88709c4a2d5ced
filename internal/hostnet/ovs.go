package hostnet

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
)

// ovsVsctl is the Open vSwitch configuration program.
const ovsVsctl = "ovs-vsctl"

// ovsTimeout is how many seconds ovs-vsctl may wait for the database and,
// after a change, for ovs-vswitchd to apply it, before it gives up.
const ovsTimeout = "--timeout=30"

// The external-ids keys the Neutron OVS agent and ovn-controller read.
const (
	extIfaceID     = "iface-id"
	extAttachedMAC = "attached-mac"
	extIfaceStatus = "iface-status"
	extSkipCleanup = "skip_cleanup" // neutron-ovs-cleanup leaves the port alone
)

// ovsPort is what the Open vSwitch database says of the interface.
type ovsPort struct {
	// Present says whether an Interface row with the name exists.
	Present bool
	// Bridge is the bridge whose ports include the Port of that name ("" if
	// none does).
	Bridge string
	// Type is the Interface type ("" for a system interface).
	Type string
	// ExternalIDs is the Interface's external_ids column.
	ExternalIDs map[string]string
	// MTURequest is the Interface's mtu_request, 0 when unset.
	MTURequest int
	// Error is the Interface's error column: why ovs-vswitchd could not
	// open it.
	Error string
}

// queryArgs is the read-only ovs-vsctl query behind queryOVS: the
// Interface, the Port (for its UUID) and every bridge's ports, in one
// database transaction.
func queryArgs(name string) []string {
	return []string{ovsTimeout, "--format=json",
		"--", "--columns=name,type,external_ids,mtu_request,error", "find", "Interface", "name=" + ovsString(name),
		"--", "--columns=_uuid", "find", "Port", "name=" + ovsString(name),
		"--", "--columns=name,ports", "list", "Bridge",
	}
}

// ovsString quotes s as an OVSDB string for ovs-vsctl. Callers only pass
// validated names, IDs and MAC addresses, which need no escaping.
func ovsString(s string) string { return `"` + s + `"` }

// parseQuery decodes the output of queryArgs.
func parseQuery(out []byte) (ovsPort, error) {
	var p ovsPort
	tables, err := decodeTables(out)
	if err != nil {
		return p, err
	}
	if len(tables) != 3 {
		return p, fmt.Errorf("%d result tables, want 3", len(tables))
	}
	ifaces, ports, bridges := tables[0], tables[1], tables[2]
	if len(ifaces) > 1 || len(ports) > 1 {
		return p, fmt.Errorf("%d interfaces and %d ports of that name", len(ifaces), len(ports))
	}
	if len(ifaces) == 1 {
		row := ifaces[0]
		p.Present = true
		if p.Type, err = datumString(row["type"]); err != nil {
			return p, fmt.Errorf("Interface type: %w", err)
		}
		if p.ExternalIDs, err = datumMap(row["external_ids"]); err != nil {
			return p, fmt.Errorf("Interface external_ids: %w", err)
		}
		if p.MTURequest, err = datumOptionalInt(row["mtu_request"]); err != nil {
			return p, fmt.Errorf("Interface mtu_request: %w", err)
		}
		if p.Error, err = datumOptionalString(row["error"]); err != nil {
			return p, fmt.Errorf("Interface error: %w", err)
		}
	}
	if len(ports) == 0 {
		return p, nil
	}
	portUUID, err := datumUUIDs(ports[0]["_uuid"])
	if err != nil || len(portUUID) != 1 {
		return p, fmt.Errorf("Port _uuid: %v", ports[0]["_uuid"])
	}
	for _, b := range bridges {
		uuids, err := datumUUIDs(b["ports"])
		if err != nil {
			return p, fmt.Errorf("Bridge ports: %w", err)
		}
		if slices.Contains(uuids, portUUID[0]) {
			if p.Bridge, err = datumString(b["name"]); err != nil {
				return p, fmt.Errorf("Bridge name: %w", err)
			}
			break
		}
	}
	return p, nil
}

// ovsRow is one row of an ovs-vsctl --format=json table: column name to
// datum, decoded by encoding/json into strings, float64s and slices.
type ovsRow map[string]any

// decodeTables decodes the successive JSON tables ovs-vsctl --format=json
// prints, one per command.
func decodeTables(out []byte) ([][]ovsRow, error) {
	var tables [][]ovsRow
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var t struct {
			Data     [][]any  `json:"data"`
			Headings []string `json:"headings"`
		}
		err := dec.Decode(&t)
		if errors.Is(err, io.EOF) {
			return tables, nil
		}
		if err != nil {
			return nil, fmt.Errorf("ovs-vsctl JSON: %w", err)
		}
		rows := make([]ovsRow, 0, len(t.Data))
		for _, d := range t.Data {
			if len(d) != len(t.Headings) {
				return nil, fmt.Errorf("ovs-vsctl JSON: row of %d columns under %d headings", len(d), len(t.Headings))
			}
			row := make(ovsRow, len(d))
			for i, h := range t.Headings {
				row[h] = d[i]
			}
			rows = append(rows, row)
		}
		tables = append(tables, rows)
	}
}

// datumAtoms returns the atoms of an OVSDB datum in its JSON form: a set
// ["set", [atom...]] or a single atom.
func datumAtoms(v any) []any {
	if l, ok := v.([]any); ok && len(l) == 2 && l[0] == "set" {
		atoms, _ := l[1].([]any)
		return atoms
	}
	return []any{v}
}

// datumString decodes a string datum.
func datumString(v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("not a string: %v", v)
	}
	return s, nil
}

// datumOptionalString decodes an optional string ("" when the set is
// empty).
func datumOptionalString(v any) (string, error) {
	atoms := datumAtoms(v)
	if len(atoms) == 0 {
		return "", nil
	}
	return datumString(atoms[0])
}

// datumOptionalInt decodes an optional integer (0 when the set is empty).
func datumOptionalInt(v any) (int, error) {
	atoms := datumAtoms(v)
	if len(atoms) == 0 {
		return 0, nil
	}
	f, ok := atoms[0].(float64)
	if !ok || f != math.Trunc(f) || math.Abs(f) > math.MaxInt32 {
		return 0, fmt.Errorf("not an integer: %v", v)
	}
	return int(f), nil
}

// datumUUIDs decodes a set of UUIDs, each ["uuid", "..."].
func datumUUIDs(v any) ([]string, error) {
	var ids []string
	for _, a := range datumAtoms(v) {
		l, ok := a.([]any)
		if !ok || len(l) != 2 || l[0] != "uuid" {
			return nil, fmt.Errorf("not a UUID: %v", a)
		}
		id, ok := l[1].(string)
		if !ok {
			return nil, fmt.Errorf("not a UUID: %v", a)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// datumMap decodes a string-to-string map ["map", [[key, value]...]].
func datumMap(v any) (map[string]string, error) {
	l, ok := v.([]any)
	if !ok || len(l) != 2 || l[0] != "map" {
		return nil, fmt.Errorf("not a map: %v", v)
	}
	pairs, ok := l[1].([]any)
	if !ok {
		return nil, fmt.Errorf("not a map: %v", v)
	}
	m := make(map[string]string, len(pairs))
	for _, p := range pairs {
		kv, ok := p.([]any)
		if !ok || len(kv) != 2 {
			return nil, fmt.Errorf("not a map entry: %v", p)
		}
		k, ok1 := kv[0].(string)
		val, ok2 := kv[1].(string)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("not a string-to-string map entry: %v", p)
		}
		m[k] = val
	}
	return m, nil
}

// queryOVS runs the read-only query for the interface called name.
func (p Plumber) queryOVS(ctx context.Context, name string) (ovsPort, error) {
	out, err := p.Cmd.Run(ctx, ovsVsctl, queryArgs(name), nil, nil)
	if err != nil {
		return ovsPort{}, err
	}
	port, err := parseQuery(out)
	if err != nil {
		return ovsPort{}, fmt.Errorf("ovs-vsctl output: %w", err)
	}
	return port, nil
}

// interfaceSettings are the "column[:key]=value" arguments of ovs-vsctl set
// Interface that make the interface Neutron's port: all of them when all is
// true (a new interface), otherwise only those port differs in.
func interfaceSettings(w Want, mac string, port ovsPort, all bool) []string {
	var s []string
	ext := func(key, value string) {
		if all || port.ExternalIDs[key] != value {
			s = append(s, "external-ids:"+key+"="+ovsString(value))
		}
	}
	if all {
		s = append(s, "type=internal")
	}
	ext(extIfaceID, w.PortID)
	ext(extAttachedMAC, mac)
	ext(extIfaceStatus, "active")
	ext(extSkipCleanup, "true")
	if w.MTU > 0 && (all || port.MTURequest != w.MTU) {
		s = append(s, fmt.Sprintf("mtu_request=%d", w.MTU))
	}
	return s
}

// addArgs is the one ovs-vsctl transaction that adds the interface as an
// internal port of the bridge with all its settings.
func addArgs(w Want, mac string) []string {
	args := []string{ovsTimeout,
		"--", "--may-exist", "add-port", w.Bridge, w.Name,
		"--", "set", "Interface", w.Name}
	return append(args, interfaceSettings(w, mac, ovsPort{}, true)...)
}

// replugReasons says why the existing OVS interface cannot be kept and must
// be deleted and added again: the Neutron OVS agent notices a new
// interface, but not new external-ids on an old one.
func replugReasons(w Want, mac string, port ovsPort, linkExists bool) []string {
	var r []string
	if port.Bridge != w.Bridge {
		if port.Bridge == "" {
			r = append(r, "on no bridge")
		} else {
			r = append(r, fmt.Sprintf("on bridge %s", port.Bridge))
		}
	}
	if port.Type != "internal" {
		r = append(r, fmt.Sprintf("type %q != internal", port.Type))
	}
	if id := port.ExternalIDs[extIfaceID]; id != w.PortID {
		r = append(r, fmt.Sprintf("iface-id %q != %s", id, w.PortID))
	}
	if got := port.ExternalIDs[extAttachedMAC]; !sameMAC(got, mac) {
		r = append(r, fmt.Sprintf("attached-mac %q != %s", got, mac))
	}
	if !linkExists {
		r = append(r, "no kernel link")
	}
	return r
}

// sameMAC says whether got, as found in OVS, is the normalized MAC address
// want.
func sameMAC(got, want string) bool {
	n, err := normalMAC(got)
	return err == nil && n == want
}
