package reconcile

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"time"

	"charm-octavia/internal/cloud"
	"charm-octavia/internal/hostnet"
	"charm-octavia/internal/juju"
	"charm-octavia/internal/octavia"
	"charm-octavia/internal/relations"
	"charm-octavia/internal/relations/keystone"
)

// The management-network stage of a pass: the cloud resources (leader), this
// unit's health-manager port and its interface o-hm0, the controller list
// (leader), and the amphora agent configuration push (leader).
//
// It talks to OpenStack only when it has to: when its inputs changed since
// the last complete pass, when that pass left something to wait for, when
// the interface drifted locally, on configure-resources, and once per
// auditInterval to catch drift on the Neutron side (a port set admin-down, a
// deleted security group). A converged unit's hooks make no API call.

// auditInterval is how often a converged unit checks its port and (leader)
// the cloud resources against Neutron.
const auditInterval = 15 * time.Minute

// cloudPassTimeout bounds one pass's OpenStack work.
const cloudPassTimeout = 2 * time.Minute

// portActiveWait is how long a pass that plugged the interface waits for
// Neutron to report the port ACTIVE before leaving it to a later hook.
var portActiveWait = 10 * time.Second

// ManagementCloud is what a pass asks of the OpenStack APIs; *cloud.Cloud
// implements it.
type ManagementCloud interface {
	EnsureResources(ctx context.Context, w cloud.Want) (cloud.Resources, cloud.Report, error)
	EnsureHealthManagerPort(ctx context.Context, w cloud.PortWant) (cloud.Port, []string, error)
	DeleteHealthManagerPort(ctx context.Context, unit string) (bool, error)
	HealthManagerAddresses(ctx context.Context, networkID string) (map[string][]string, error)
	RefreshAmphoraConfig(ctx context.Context) (int, error)
}

// Plumbing is the health-manager interface on this machine; hostnet.Plumber
// implements it.
type Plumbing interface {
	Ensure(ctx context.Context, w hostnet.Want) ([]string, error)
	Remove(ctx context.Context, name, bridge string) (bool, error)
}

// MgmtSnapshot is what the management-network stage keeps between hooks.
type MgmtSnapshot struct {
	// Key fingerprints the inputs of the last complete pass.
	Key string `json:"key,omitempty"`
	// Audited is when the last complete pass talked to OpenStack.
	Audited time.Time `json:"audited,omitempty"`
	// Pending is true when that pass left something to wait for.
	Pending bool `json:"pending,omitempty"`
	// DownSince is when the port was first seen bound but DOWN.
	DownSince time.Time `json:"down-since,omitempty"`
	// State is this unit's port and the reasons it is not done.
	State octavia.NetworkState `json:"state"`
}

// netPass is one management-network pass in progress.
type netPass struct {
	u       *Unit
	s       *Snapshot
	in      *octavia.Inputs
	cloud   ManagementCloud
	reasons []octavia.Reason
	pending bool
}

// manageNetwork runs the management-network stage before the plan, and
// updates in with what it learnt (leader settings, port, reasons).
func (u *Unit) manageNetwork(ctx context.Context, s *Snapshot, in *octavia.Inputs) error {
	ev := u.Env.Event()
	if !octavia.ManagesNetwork(*in) {
		s.Mgmt = MgmtSnapshot{}
		in.Network = octavia.NetworkState{}
		return nil
	}
	in.Network = s.Mgmt.State
	action := ev.IsAction() && ev.Name == "configure-resources"
	key := networkKey(*in)
	due := action || key != s.Mgmt.Key || s.Mgmt.Pending || u.now().Sub(s.Mgmt.Audited) >= auditInterval
	if !due {
		// Local drift (the interface deleted, its MAC or MTU changed) is
		// repaired from what the last pass learnt, without OpenStack.
		return u.repairLink(ctx, s, *in)
	}
	ctx, cancel := context.WithTimeout(ctx, cloudPassTimeout)
	defer cancel()
	p := &netPass{u: u, s: s, in: in}
	p.run(ctx, action)
	s.Mgmt.State = octavia.NetworkState{Port: s.Mgmt.State.Port, Reasons: p.reasons}
	s.Mgmt.Pending = p.pending
	s.Mgmt.Audited = u.now()
	s.Mgmt.Key = networkKey(*in)
	in.Network = s.Mgmt.State
	return nil
}

