package cloud

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/portsbinding"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
)

// HealthManagerDeviceOwner is the device_owner of the health-manager ports
// the charm creates. Ports made by the upstream charm keep theirs
// (trunk:subport, a workaround for LP #1813931).
const HealthManagerDeviceOwner = "Octavia:health-mgr"

// vifBindingFailed is Neutron's binding:vif_type when no mechanism driver
// could bind the port on its host.
const vifBindingFailed = "binding_failed"

// PortWant describes a unit's health-manager port.
type PortWant struct {
	// Unit is the Juju unit name, e.g. "octavia/0".
	Unit string
	// Host is the binding:host_id: the host name the L2 agent (or OVN
	// chassis) of the unit's machine registered with.
	Host string
	// NetworkID is the lb-mgmt network and SecGroupID the health-manager
	// security group.
	NetworkID, SecGroupID string
}

// Port is a health-manager port as Neutron reports it.
type Port struct {
	// ID, Name and MAC identify the port; the MAC and ID are what the
	// unit's o-hm0 interface must carry (attached-mac, iface-id).
	ID, Name, MAC string
	// Status is Neutron's: DOWN until an agent has wired the interface,
	// then ACTIVE.
	Status string
	// VIFType is binding:vif_type, e.g. "ovs", or "binding_failed".
	VIFType string
	// HostID is binding:host_id.
	HostID string
	// AdminUp is admin_state_up.
	AdminUp bool
	// Addresses are the fixed IPs (the SLAAC address on lb-mgmt-subnetv6).
	Addresses []string
	// NetworkID is the port's network.
	NetworkID string
}

func (p port) public() Port {
	out := Port{ID: p.ID, Name: p.Name, MAC: p.MAC, Status: p.Status, VIFType: p.VIFType,
		HostID: p.HostID, AdminUp: p.AdminUp, NetworkID: p.NetworkID}
	for _, ip := range p.FixedIPs {
		out.Addresses = append(out.Addresses, ip.IPAddress)
	}
	return out
}

// EnsureHealthManagerPort finds the unit's port on the network by its unit
// tag and creates it if missing: named HealthManagerPortName, tagged
// UnitTag and TagManagement, bound to w.Host, in w.SecGroupID, admin up.
// An existing port is repaired: another binding host, admin down, a failed
// binding (re-bound by clearing and setting the host) or a missing security
// group. It returns the port as Neutron has it afterwards and a line for
// every change made; a converged port costs one API call.
func (c *Cloud) EnsureHealthManagerPort(ctx context.Context, w PortWant) (Port, []string, error) {
	if w.Unit == "" || w.Host == "" || w.NetworkID == "" || w.SecGroupID == "" {
		return Port{}, nil, fmt.Errorf("health-manager port: unit %q, host %q, network %q and security group %q must all be set", w.Unit, w.Host, w.NetworkID, w.SecGroupID)
	}
	nc, err := c.network()
	if err != nil {
		return Port{}, nil, err
	}
	tag := UnitTag(w.Unit)
	found, err := listPorts(ctx, nc, ports.ListOpts{Tags: tag, NetworkID: w.NetworkID})
	if err != nil {
		return Port{}, nil, apiError(err, "list ports tagged %s", tag)
	}
	existing, err := atMostOne("port", tag, found, func(p port) string { return p.ID })
	if err != nil {
		return Port{}, nil, err
	}
	if existing == nil {
		p, change, err := c.createHealthManagerPort(ctx, nc, w)
		if err != nil {
			return Port{}, nil, err
		}
		return p.public(), []string{change}, nil
	}

	plan := planRepair(*existing, w)
	if len(plan.changes) == 0 {
		return existing.public(), nil, nil
	}
	p, err := c.repairPort(ctx, nc, *existing, plan)
	if err != nil {
		return existing.public(), nil, err
	}
	return p.public(), plan.changes, nil
}

func (c *Cloud) createHealthManagerPort(ctx context.Context, nc *gophercloud.ServiceClient, w PortWant) (port, string, error) {
	name := HealthManagerPortName(w.Unit)
	orphans, err := listPorts(ctx, nc, ports.ListOpts{Name: name, NetworkID: w.NetworkID})
	if err != nil {
		return port{}, "", apiError(err, "list ports named %s", name)
	}
	p, adopted, err := adoptOrCreate(ctx, nc, "ports", []string{UnitTag(w.Unit), TagManagement},
		untagged(orphans, func(p port) []string { return p.Tags }),
		func(p port) string { return p.ID },
		func(ctx context.Context) (port, error) {
			var p port
			err := ports.Create(ctx, nc, portsbinding.CreateOptsExt{
				CreateOptsBuilder: ports.CreateOpts{
					NetworkID:      w.NetworkID,
					Name:           name,
					AdminStateUp:   ptr(true),
					DeviceOwner:    HealthManagerDeviceOwner,
					SecurityGroups: &[]string{w.SecGroupID},
				},
				HostID: w.Host,
			}).ExtractInto(&p)
			return p, apiError(err, "create port %s", name)
		},
		func(ctx context.Context, id string) error { return ports.Delete(ctx, nc, id).Err })
	if err != nil {
		return port{}, "", err
	}
	if adopted {
		// An orphan may be in any state: repair it like any existing port.
		plan := planRepair(p, w)
		if len(plan.changes) > 0 {
			if p, err = c.repairPort(ctx, nc, p, plan); err != nil {
				return port{}, "", err
			}
		}
		return p, fmt.Sprintf("port %s (%s) tagged %s", p.Name, p.ID, UnitTag(w.Unit)), nil
	}
	return p, fmt.Sprintf("created port %s (%s) on host %s", p.Name, p.ID, w.Host), nil
}

