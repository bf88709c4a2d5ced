package cloud

import (
	"context"
	"errors"
	"fmt"
)

// Want says what EnsureResources may do and what the operator configured.
type Want struct {
	// Create makes missing resources (create-mgmt-network); without it
	// EnsureResources only discovers and reports what is missing.
	Create bool
	// CustomFlavorID is custom-amp-flavor-id: when set, the flavor is only
	// checked, never created.
	CustomFlavorID string
	// SSHKeyName is amp-ssh-key-name and SSHPublicKeyB64 the base64
	// amp-ssh-pub-key; the keypair is created under that name when both are
	// set, and never updated.
	SSHKeyName, SSHPublicKeyB64 string
	// ImageTag (amp-image-tag) and the optional ImageOwner
	// (amp-image-owner-id) select the amphora image.
	ImageTag, ImageOwner string
	// NetworkOnly skips the Nova and Glance parts (flavor, keypair, quotas,
	// image): Octavia's noop drivers need none of them.
	NetworkOnly bool
}

// Resources are the IDs Octavia's configuration needs; a field is empty
// when its resource is missing.
type Resources struct {
	// NetworkID is lb-mgmt-net ([controller_worker] amp_boot_network_list)
	// and MTU its MTU, for the health-manager interface.
	NetworkID string
	MTU       int
	// SubnetID and SubnetCIDR are the network's tagged IPv6 subnet.
	SubnetID, SubnetCIDR string
	// RouterID is the router that sends RAs on the subnet; optional.
	RouterID string
	// AmphoraSecGroupID is lb-mgmt-sec-grp (amp_secgroup_list) and
	// HealthSecGroupID lb-health-mgr-sec-grp, for health-manager ports.
	AmphoraSecGroupID, HealthSecGroupID string
	// FlavorID is the amphora flavor (amp_flavor_id).
	FlavorID string
	// ImageID is the newest active image with the amphora tag; Octavia
	// selects by tag itself, the ID says that one exists.
	ImageID string
}

// Report tells the operator what a pass did, in short lines such as
// "network lb-mgmt-net (3f2a…)" or "security group tagged
// charm-octavia-health". It never holds secrets.
type Report struct {
	// Created lists what this pass created or changed.
	Created []string
	// Found lists what already existed.
	Found []string
	// Missing lists what is needed but neither found nor created.
	Missing []string
	// Failed holds one line per part that failed, the error's text.
	Failed []string
}

func (r *Report) created(format string, a ...any) {
	r.Created = append(r.Created, fmt.Sprintf(format, a...))
}

func (r *Report) found(format string, a ...any) {
	r.Found = append(r.Found, fmt.Sprintf(format, a...))
}

func (r *Report) missing(format string, a ...any) {
	r.Missing = append(r.Missing, fmt.Sprintf(format, a...))
}

// describe is the report wording of one resource: "network lb-mgmt-net (id)".
func describe(kind, name, id string) string {
	if name == "" {
		return fmt.Sprintf("%s %s", kind, id)
	}
	return fmt.Sprintf("%s %s (%s)", kind, name, id)
}

// Names of the resources the charm creates, as the upstream charm names
// them. The charm finds its resources by tag; a name only identifies an
// untagged resource that an interrupted pass left behind.
const (
	networkName         = "lb-mgmt-net"
	subnetName          = "lb-mgmt-subnetv6"
	routerName          = "lb-mgmt"
	amphoraSecGroupName = "lb-mgmt-sec-grp"
	healthSecGroupName  = "lb-health-mgr-sec-grp"
	flavorName          = "charm-octavia"
)

// EnsureResources finds the management resources Octavia needs in the
// service project and, with w.Create, creates what is missing:
//
//   - network lb-mgmt-net and its IPv6 SLAAC subnet lb-mgmt-subnetv6
//     (prefix from ManagementCIDR), both tagged TagManagement;
//   - router lb-mgmt, tagged TagManagement, with an interface on the subnet
//     and no gateway, only to send router advertisements (not distributed
//     where Neutron has DVR); optional when only discovering;
//   - security group lb-mgmt-sec-grp (TagManagement) for amphorae, with
//     ingress icmpv6, tcp 22 and tcp 9443, and lb-health-mgr-sec-grp
//     (TagHealth) for health managers, with ingress icmpv6 and udp 5555;
//     missing rules are added, an operator's narrower rule for the same
//     protocol and port counts as present;
//   - the private flavor charm-octavia (1 vCPU, 1024 MB, 8 GB disk) unless
//     w.CustomFlavorID names one, which is only checked;
//   - the amp-ssh-key-name keypair, from amp-ssh-pub-key;
//   - quotas raised for AmphoraCapacity amphorae (see AmphoraCapacity);
//
// and looks up the newest active image tagged w.ImageTag.
//
// Searches come before any creation: several networks, subnets or security
// groups sharing a tag are a *DuplicateError and nothing is created. An API
// failure in the network part stops the pass; failures of the Nova and
// Glance parts are collected in Report.Failed and joined in the error, so
// one unreachable service does not hide the state of the others. The next
// call converges from wherever this one stopped.
func (c *Cloud) EnsureResources(ctx context.Context, w Want) (Resources, Report, error) {
	var res Resources
	var rep Report
	fail := func(err error) error {
		if joined, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range joined.Unwrap() {
				rep.Failed = append(rep.Failed, e.Error())
			}
		} else {
			rep.Failed = append(rep.Failed, err.Error())
		}
		return err
	}
	if err := c.ensureManagementNetwork(ctx, w.Create, &res, &rep); err != nil {
		return res, rep, fail(err)
	}
	if w.NetworkOnly {
		return res, rep, nil
	}

	var errs []error
	size, err := c.ensureFlavor(ctx, w, &res, &rep)
	if err != nil {
		errs = append(errs, fail(err))
	}
	if err := c.ensureKeypair(ctx, w, &rep); err != nil {
		errs = append(errs, fail(err))
	}
	if w.Create {
		if err := c.ensureQuotas(ctx, size, &rep); err != nil {
			errs = append(errs, fail(err))
		}
	}
	if err := c.findImage(ctx, w, &res, &rep); err != nil {
		errs = append(errs, fail(err))
	}
	return res, rep, errors.Join(errs...)
}

func (c *Cloud) ensureManagementNetwork(ctx context.Context, create bool, res *Resources, rep *Report) error {
	nc, err := c.network()
	if err != nil {
		return err
	}
	found, err := c.discover(ctx, nc)
	if err != nil {
		return err
	}

	net, err := c.ensureNetwork(ctx, nc, found.network, create, rep)
	if err != nil {
		return err
	}
	if net != nil {
		res.NetworkID, res.MTU = net.ID, net.MTU
		sub, err := c.ensureSubnet(ctx, nc, net.ID, found.subnet, create, rep)
		if err != nil {
			return err
		}
		if sub != nil {
			res.SubnetID, res.SubnetCIDR = sub.ID, sub.CIDR
			if res.RouterID, err = c.ensureRouter(ctx, nc, found.routers, sub.ID, create, rep); err != nil {
				return err
			}
		}
	}
	if res.AmphoraSecGroupID, err = c.ensureSecGroup(ctx, nc, found.amphoraSecGroup, amphoraSecGroup, create, rep); err != nil {
		return err
	}
	if res.HealthSecGroupID, err = c.ensureSecGroup(ctx, nc, found.healthSecGroup, healthSecGroup, create, rep); err != nil {
		return err
	}
	return nil
}

// apiError wraps an API error with what was being done.
func apiError(err error, format string, a ...any) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, a...), err)
}