// run does the pass; faults become reasons, not errors, so the rest of the
// unit is still reconciled.
func (p *netPass) run(ctx context.Context, action bool) {
	in := p.in
	creds, ok := cloudCredentials(*in)
	if !ok {
		p.wait("Waiting for the service credentials from identity-service")
		return
	}
	c, err := p.u.connect(ctx, creds)
	if err != nil {
		p.wait("Cannot reach the cloud: " + firstLine(err.Error()))
		return
	}
	p.cloud = c
	if in.Leader {
		p.resources(ctx, action)
	}
	record, ok := octavia.ParseMgmtNetwork(in.LeaderSettings)
	if !ok {
		if !in.Leader {
			p.pending = true
		}
		return
	}
	p.port(ctx, record)
	if in.Leader {
		if peer := departedPeer(p.u.Env); peer != "" {
			p.u.forgetDepartedPeer(ctx, p.cloud, peer)
		}
		p.controllerList(ctx, record)
	}
}

func (p *netPass) wait(msg string) {
	p.reasons = append(p.reasons, octavia.Reason{Severity: octavia.Waiting, Message: msg})
	p.pending = true
}

func (p *netPass) block(msg string) {
	p.reasons = append(p.reasons, octavia.Reason{Severity: octavia.Blocked, Message: msg})
	p.pending = true
}

// resources creates or finds the cloud resources (leader), and records them.
func (p *netPass) resources(ctx context.Context, action bool) {
	in := p.in
	c := in.Config
	_, recorded := octavia.ParseMgmtNetwork(in.LeaderSettings)
	if !action && !c.AutoConfigureResources && (recorded || in.LeaderSettings["amp-boot-network-list"] == "") {
		// The upstream behaviour: nothing is created until configure-resources.
		return
	}
	want := cloud.Want{
		Create:          c.CreateMgmtNetwork && (action || c.AutoConfigureResources),
		CustomFlavorID:  c.CustomAmpFlavorID,
		SSHKeyName:      c.AmpSSHKeyName,
		SSHPublicKeyB64: c.AmpSSHPubKey,
		ImageTag:        c.AmpImageTag,
		ImageOwner:      c.AmpImageOwnerID,
		NetworkOnly:     c.NoopDrivers,
	}
	res, report, err := p.cloud.EnsureResources(ctx, want)
	p.u.logReport(report)
	p.u.lastReport = &report
	var dup *cloud.DuplicateError
	switch {
	case errors.As(err, &dup):
		p.block(dup.Error())
		return
	case len(report.Missing) > 0:
		msg := "Missing cloud resources: " + strings.Join(report.Missing, ", ")
		if !c.CreateMgmtNetwork {
			msg += " (create-mgmt-network is false: create and tag them)"
		}
		p.block(msg)
	}
	if err != nil {
		// Nova and Glance faults come with the network part done.
		p.wait("Cannot set up the cloud resources: " + firstLine(err.Error()))
	}
	if res.NetworkID == "" || res.HealthSecGroupID == "" || res.AmphoraSecGroupID == "" {
		return
	}
	record := octavia.MgmtNetwork{
		NetworkID: res.NetworkID, SubnetCIDR: res.SubnetCIDR, MTU: res.MTU,
		HealthSecGroupID: res.HealthSecGroupID, AmphoraSecGroupID: res.AmphoraSecGroupID,
	}
	if c.CustomAmpFlavorID == "" {
		record.FlavorID = res.FlavorID
	}
	if err := p.u.leaderSetChanged(ctx, p.s, in, record.LeaderSettings()); err != nil {
		p.wait("Cannot record the management network: " + firstLine(err.Error()))
	}
}

