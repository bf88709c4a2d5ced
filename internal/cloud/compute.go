package cloud

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/flavors"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/keypairs"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
)

// ensureFlavor finds (or creates) the amphora flavor and returns its size
// for the quota targets.
func (c *Cloud) ensureFlavor(ctx context.Context, w Want, res *Resources, rep *Report) (flavorSize, error) {
	cc, err := c.compute()
	if err != nil {
		return defaultFlavor, fmt.Errorf("flavor: %w", err)
	}
	if w.CustomFlavorID != "" {
		f, err := flavors.Get(ctx, cc, w.CustomFlavorID).Extract()
		if isNotFound(err) {
			rep.missing("flavor %s (custom-amp-flavor-id)", w.CustomFlavorID)
			return defaultFlavor, nil
		}
		if err != nil {
			return defaultFlavor, apiError(err, "get flavor %s (custom-amp-flavor-id)", w.CustomFlavorID)
		}
		res.FlavorID = f.ID
		rep.found("%s", describe("flavor", f.Name, f.ID))
		return flavorSize{VCPUs: f.VCPUs, RAM: f.RAM}, nil
	}

	pages, err := flavors.ListDetail(cc, flavors.ListOpts{AccessType: flavors.AllAccess}).AllPages(ctx)
	if err != nil {
		return defaultFlavor, apiError(err, "list flavors")
	}
	all, err := flavors.ExtractFlavors(pages)
	if err != nil {
		return defaultFlavor, apiError(err, "read flavors")
	}
	for _, f := range all {
		if f.Name == flavorName { // Nova keeps flavor names unique
			res.FlavorID = f.ID
			rep.found("%s", describe("flavor", f.Name, f.ID))
			return flavorSize{VCPUs: f.VCPUs, RAM: f.RAM}, nil
		}
	}
	if !w.Create {
		rep.missing("flavor: set custom-amp-flavor-id")
		return defaultFlavor, nil
	}
	f, err := flavors.Create(ctx, cc, flavors.CreateOpts{
		Name:     flavorName,
		RAM:      defaultFlavor.RAM,
		VCPUs:    defaultFlavor.VCPUs,
		Disk:     ptr(8),
		IsPublic: ptr(false),
	}).Extract()
	if err != nil {
		return defaultFlavor, apiError(err, "create flavor %s", flavorName)
	}
	res.FlavorID = f.ID
	rep.created("%s", describe("flavor", f.Name, f.ID))
	// Nova does not give the creating project access to a private flavor.
	// An admin may boot it anyway; the access makes the service project's
	// own listings show it too.
	if _, err := flavors.AddAccess(ctx, cc, f.ID, flavors.AddAccessOpts{Tenant: c.projectID}).Extract(); err != nil && !isConflict(err) {
		return defaultFlavor, apiError(err, "give project %s access to flavor %s", c.projectID, f.ID)
	}
	return defaultFlavor, nil
}

// ensureKeypair creates the amp-ssh-key-name keypair from amp-ssh-pub-key
// unless one of that name exists; an existing keypair is never updated.
func (c *Cloud) ensureKeypair(ctx context.Context, w Want, rep *Report) error {
	if w.SSHKeyName == "" {
		return nil
	}
	var publicKey []byte
	if w.SSHPublicKeyB64 != "" {
		var err error
		// The decoder's error names the offending byte offset only; the
		// value itself stays out of errors either way.
		publicKey, err = base64.StdEncoding.DecodeString(strings.TrimSpace(w.SSHPublicKeyB64))
		if err != nil {
			return errors.New("keypair: amp-ssh-pub-key is not valid base64")
		}
	}
	cc, err := c.compute()
	if err != nil {
		return fmt.Errorf("keypair %s: %w", w.SSHKeyName, err)
	}
	_, err = keypairs.Get(ctx, cc, w.SSHKeyName, nil).Extract()
	switch {
	case err == nil:
		rep.found("keypair %s", w.SSHKeyName)
		return nil
	case !isNotFound(err):
		return apiError(err, "get keypair %s", w.SSHKeyName)
	case publicKey == nil:
		rep.missing("keypair %s: set amp-ssh-pub-key", w.SSHKeyName)
		return nil
	case !w.Create:
		rep.missing("keypair %s", w.SSHKeyName)
		return nil
	}
	_, err = keypairs.Create(ctx, cc, keypairs.CreateOpts{Name: w.SSHKeyName, PublicKey: string(publicKey)}).Extract()
	if isConflict(err) {
		rep.found("keypair %s", w.SSHKeyName) // made concurrently
		return nil
	}
	if err != nil {
		return apiError(err, "create keypair %s", w.SSHKeyName)
	}
	rep.created("keypair %s", w.SSHKeyName)
	return nil
}

// findImage looks up the newest active image tagged w.ImageTag (owned by
// w.ImageOwner when set), the one Octavia's worker will boot.
func (c *Cloud) findImage(ctx context.Context, w Want, res *Resources, rep *Report) error {
	if w.ImageTag == "" {
		return nil
	}
	ic, err := c.image()
	if err != nil {
		return fmt.Errorf("image tagged %s: %w", w.ImageTag, err)
	}
	pages, err := images.List(ic, images.ListOpts{
		Tags:   []string{w.ImageTag},
		Owner:  w.ImageOwner,
		Status: images.ImageStatusActive,
		Sort:   "created_at:desc",
	}).AllPages(ctx)
	if err != nil {
		return apiError(err, "list images tagged %s", w.ImageTag)
	}
	found, err := images.ExtractImages(pages)
	if err != nil {
		return apiError(err, "read images tagged %s", w.ImageTag)
	}
	if len(found) == 0 {
		if w.ImageOwner != "" {
			rep.missing("active image tagged %s owned by %s", w.ImageTag, w.ImageOwner)
		} else {
			rep.missing("active image tagged %s", w.ImageTag)
		}
		return nil
	}
	res.ImageID = found[0].ID
	rep.found("%s tagged %s", describe("image", found[0].Name, found[0].ID), w.ImageTag)
	return nil
}
