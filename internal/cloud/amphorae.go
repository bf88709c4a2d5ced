package cloud

import (
	"context"
	"errors"
	"fmt"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/loadbalancer/v2/amphorae"
)

// RefreshAmphoraConfig asks Octavia to push the current amphora agent
// configuration (for example a new controller_ip_port_list) to every
// amphora in service, ALLOCATED or READY; amphorae being built, failed or
// deleted are skipped. It returns how many amphorae accepted the request;
// the failures of the others are joined in the error.
func (c *Cloud) RefreshAmphoraConfig(ctx context.Context) (int, error) {
	lb, err := c.service("load-balancer")
	if err != nil {
		return 0, err
	}
	pages, err := amphorae.List(lb, amphorae.ListOpts{}).AllPages(ctx)
	if err != nil {
		return 0, apiError(err, "list amphorae")
	}
	all, err := amphorae.ExtractAmphorae(pages)
	if err != nil {
		return 0, apiError(err, "read amphorae")
	}
	refreshed := 0
	var errs []error
	for _, a := range all {
		if a.Status != "ALLOCATED" && a.Status != "READY" {
			continue
		}
		// gophercloud has no call for the config endpoint (Octavia API 2.7).
		url := lb.ServiceURL("octavia", "amphorae", a.ID, "config")
		_, err := lb.Put(ctx, url, nil, nil, &gophercloud.RequestOpts{OkCodes: []int{202}})
		if err != nil {
			errs = append(errs, fmt.Errorf("refresh configuration of amphora %s: %w", a.ID, err))
			continue
		}
		refreshed++
	}
	return refreshed, errors.Join(errs...)
}