// port makes this unit's health-manager port and plugs it in as o-hm0.
func (p *netPass) port(ctx context.Context, record octavia.MgmtNetwork) {
	in := p.in
	want := cloud.PortWant{Unit: in.Unit, Host: octavia.BindingHost(*in), NetworkID: record.NetworkID, SecGroupID: record.HealthSecGroupID}
	port, changed, err := p.cloud.EnsureHealthManagerPort(ctx, want)
	var dup *cloud.DuplicateError
	switch {
	case errors.As(err, &dup):
		p.block(dup.Error())
		return
	case err != nil:
		p.wait("Cannot set up the health-manager port: " + firstLine(err.Error()))
		return
	}
	for _, ch := range changed {
		p.u.Logf("health-manager port %s: %s", port.ID, ch)
	}
	hp := &octavia.HealthManagerPort{ID: port.ID, MAC: port.MAC, MTU: record.MTU, Address: portAddress(port, record)}
	p.s.Mgmt.State.Port = hp
	plumbed, err := p.u.plumb(ctx, hp)
	if err != nil {
		p.wait("Cannot plug the health-manager interface: " + firstLine(err.Error()))
		return
	}
	if len(plumbed) > 0 && port.Status != "ACTIVE" {
		// The agent wires a freshly plugged interface within seconds.
		port = p.waitActive(ctx, want, port)
	}
	p.replugIfStuck(ctx, port, hp)
	switch {
	case port.VIFType == "binding_failed":
		p.wait(fmt.Sprintf("Health-manager port binding failed on host %s, retrying", want.Host))
	case port.VIFType == "unbound" || port.VIFType == "":
		p.wait(fmt.Sprintf("Health-manager port not bound to host %s yet", want.Host))
	case port.Status != "ACTIVE":
		p.wait(fmt.Sprintf("Health-manager port is %s, waiting for Neutron", port.Status))
	case hp.Address == "":
		p.wait("Health-manager port has no IPv6 address yet")
	}
}

// stuckDownAfter is how long a bound, plugged port may stay DOWN before the
// interface is deleted and added again (the Open vSwitch agent wires an
// interface when it appears; it does not look at one it missed again).
const stuckDownAfter = time.Minute

// replugIfStuck re-plugs o-hm0 when Neutron has shown the port bound but
// DOWN for longer than stuckDownAfter.
func (p *netPass) replugIfStuck(ctx context.Context, port cloud.Port, hp *octavia.HealthManagerPort) {
	m := &p.s.Mgmt
	if port.Status == "ACTIVE" || port.VIFType == "binding_failed" || port.VIFType == "unbound" || !port.AdminUp {
		m.DownSince = time.Time{}
		return
	}
	now := p.u.now()
	if m.DownSince.IsZero() {
		m.DownSince = now
		return
	}
	if now.Sub(m.DownSince) < stuckDownAfter {
		return
	}
	p.u.Logf("health-manager port %s DOWN since %s: plugging %s again", port.ID, m.DownSince.Format(time.RFC3339), hostnet.InterfaceName)
	m.DownSince = now
	if _, err := p.u.Plumbing.Remove(ctx, hostnet.InterfaceName, hostnet.Bridge); err != nil {
		p.wait("Cannot re-plug the health-manager interface: " + firstLine(err.Error()))
		return
	}
	if _, err := p.u.plumb(ctx, hp); err != nil {
		p.wait("Cannot re-plug the health-manager interface: " + firstLine(err.Error()))
	}
}

// waitActive polls the port for a short while after plugging it.
func (p *netPass) waitActive(ctx context.Context, want cloud.PortWant, port cloud.Port) cloud.Port {
	deadline := time.Now().Add(portActiveWait)
	for time.Now().Before(deadline) && port.Status != "ACTIVE" {
		select {
		case <-ctx.Done():
			return port
		case <-time.After(time.Second):
		}
		next, _, err := p.cloud.EnsureHealthManagerPort(ctx, want)
		if err != nil {
			return port
		}
		port = next
	}
	return port
}

