package hostnet

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"charm-octavia/internal/system"
)

// ipCmd is the iproute2 program.
const ipCmd = "ip"

// Plumber converges the health-manager interface with ovs-vsctl and ip.
type Plumber struct {
	// Cmd runs ovs-vsctl and ip; system.Exec on a unit.
	Cmd system.Commander

	// observe reads the link; nil means Observe. Tests replace it.
	observe func(name string) (Observed, error)
}

// look reads the link with p.observe or Observe.
func (p Plumber) look(name string) (Observed, error) {
	if p.observe != nil {
		return p.observe(name)
	}
	return Observe(name)
}

// Ensure makes the interface what w describes, in three steps, and returns
// one short line per change it made (nil when there was nothing to do, in
// which case it ran a single read-only ovs-vsctl query):
//
//  1. Open vSwitch: the interface is an internal port on w.Bridge whose
//     external-ids name the Neutron port (iface-id, attached-mac,
//     iface-status=active, skip_cleanup=true) and whose mtu_request is
//     w.MTU when known. A missing interface is added in one transaction.
//     One on another bridge, of another type, with another iface-id or
//     attached-mac (the Neutron port was re-created), or without its kernel
//     link, is deleted and added again, because the Neutron OVS agent does
//     not notice changed external-ids on an existing interface. Other
//     settings are fixed in place.
//  2. Link: MAC address, MTU and up, in one ip link call, only for what
//     differs.
//  3. Address, when w.Address is valid: other permanent addresses of the
//     same subnet (left from an earlier port) are removed, and w.Address is
//     added without duplicate address detection, since a tentative address
//     cannot be bound by the health manager. Link-local and dynamic
//     addresses, and addresses of other subnets, are left alone.
//
// An error names the step that failed and wraps the *system.CommandError
// of the program that failed; the changes made before it are returned with
// it.
func (p Plumber) Ensure(ctx context.Context, w Want) (changed []string, err error) {
	if err := w.Validate(); err != nil {
		return nil, fmt.Errorf("ensure %s: %w", w.Name, err)
	}
	mac, _ := normalMAC(w.MAC) // Validate checked it
	fail := func(step string, err error) ([]string, error) {
		return changed, fmt.Errorf("ensure %s: %s: %w", w.Name, step, err)
	}

	link, err := p.look(w.Name)
	if err != nil {
		return fail("read link", err)
	}
	port, err := p.queryOVS(ctx, w.Name)
	if err != nil {
		return fail("query OVS", err)
	}

	// 1. Open vSwitch.
	ovsChanged := true
	switch reasons := replugReasons(w, mac, port, link.Exists); {
	case !port.Present:
		if _, err := p.Cmd.Run(ctx, ovsVsctl, addArgs(w, mac), nil, nil); err != nil {
			return fail("add OVS port to "+w.Bridge, err)
		}
		changed = append(changed, fmt.Sprintf("added OVS port %s to %s for Neutron port %s", w.Name, w.Bridge, w.PortID))
	case len(reasons) > 0:
		del := []string{ovsTimeout, "--", "--if-exists", "del-port", w.Name}
		if _, err := p.Cmd.Run(ctx, ovsVsctl, del, nil, nil); err != nil {
			return fail("delete OVS port ("+strings.Join(reasons, ", ")+")", err)
		}
		changed = append(changed, fmt.Sprintf("deleted OVS port %s: %s", w.Name, strings.Join(reasons, ", ")))
		if _, err := p.Cmd.Run(ctx, ovsVsctl, addArgs(w, mac), nil, nil); err != nil {
			return fail("re-add OVS port to "+w.Bridge, err)
		}
		changed = append(changed, fmt.Sprintf("re-added OVS port %s to %s for Neutron port %s", w.Name, w.Bridge, w.PortID))
	default:
		settings := interfaceSettings(w, mac, port, false)
		if len(settings) == 0 {
			ovsChanged = false
			break
		}
		args := append([]string{ovsTimeout, "--", "set", "Interface", w.Name}, settings...)
		if _, err := p.Cmd.Run(ctx, ovsVsctl, args, nil, nil); err != nil {
			return fail("update OVS interface", err)
		}
		changed = append(changed, fmt.Sprintf("set OVS interface %s %s", w.Name, strings.Join(settings, " ")))
	}
	if ovsChanged {
		if link, err = p.look(w.Name); err != nil {
			return fail("read link", err)
		}
		if !link.Exists {
			return fail("plug into OVS", p.noLinkError(ctx, w.Name))
		}
	}

	// 2. Link.
	var args, what []string
	if link.MAC != mac {
		args = append(args, "address", mac)
		what = append(what, "MAC "+mac)
	}
	if w.MTU > 0 && link.MTU != w.MTU {
		args = append(args, "mtu", strconv.Itoa(w.MTU))
		what = append(what, "MTU "+strconv.Itoa(w.MTU))
	}
	if !link.Up {
		args = append(args, "up")
		what = append(what, "up")
	}
	if len(args) > 0 {
		args = append([]string{"link", "set", "dev", w.Name}, args...)
		if _, err := p.Cmd.Run(ctx, ipCmd, args, nil, nil); err != nil {
			return fail("set link", err)
		}
		changed = append(changed, fmt.Sprintf("set link %s %s", w.Name, strings.Join(what, ", ")))
		// Bringing a link up or down changes its IPv6 addresses.
		if link, err = p.look(w.Name); err != nil {
			return fail("read link", err)
		}
	}

	// 3. Address.
	if !w.Address.IsValid() {
		return changed, nil
	}
	family := "-6"
	if w.Address.Addr().Is4() {
		family = "-4"
	}
	remove := link.stale(w.Address)
	present := slices.Contains(link.Addresses, w.Address)
	tentative := present && slices.Contains(link.Tentative, w.Address)
	if tentative {
		remove = append(remove, w.Address) // added again below, without DAD
		present = false
	}
	for _, a := range remove {
		args := []string{family, "addr", "del", a.String(), "dev", w.Name}
		if _, err := p.Cmd.Run(ctx, ipCmd, args, nil, nil); err != nil {
			return fail("remove address "+a.String(), err)
		}
		if a != w.Address {
			changed = append(changed, fmt.Sprintf("removed stale address %s from %s", a, w.Name))
		}
	}
	if !present {
		args := []string{family, "addr", "replace", w.Address.String(), "dev", w.Name}
		if w.Address.Addr().Is6() {
			args = append(args, "nodad")
		}
		if _, err := p.Cmd.Run(ctx, ipCmd, args, nil, nil); err != nil {
			return fail("add address "+w.Address.String(), err)
		}
		if tentative {
			changed = append(changed, fmt.Sprintf("re-added address %s to %s without DAD (was tentative)", w.Address, w.Name))
		} else {
			changed = append(changed, fmt.Sprintf("added address %s to %s", w.Address, w.Name))
		}
	}
	return changed, nil
}