// portRepair is what must change on an existing health-manager port.
type portRepair struct {
	host           bool     // set binding:host_id to the wanted host
	rebind         bool     // binding failed on the right host: clear and set it again
	adminUp        bool     // set admin_state_up
	securityGroups []string // the port's groups plus the missing one; nil if complete
	wantHost       string
	changes        []string
}

// planRepair compares a port with what the unit needs.
func planRepair(p port, w PortWant) portRepair {
	r := portRepair{wantHost: w.Host}
	if p.HostID != w.Host {
		r.host = true
		r.changes = append(r.changes, fmt.Sprintf("binding host %q -> %q", p.HostID, w.Host))
	} else if p.VIFType == vifBindingFailed {
		r.rebind = true
		r.changes = append(r.changes, fmt.Sprintf("re-bound on host %q after binding_failed", w.Host))
	}
	if !p.AdminUp {
		r.adminUp = true
		r.changes = append(r.changes, "admin state down -> up")
	}
	if !slices.Contains(p.SecurityGroups, w.SecGroupID) {
		r.securityGroups = append(slices.Clone(p.SecurityGroups), w.SecGroupID)
		r.changes = append(r.changes, fmt.Sprintf("security group %s added", w.SecGroupID))
	}
	return r
}

// repairPort applies a plan in one update, or two for a re-bind: Neutron
// binds a port again when its host changes, so the host is cleared first.
func (c *Cloud) repairPort(ctx context.Context, nc *gophercloud.ServiceClient, p port, r portRepair) (port, error) {
	if r.rebind {
		err := ports.Update(ctx, nc, p.ID, portsbinding.UpdateOptsExt{
			UpdateOptsBuilder: ports.UpdateOpts{},
			HostID:            ptr(""),
		}).Err
		if err != nil {
			return p, apiError(err, "unbind port %s", p.ID)
		}
	}
	opts := ports.UpdateOpts{}
	if r.adminUp {
		opts.AdminStateUp = ptr(true)
	}
	if r.securityGroups != nil {
		opts.SecurityGroups = &r.securityGroups
	}
	var update ports.UpdateOptsBuilder = opts
	if r.host || r.rebind {
		update = portsbinding.UpdateOptsExt{UpdateOptsBuilder: opts, HostID: &r.wantHost}
	}
	var out port
	if err := ports.Update(ctx, nc, p.ID, update).ExtractInto(&out); err != nil {
		return p, apiError(err, "update port %s", p.ID)
	}
	return out, nil
}

// DeleteHealthManagerPort deletes the unit's health-manager port(s), found
// by unit tag in the service project, e.g. when the unit departs. It
// reports whether there was anything to delete.
func (c *Cloud) DeleteHealthManagerPort(ctx context.Context, unit string) (bool, error) {
	nc, err := c.network()
	if err != nil {
		return false, err
	}
	tag := UnitTag(unit)
	found, err := listPorts(ctx, nc, ports.ListOpts{Tags: tag, ProjectID: c.projectID})
	if err != nil {
		return false, apiError(err, "list ports tagged %s", tag)
	}
	var errs []error
	for _, p := range found {
		if err := ports.Delete(ctx, nc, p.ID).Err; err != nil && !isNotFound(err) {
			errs = append(errs, apiError(err, "delete port %s of unit %s", p.ID, unit))
		}
	}
	return len(found) > 0, errors.Join(errs...)
}

// HealthManagerAddresses maps each unit name to the fixed IPs of its
// health-manager port on the network: the ports tagged TagManagement that
// also carry a unit tag. The leader turns it into controller_ip_port_list.
func (c *Cloud) HealthManagerAddresses(ctx context.Context, networkID string) (map[string][]string, error) {
	nc, err := c.network()
	if err != nil {
		return nil, err
	}
	found, err := listPorts(ctx, nc, ports.ListOpts{Tags: TagManagement, NetworkID: networkID})
	if err != nil {
		return nil, apiError(err, "list ports tagged %s on network %s", TagManagement, networkID)
	}
	return addressesByUnit(found), nil
}

func addressesByUnit(found []port) map[string][]string {
	out := map[string][]string{}
	for _, p := range found {
		for _, tag := range p.Tags {
			unit, ok := unitFromTag(tag)
			if !ok {
				continue
			}
			ips := out[unit]
			for _, ip := range p.FixedIPs {
				ips = append(ips, ip.IPAddress)
			}
			slices.Sort(ips)
			out[unit] = ips
		}
	}
	return out
}