// portAddress is the port's IPv6 address on the management subnet, as a
// prefix of the subnet's length.
func portAddress(port cloud.Port, record octavia.MgmtNetwork) string {
	subnet, err := netip.ParsePrefix(record.SubnetCIDR)
	bits := 64
	if err == nil {
		bits = subnet.Bits()
	}
	for _, a := range port.Addresses {
		ip, err := netip.ParseAddr(a)
		if err != nil || !ip.Is6() {
			continue
		}
		if subnet.IsValid() && !subnet.Contains(ip) {
			continue
		}
		return netip.PrefixFrom(ip, bits).String()
	}
	return ""
}

// plumb makes o-hm0 match the port.
func (u *Unit) plumb(ctx context.Context, hp *octavia.HealthManagerPort) ([]string, error) {
	w := hp.Link()
	changed, err := u.Plumbing.Ensure(ctx, w)
	for _, ch := range changed {
		u.Logf("%s: %s", w.Name, ch)
	}
	return changed, err
}

// repairLink re-plugs o-hm0 from the last pass's port when the link drifted.
func (u *Unit) repairLink(ctx context.Context, s *Snapshot, in octavia.Inputs) error {
	hp := s.Mgmt.State.Port
	if hp == nil || u.ObserveLink == nil {
		return nil
	}
	w := hp.Link()
	obs, err := u.ObserveLink(w.Name)
	if err != nil {
		return nil
	}
	drift := obs.Drift(w)
	if len(drift) == 0 {
		return nil
	}
	u.Logf("%s drifted: %s", w.Name, strings.Join(drift, "; "))
	if _, err := u.plumb(ctx, hp); err != nil {
		s.Mgmt.Pending = true
		s.Mgmt.State.Reasons = append(s.Mgmt.State.Reasons, octavia.Reason{Severity: octavia.Waiting,
			Message: "Cannot plug the health-manager interface: " + firstLine(err.Error())})
	}
	return nil
}

// controllerList keeps the leader setting controller-ip-port-list equal to
// the addresses of the tagged health-manager ports, compared as a set.
func (p *netPass) controllerList(ctx context.Context, record octavia.MgmtNetwork) {
	byUnit, err := p.cloud.HealthManagerAddresses(ctx, record.NetworkID)
	if err != nil {
		p.wait("Cannot list the health-manager ports: " + firstLine(err.Error()))
		return
	}
	subnet, _ := netip.ParsePrefix(record.SubnetCIDR)
	var addrs []string
	for _, ips := range byUnit {
		for _, a := range ips {
			ip, err := netip.ParseAddr(a)
			if err != nil || (subnet.IsValid() && !subnet.Contains(ip)) {
				continue
			}
			addrs = append(addrs, ip.String())
		}
	}
	sort.Strings(addrs)
	if len(addrs) == 0 {
		// Never tell amphorae there is no controller: keep the last list
		// until a port has an address again.
		return
	}
	if slices.Equal(slices.Compact(addrs), octavia.ControllerListSet(p.in.LeaderSettings)) {
		return
	}
	value := octavia.ControllerList(addrs)
	p.u.Logf("controller list: %s", value)
	if err := p.u.leaderSetChanged(ctx, p.s, p.in, map[string]string{octavia.ControllerListKey: value}); err != nil {
		p.wait("Cannot record the controller list: " + firstLine(err.Error()))
	}
}

