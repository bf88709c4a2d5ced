package cloud

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/attributestags"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
)

// neutronFeatures are the API extensions that change what the charm does.
type neutronFeatures struct {
	router bool // L3 routers exist (the router service plugin is loaded)
	dvr    bool // routers may be distributed
}

// features lists Neutron's extensions once per session.
func (c *Cloud) features(ctx context.Context, nc *gophercloud.ServiceClient) (neutronFeatures, error) {
	c.mu.Lock()
	cached := c.neutron
	c.mu.Unlock()
	if cached != nil {
		return *cached, nil
	}
	pages, err := extensions.List(nc).AllPages(ctx)
	if err != nil {
		return neutronFeatures{}, fmt.Errorf("list neutron extensions: %w", err)
	}
	exts, err := extensions.ExtractExtensions(pages)
	if err != nil {
		return neutronFeatures{}, fmt.Errorf("read neutron extensions: %w", err)
	}
	var f neutronFeatures
	for _, e := range exts {
		switch e.Alias {
		case "router":
			f.router = true
		case "dvr":
			f.dvr = true
		}
	}
	c.mu.Lock()
	c.neutron = &f
	c.mu.Unlock()
	return f, nil
}

// network is the part of a Neutron network the charm reads.
type network struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	MTU     int      `json:"mtu"`
	Tags    []string `json:"tags"`
	Subnets []string `json:"subnets"`
}

func listNetworks(ctx context.Context, nc *gophercloud.ServiceClient, opts networks.ListOpts) ([]network, error) {
	pages, err := networks.List(nc, opts).AllPages(ctx)
	if err != nil {
		return nil, err
	}
	var out []network
	err = networks.ExtractNetworksInto(pages, &out)
	return out, err
}

// port is the part of a Neutron port the charm reads, with the binding
// attributes gophercloud keeps in a separate extension type.
type port struct {
	ID             string     `json:"id"`
	Name           string     `json:"name"`
	NetworkID      string     `json:"network_id"`
	MAC            string     `json:"mac_address"`
	Status         string     `json:"status"`
	AdminUp        bool       `json:"admin_state_up"`
	DeviceOwner    string     `json:"device_owner"`
	DeviceID       string     `json:"device_id"`
	FixedIPs       []ports.IP `json:"fixed_ips"`
	SecurityGroups []string   `json:"security_groups"`
	Tags           []string   `json:"tags"`
	HostID         string     `json:"binding:host_id"`
	VIFType        string     `json:"binding:vif_type"`
}

func listPorts(ctx context.Context, nc *gophercloud.ServiceClient, opts ports.ListOpts) ([]port, error) {
	pages, err := ports.List(nc, opts).AllPages(ctx)
	if err != nil {
		return nil, err
	}
	var out []port
	err = ports.ExtractPortsInto(pages, &out)
	return out, err
}

// untagged keeps the items without any tag: resources a pass created but
// could not tag before it was interrupted.
func untagged[T any](items []T, tags func(T) []string) []T {
	return slices.DeleteFunc(slices.Clone(items), func(it T) bool { return len(tags(it)) > 0 })
}

// tagNew sets the tags of a resource this pass has just created. Neutron
// (before the tag-creation extension) cannot tag in the create call, so if
// tagging fails the resource is deleted again: a resource the charm cannot
// find by tag would be created a second time by the next pass.
func tagNew(ctx context.Context, nc *gophercloud.ServiceClient, resourceType, id string, tags []string, remove func(context.Context) error) error {
	err := attributestags.ReplaceAll(ctx, nc, resourceType, id, attributestags.ReplaceAllOpts{Tags: tags}).Err
	if err == nil {
		return nil
	}
	err = fmt.Errorf("tag %s %s: %w", resourceType, id, err)
	cleanup, cancel := context.WithTimeout(context.WithoutCancel(ctx), RequestTimeout)
	defer cancel()
	if derr := remove(cleanup); derr != nil && !gophercloud.ResponseCodeIs(derr, 404) {
		return errors.Join(err, fmt.Errorf("delete untagged %s %s (the next pass adopts it by name): %w", resourceType, id, derr))
	}
	return err
}

// setTags replaces the tags of an existing resource (adoption of an
// untagged resource this charm created).
func setTags(ctx context.Context, nc *gophercloud.ServiceClient, resourceType, id string, tags []string) error {
	if err := attributestags.ReplaceAll(ctx, nc, resourceType, id, attributestags.ReplaceAllOpts{Tags: tags}).Err; err != nil {
		return fmt.Errorf("tag %s %s: %w", resourceType, id, err)
	}
	return nil
}

// isConflict reports a 409 from an OpenStack API.
func isConflict(err error) bool { return gophercloud.ResponseCodeIs(err, 409) }

// isNotFound reports a 404 from an OpenStack API.
func isNotFound(err error) bool { return gophercloud.ResponseCodeIs(err, 404) }