// noLinkError explains an OVS interface without a kernel link, with the
// reason ovs-vswitchd gives when it has one.
func (p Plumber) noLinkError(ctx context.Context, name string) error {
	port, err := p.queryOVS(ctx, name)
	switch {
	case err != nil:
		return fmt.Errorf("no link %s after plugging it in, and %w", name, err)
	case port.Error != "":
		return fmt.Errorf("no link %s after plugging it in: ovs-vswitchd: %s", name, port.Error)
	}
	return fmt.Errorf("no link %s after plugging it in (is ovs-vswitchd running?)", name)
}

// Remove deletes the interface's port from the bridge (and so the link, its
// addresses and Neutron's binding of it), in one ovs-vsctl transaction that
// also reports whether it existed. Removing an interface that does not
// exist is not an error; removing one that is on another bridge is.
func (p Plumber) Remove(ctx context.Context, name, bridge string) (removed bool, err error) {
	if err := validIfName(name); err != nil {
		return false, fmt.Errorf("remove OVS port: interface name: %w", err)
	}
	if err := validIfName(bridge); err != nil {
		return false, fmt.Errorf("remove OVS port %s: bridge name: %w", name, err)
	}
	args := []string{ovsTimeout, "--format=json",
		"--", "--columns=_uuid", "find", "Port", "name=" + ovsString(name),
		"--", "--if-exists", "del-port", bridge, name}
	out, err := p.Cmd.Run(ctx, ovsVsctl, args, nil, nil)
	if err != nil {
		return false, fmt.Errorf("remove OVS port %s from %s: %w", name, bridge, err)
	}
	tables, err := decodeTables(out)
	if err != nil || len(tables) != 1 {
		return false, fmt.Errorf("remove OVS port %s from %s: unexpected ovs-vsctl output %q", name, bridge, out)
	}
	return len(tables[0]) > 0, nil
}