// pushAgentConfig runs after apply on the leader: once every unit serves the
// current controller list and heartbeat key, running amphorae are told
// through Octavia's amphora configure API, once per change.
func (u *Unit) pushAgentConfig(ctx context.Context, s *Snapshot, in octavia.Inputs) {
	if !in.Leader || !octavia.ManagesNetwork(in) {
		return
	}
	want := octavia.AgentConfigDigest(in)
	if want == "" || s.LeaderSettings[octavia.LeaderAgentConfig] == want || len(octavia.ControllerListSet(in.LeaderSettings)) == 0 {
		// Nothing new, or no controller yet to tell amphorae about.
		return
	}
	key, _ := octavia.PeerKeys()
	for _, r := range s.Relations[octavia.EndpointCluster] {
		if r.Local[key] != want {
			return // this unit does not serve it yet
		}
	}
	for unit, got := range octavia.PeerAgentConfigs(in) {
		if got != want {
			// Its cluster-relation-changed brings the leader back here.
			u.Logf("amphora agent configuration: waiting for %s", unit)
			return
		}
	}
	creds, ok := cloudCredentials(in)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, cloudPassTimeout)
	defer cancel()
	c, err := u.connect(ctx, creds)
	if err == nil {
		var n int
		if n, err = c.RefreshAmphoraConfig(ctx); err == nil {
			u.Logf("amphora agent configuration pushed to %d amphorae", n)
			err = u.leaderSetChanged(ctx, s, &in, map[string]string{octavia.LeaderAgentConfig: want})
		}
	}
	if err != nil {
		u.Logf("amphora agent configuration push failed, will retry: %s", firstLine(err.Error()))
		s.Mgmt.Pending = true
	}
}

// leaveNetwork deletes this unit's port and interface when it departs.
func (u *Unit) leaveNetwork(ctx context.Context, s *Snapshot, in octavia.Inputs) error {
	name, bridge := octavia.MgmtInterface()
	if u.Plumbing != nil {
		if removed, err := u.Plumbing.Remove(ctx, name, bridge); err != nil {
			u.Logf("remove %s: %s", name, firstLine(err.Error()))
		} else if removed {
			u.Logf("removed %s", name)
		}
	}
	if s.Mgmt.State.Port == nil || u.ConnectCloud == nil {
		return nil
	}
	creds, ok := cloudCredentials(in)
	if !ok {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, cloudPassTimeout)
	defer cancel()
	c, err := u.connect(ctx, creds)
	if err != nil {
		return fmt.Errorf("delete the health-manager port: %w", err)
	}
	if deleted, err := c.DeleteHealthManagerPort(ctx, in.Unit); err != nil {
		return fmt.Errorf("delete the health-manager port: %w", err)
	} else if deleted {
		u.Logf("deleted health-manager port %s", s.Mgmt.State.Port.ID)
	}
	s.Mgmt = MgmtSnapshot{}
	return nil
}

// departing is true in the hooks of this unit's teardown.
func (u *Unit) departing() bool {
	ev := u.Env.Event()
	if ev.Name == "stop" || ev.Name == "remove" {
		return true
	}
	endpoint, kind, _ := ev.RelationEndpoint()
	return endpoint == octavia.EndpointCluster && kind == "departed" && u.Env.DepartingUnit == u.Env.UnitName
}

// departedPeer names the peer unit leaving in a cluster-relation-departed
// hook, "" in any other hook or when this unit is the one leaving.
func departedPeer(env juju.Env) string {
	endpoint, kind, _ := env.Event().RelationEndpoint()
	if endpoint != octavia.EndpointCluster || kind != "departed" || env.DepartingUnit == env.UnitName {
		return ""
	}
	return env.DepartingUnit
}

// forgetDepartedPeer deletes a departed peer's port (leader), so that the
// controller list drops it even if the peer could not clean up.
func (u *Unit) forgetDepartedPeer(ctx context.Context, c ManagementCloud, unit string) {
	if deleted, err := c.DeleteHealthManagerPort(ctx, unit); err != nil {
		u.Logf("delete %s's health-manager port: %s", unit, firstLine(err.Error()))
	} else if deleted {
		u.Logf("deleted %s's health-manager port", unit)
	}
}

// connect opens the cloud session of this pass.
func (u *Unit) connect(ctx context.Context, creds cloud.Credentials) (ManagementCloud, error) {
	if u.cloudSession != nil {
		return u.cloudSession, nil
	}
	if u.ConnectCloud == nil {
		return nil, errors.New("no cloud client")
	}
	c, err := u.ConnectCloud(ctx, creds)
	if err != nil {
		return nil, err
	}
	u.cloudSession = c
	return c, nil
}

