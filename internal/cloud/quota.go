package cloud

import (
	"context"
	"errors"
	"fmt"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/quotasets"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/quotas"
)

// Quotas of the service project, sized for amphorae instead of the upstream
// charm's blanket -1 (unlimited) on every Nova and Neutron limit.
//
// The service project owns every amphora: one Nova instance each, in one
// server group per load balancer (two members in active-standby), and
// three Neutron ports each at most (lb-mgmt, VRRP on the VIP network, and
// the load balancer's VIP). Octavia also makes one security group per load
// balancer with up to about ten rules (listener ports, VRRP, peers). For
// AmphoraCapacity amphorae that gives:
//
//	nova    instances             AmphoraCapacity
//	nova    cores                 AmphoraCapacity × flavor vCPUs
//	nova    ram                   AmphoraCapacity × flavor RAM (MB)
//	nova    server_groups         AmphoraCapacity
//	nova    server_group_members  2
//	neutron port                  3 × AmphoraCapacity
//	neutron security_group        AmphoraCapacity + 10
//	neutron security_group_rule   RulesPerLoadBalancer × AmphoraCapacity + 100
//
// A limit is only ever raised to its target: a higher value an operator set
// stays, and -1 (unlimited) stays unlimited. Other limits are not touched.
const (
	AmphoraCapacity      = 1000
	RulesPerLoadBalancer = 10
)

// limit is one quota value: its current and wanted minimum.
type limit struct {
	Name            string
	Current, Target int
}

// raise returns the value a quota should have: current when it is
// unlimited (-1) or already at least target, else target.
func raise(current, target int) (int, bool) {
	if current < 0 || current >= target {
		return current, false
	}
	return target, true
}

// raises keeps the limits that must go up; their Target is the new value.
func raises(limits []limit) []limit {
	var out []limit
	for _, l := range limits {
		if _, up := raise(l.Current, l.Target); up {
			out = append(out, l)
		}
	}
	return out
}

// flavorSize is what the Nova quota targets depend on.
type flavorSize struct{ VCPUs, RAM int }

// defaultFlavor is the charm-octavia flavor's size.
var defaultFlavor = flavorSize{VCPUs: 1, RAM: 1024}

func novaLimits(q quotasets.QuotaSet, f flavorSize) []limit {
	return []limit{
		{"instances", q.Instances, AmphoraCapacity},
		{"cores", q.Cores, AmphoraCapacity * f.VCPUs},
		{"ram", q.RAM, AmphoraCapacity * f.RAM},
		{"server_groups", q.ServerGroups, AmphoraCapacity},
		{"server_group_members", q.ServerGroupMembers, 2},
	}
}

func neutronLimits(q quotas.Quota) []limit {
	return []limit{
		{"port", q.Port, 3 * AmphoraCapacity},
		{"security_group", q.SecurityGroup, AmphoraCapacity + 10},
		{"security_group_rule", q.SecurityGroupRule, RulesPerLoadBalancer*AmphoraCapacity + 100},
	}
}

func novaUpdate(up []limit) quotasets.UpdateOpts {
	var o quotasets.UpdateOpts
	field := map[string]**int{
		"instances": &o.Instances, "cores": &o.Cores, "ram": &o.RAM,
		"server_groups": &o.ServerGroups, "server_group_members": &o.ServerGroupMembers,
	}
	for _, l := range up {
		v := l.Target
		*field[l.Name] = &v
	}
	return o
}

func neutronUpdate(up []limit) quotas.UpdateOpts {
	var o quotas.UpdateOpts
	field := map[string]**int{
		"port": &o.Port, "security_group": &o.SecurityGroup, "security_group_rule": &o.SecurityGroupRule,
	}
	for _, l := range up {
		v := l.Target
		*field[l.Name] = &v
	}
	return o
}

func raisedLines(service string, up []limit) []string {
	lines := make([]string, len(up))
	for i, l := range up {
		lines[i] = fmt.Sprintf("%s quota %s raised from %d to %d", service, l.Name, l.Current, l.Target)
	}
	return lines
}

// ensureQuotas raises the service project's Neutron and Nova quotas; one
// failing service does not keep the other's quotas low.
func (c *Cloud) ensureQuotas(ctx context.Context, f flavorSize, rep *Report) error {
	before := len(rep.Created)
	err := errors.Join(c.ensureNeutronQuotas(ctx, rep), c.ensureNovaQuotas(ctx, f, rep))
	if err == nil && len(rep.Created) == before {
		rep.found("quotas of project %s sized for %d amphorae", c.projectID, AmphoraCapacity)
	}
	return err
}

func (c *Cloud) ensureNeutronQuotas(ctx context.Context, rep *Report) error {
	nc, err := c.network()
	if err != nil {
		return err
	}
	q, err := quotas.Get(ctx, nc, c.projectID).Extract()
	if err != nil {
		return apiError(err, "read neutron quotas of project %s", c.projectID)
	}
	up := raises(neutronLimits(*q))
	if len(up) == 0 {
		return nil
	}
	if err := quotas.Update(ctx, nc, c.projectID, neutronUpdate(up)).Err; err != nil {
		return apiError(err, "raise neutron quotas of project %s", c.projectID)
	}
	rep.Created = append(rep.Created, raisedLines("neutron", up)...)
	return nil
}

func (c *Cloud) ensureNovaQuotas(ctx context.Context, f flavorSize, rep *Report) error {
	cc, err := c.compute()
	if err != nil {
		return fmt.Errorf("nova quotas: %w", err)
	}
	q, err := quotasets.Get(ctx, cc, c.projectID).Extract()
	if err != nil {
		return apiError(err, "read nova quotas of project %s", c.projectID)
	}
	up := raises(novaLimits(*q, f))
	if len(up) == 0 {
		return nil
	}
	if err := quotasets.Update(ctx, cc, c.projectID, novaUpdate(up)).Err; err != nil {
		return apiError(err, "raise nova quotas of project %s", c.projectID)
	}
	rep.Created = append(rep.Created, raisedLines("nova", up)...)
	return nil
}