// cloudCredentials are the service credentials from identity-service.
func cloudCredentials(in octavia.Inputs) (cloud.Credentials, bool) {
	ks, r := keystone.Parse(in.Relations[octavia.EndpointIdentityService])
	if r != relations.Ready {
		return cloud.Credentials{}, false
	}
	auth, iface := ks.PublicAuthURL(), "public"
	if in.Config.UseInternalEndpoints {
		auth, iface = ks.InternalAuthURL(), "internal"
	}
	return cloud.Credentials{
		AuthURL: auth + "/v3", Username: ks.Username, Password: ks.Password, UserDomain: ks.UserDomain,
		Project: ks.Project, ProjectDomain: ks.ProjectDomain, ProjectID: ks.ProjectID,
		Region: in.Config.Region, Interface: iface, CACert: ks.CACert,
	}, true
}

// networkKey fingerprints what the management-network stage depends on, so
// that a change makes the next pass talk to OpenStack.
func networkKey(in octavia.Inputs) string {
	c := in.Config
	creds, _ := cloudCredentials(in)
	parts := []string{
		fmt.Sprint(c.CreateMgmtNetwork, c.AutoConfigureResources, c.NoopDrivers, c.UseInternalEndpoints),
		c.CustomAmpFlavorID, c.AmpSSHKeyName, c.AmpSSHPubKey, c.AmpImageTag, c.AmpImageOwnerID, c.Region,
		creds.AuthURL, creds.Username, creds.Password, creds.Project, creds.ProjectDomain, creds.UserDomain,
		octavia.BindingHost(in), in.LeaderSettings[octavia.LeaderMgmtNetwork],
	}
	if in.Leader {
		parts = append(parts, "leader", in.LeaderSettings[octavia.ControllerListKey])
		_, addrKey := octavia.PeerKeys()
		for _, r := range in.Relations[octavia.EndpointCluster] {
			for _, n := range r.UnitNames() {
				parts = append(parts, n, r.Units[n][addrKey])
			}
		}
	}
	return digest(parts...)
}

// digest is a one-way fingerprint (the key covers a password).
func digest(values ...string) string {
	h := sha256.New()
	for _, v := range values {
		h.Write([]byte(v))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// leaderSetChanged leader-sets the values that differ, and updates the
// pass's view of the leader settings.
func (u *Unit) leaderSetChanged(ctx context.Context, s *Snapshot, in *octavia.Inputs, values map[string]string) error {
	diff := map[string]string{}
	for k, v := range values {
		if s.LeaderSettings[k] != v {
			diff[k] = v
		}
	}
	if len(diff) == 0 {
		return nil
	}
	if err := u.Tools.LeaderSet(ctx, diff); err != nil {
		return err
	}
	for k, v := range diff {
		s.LeaderSettings[k] = v
	}
	in.LeaderSettings = s.LeaderSettings
	return nil
}

// logReport writes what EnsureResources did to the unit log.
func (u *Unit) logReport(r cloud.Report) {
	for _, l := range r.Created {
		u.Logf("created %s", l)
	}
	for _, l := range r.Missing {
		u.Logf("missing %s", l)
	}
	for _, l := range r.Failed {
		u.Logf("could not %s", l)
	}
}

// keepServedAgentConfig keeps announcing, on the peer relation, the amphora
// agent configuration this unit's controllers run with while their restart
// waits for the lock: the leader must not push a configuration that some
// controller does not serve yet.
func keepServedAgentConfig(s *Snapshot, publish map[string]relations.Bag) {
	key, _ := octavia.PeerKeys()
	for _, r := range s.Relations[octavia.EndpointCluster] {
		bag, ok := publish[r.ID]
		if !ok {
			continue
		}
		kept := relations.Bag{}
		for k, v := range bag {
			kept[k] = v
		}
		if old, ok := r.Local[key]; ok {
			kept[key] = old
		} else {
			delete(kept, key)
		}
		publish[r.ID] = kept
	}
}
