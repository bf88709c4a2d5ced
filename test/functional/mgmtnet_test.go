//go:build functional

package functional

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"charm-octavia/internal/juju/jujutest"
	"charm-octavia/internal/octavia"
	"charm-octavia/internal/reconcile"
)

// The management network on real Neutron (ML2/OVS), a real Open vSwitch
// agent and userspace Open vSwitch from the bed (test/bed/components/neutron.sh).

// osc runs the openstack CLI as the bed's admin; with out non-nil it asks
// for JSON and decodes it.
func osc(t *testing.T, out any, args ...string) {
	t.Helper()
	if out != nil {
		args = append(args, "-f", "json")
	}
	cmd := exec.Command("/usr/bin/openstack", args...)
	for k, v := range openrc(t) {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Env = append(cmd.Env, "PATH=/usr/sbin:/usr/bin:/sbin:/bin")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("openstack %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	if out != nil {
		fatalIf(t, json.Unmarshal(stdout.Bytes(), out), "decode openstack %s", args[0])
	}
}

type osResource struct {
	ID     string `json:"ID"`
	Name   string `json:"Name"`
	Status string `json:"Status"`
}

// servicesProject is the ID of the project the charm's service user works in.
func servicesProject(t *testing.T) string {
	t.Helper()
	var p struct {
		ID string `json:"id"`
	}
	osc(t, &p, "project", "show", "services")
	return p.ID
}

// tagged lists the IDs of one kind of Neutron resource with a tag, in the
// services project (other projects' resources are not the charm's).
func tagged(t *testing.T, kind, tag string) []string {
	t.Helper()
	var rs []osResource
	osc(t, &rs, append(strings.Fields(kind), "list", "--tags", tag, "--project", servicesProject(t))...)
	var ids []string
	for _, r := range rs {
		ids = append(ids, r.ID)
	}
	return ids
}

// cleanNeutron deletes every resource the charm tags, so each scenario
// starts from an empty management network.
func cleanNeutron(t *testing.T) {
	t.Helper()
	for _, p := range tagged(t, "port", "charm-octavia") {
		osc(t, nil, "port", "delete", p)
	}
	for _, r := range tagged(t, "router", "charm-octavia") {
		var rports []struct {
			FixedIPs []struct {
				SubnetID string `json:"subnet_id"`
			} `json:"Fixed IP Addresses"`
		}
		osc(t, &rports, "port", "list", "--router", r)
		for _, rp := range rports {
			for _, ip := range rp.FixedIPs {
				osc(t, nil, "router", "remove", "subnet", r, ip.SubnetID)
			}
		}
		osc(t, nil, "router", "delete", r)
	}
	for _, n := range tagged(t, "network", "charm-octavia") {
		for _, p := range portsOn(t, n) {
			osc(t, nil, "port", "delete", p)
		}
		osc(t, nil, "network", "delete", n)
	}
	for _, tag := range []string{"charm-octavia", "charm-octavia-health"} {
		for _, g := range tagged(t, "security group", tag) {
			osc(t, nil, "security", "group", "delete", g)
		}
	}
	exec.Command("ovs-vsctl", "--if-exists", "del-port", "br-int", "o-hm0").Run()
}

// portsOn lists the ports on a network.
func portsOn(t *testing.T, network string) []string {
	t.Helper()
	var rs []osResource
	osc(t, &rs, "port", "list", "--network", network)
	var ids []string
	for _, r := range rs {
		ids = append(ids, r.ID)
	}
	return ids
}

// relateNetwork relates neutron-api and neutron-openvswitch, answered by the
// bed as the neutron-api charm and the neutron-openvswitch subordinate do.
func (d *deployment) relateNetwork() {
	d.relate("neutron-api", "neutron-api", func(map[string]string) map[string]string {
		return provider(d.t, d.bin, "neutron-api")
	})
	d.relate("neutron-openvswitch", "neutron-openvswitch-octavia", func(map[string]string) map[string]string {
		return provider(d.t, d.bin, "neutron-openvswitch")
	})
}

// settle runs update-status until the unit is active (the port needs the
// agent to wire it) or the time is up.
func (d *deployment) settle(timeout time.Duration) string {
	d.t.Helper()
	end := time.Now().Add(timeout)
	for {
		st := d.status()
		if strings.HasPrefix(st, "active") || time.Now().After(end) {
			return st
		}
		time.Sleep(2 * time.Second)
		d.mustHook(jujutest.HookEnv{Hook: "update-status"})
	}
}

// ageAudit makes the unit's last Neutron audit old, as if its interval had
// passed, so the next hook audits the port (the interval is 15 minutes).
func (d *deployment) ageAudit() {
	d.t.Helper()
	path := reconcile.SnapshotPath(d.CharmDir)
	b, err := os.ReadFile(path)
	fatalIf(d.t, err, "read snapshot")
	var s map[string]any
	fatalIf(d.t, json.Unmarshal(b, &s), "decode snapshot")
	mgmt, _ := s["mgmt"].(map[string]any)
	if mgmt == nil {
		d.t.Fatal("snapshot has no management-network state")
	}
	mgmt["audited"] = "2000-01-01T00:00:00Z"
	b, err = json.Marshal(s)
	fatalIf(d.t, err, "encode snapshot")
	fatalIf(d.t, os.WriteFile(path, b, 0o600), "write snapshot")
}

type hmPort struct {
	ID       string `json:"id"`
	MAC      string `json:"mac_address"`
	Status   string `json:"status"`
	AdminUp  bool   `json:"admin_state_up"`
	Host     string `json:"binding_host_id"`
	VIFType  string `json:"binding_vif_type"`
	FixedIPs []struct {
		IP string `json:"ip_address"`
	} `json:"fixed_ips"`
}

// unitPort is octavia/0's health-manager port as Neutron shows it.
func unitPort(t *testing.T) hmPort {
	t.Helper()
	ids := tagged(t, "port", "charm-octavia-octavia-0")
	if len(ids) != 1 {
		t.Fatalf("ports tagged charm-octavia-octavia-0: %v, want exactly one", ids)
	}
	var p hmPort
	osc(t, &p, "port", "show", ids[0])
	return p
}

// link reads o-hm0's MAC and addresses ("" when it does not exist).
func link(t *testing.T) (mac string, addrs []string) {
	t.Helper()
	ifc, err := net.InterfaceByName("o-hm0")
	if err != nil {
		return "", nil
	}
	as, _ := ifc.Addrs()
	for _, a := range as {
		if ipn, ok := a.(*net.IPNet); ok && ipn.IP.IsGlobalUnicast() {
			addrs = append(addrs, ipn.IP.String())
		}
	}
	return ifc.HardwareAddr.String(), addrs
}

// checkPlumbed checks that o-hm0 matches the port and the port is ACTIVE.
func checkPlumbed(t *testing.T, d *deployment) hmPort {
	t.Helper()
	if st := d.settle(60 * time.Second); st != "active Unit is ready" {
		t.Fatalf("status: %s", st)
	}
	p := unitPort(t)
	if p.Status != "ACTIVE" || !p.AdminUp || p.VIFType != "ovs" {
		t.Errorf("port %s: status %s admin-up %v vif %s", p.ID, p.Status, p.AdminUp, p.VIFType)
	}
	mac, addrs := link(t)
	if mac != p.MAC || len(p.FixedIPs) == 0 || !contains(addrs, p.FixedIPs[0].IP) {
		t.Errorf("o-hm0 has MAC %s addresses %v; the port has MAC %s addresses %+v", mac, addrs, p.MAC, p.FixedIPs)
	}
	return p
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// TestManagementNetwork creates the management network through the charm on
// real Neutron, plugs the health-manager port, then breaks it every way the
// issue lists and checks the next hook repairs it.
func TestManagementNetwork(t *testing.T) {
	d := deployNoop(t)
	cleanNeutron(t)
	t.Cleanup(func() { cleanNeutron(t) })

	// A load balancer first, so that there is an amphora (noop) to push
	// the new agent configuration to once the controller list exists.
	c := newClient(t)
	var lb struct {
		LB struct {
			ID string `json:"id"`
		} `json:"loadbalancer"`
	}
	c.do("POST", "/v2/lbaas/loadbalancers", map[string]any{"loadbalancer": map[string]any{
		"name": "mgmtnet-lb", "vip_subnet_id": "8b9f7d6c-0d2c-4a8e-9c1b-3f0a1e2d4c5b"}}, &lb)
	c.waitLB(lb.LB.ID, "ACTIVE", 2*time.Minute)
	t.Cleanup(func() { c.Do("DELETE", "/v2/lbaas/loadbalancers/"+lb.LB.ID+"?cascade=true", nil, nil) })
	workerLog := logSize(t, "/var/log/octavia/octavia-worker.log")

	d.relateNetwork()

	// Resources, each once, tagged.
	for kind, tag := range map[string]string{"network": "charm-octavia", "router": "charm-octavia"} {
		if ids := tagged(t, kind, tag); len(ids) != 1 {
			t.Errorf("%ss tagged %s: %v", kind, tag, ids)
		}
	}
	for _, tag := range []string{"charm-octavia", "charm-octavia-health"} {
		if ids := tagged(t, "security group", tag); len(ids) != 1 {
			t.Errorf("security groups tagged %s: %v", tag, ids)
		}
	}
	var subnets []struct {
		Subnet string `json:"Subnet"`
	}
	osc(t, &subnets, "subnet", "list", "--tags", "charm-octavia")
	if len(subnets) != 1 || !strings.HasPrefix(subnets[0].Subnet, "fd00:") {
		t.Errorf("tagged subnets %+v, want one fd00::/8 ULA", subnets)
	}

	p := checkPlumbed(t, d)
	addr := p.FixedIPs[0].IP
	conf, err := os.ReadFile(octavia.ConfPath)
	fatalIf(t, err, "read octavia.conf")
	if !strings.Contains(string(conf), "bind_ip = "+addr+"\n") ||
		!strings.Contains(string(conf), "controller_ip_port_list = "+addr+":5555") {
		t.Errorf("octavia.conf lacks bind_ip/controller_ip_port_list for %s", addr)
	}
	ls := d.model().LeaderData
	if got := octavia.ControllerListSet(ls); len(got) != 1 || got[0] != addr {
		t.Errorf("controller-ip-port-list = %q", ls["controller-ip-port-list"])
	}
	// The health manager listens on the port's address.
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, _ := exec.Command("ss", "-Hlun", "sport = :5555").Output()
		if strings.Contains(string(out), addr) {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("nothing listens on [%s]:5555/udp:\n%s", addr, out)
			break
		}
		time.Sleep(time.Second)
	}

	// The leader told the running amphora its new configuration, once
	// every unit served it (here: the one unit).
	if got := d.model().LeaderData[octavia.LeaderAgentConfig]; got == "" {
		t.Errorf("the amphora agent configuration was not pushed (leader setting %s unset)", octavia.LeaderAgentConfig)
	}
	for end := time.Now().Add(30 * time.Second); ; time.Sleep(time.Second) {
		done := logSince(t, "/var/log/octavia/octavia-worker.log", workerLog, "Finished amphora agent configuration update")
		if done != "" {
			t.Logf("octavia-worker: %s", done)
			break
		}
		if time.Now().After(end) {
			t.Errorf("octavia-worker never updated the amphora's agent configuration")
			break
		}
	}

	// Drift on the machine: repaired by the next hook, from what the unit knows.
	run(t, "ovs-vsctl", "del-port", "br-int", "o-hm0")
	d.mustHook(jujutest.HookEnv{Hook: "update-status"})
	checkPlumbed(t, d)
	run(t, "ip", "link", "set", "dev", "o-hm0", "address", "02:00:00:00:00:01")
	d.mustHook(jujutest.HookEnv{Hook: "update-status"})
	checkPlumbed(t, d)

	// Drift in Neutron: found by the unit's periodic audit.
	osc(t, nil, "port", "set", "--disable", p.ID)
	d.ageAudit()
	d.mustHook(jujutest.HookEnv{Hook: "update-status"})
	if q := checkPlumbed(t, d); !q.AdminUp {
		t.Errorf("port still admin-down after the audit")
	}
	osc(t, nil, "port", "set", "--host", "elsewhere.example", p.ID)
	d.ageAudit()
	d.mustHook(jujutest.HookEnv{Hook: "update-status"})
	if q := checkPlumbed(t, d); q.Host == "elsewhere.example" {
		t.Errorf("port binding host not repaired")
	}

	// Everything again: nothing is created twice.
	for _, h := range []jujutest.HookEnv{{Hook: "config-changed"}, {Hook: "upgrade-charm"}, {Action: "configure-resources"}, {Hook: "update-status"}} {
		d.mustHook(h)
	}
	for kind, tag := range map[string]string{"network": "charm-octavia", "router": "charm-octavia", "port": "charm-octavia-octavia-0"} {
		if ids := tagged(t, kind, tag); len(ids) != 1 {
			t.Errorf("after a rerun, %ss tagged %s: %v", kind, tag, ids)
		}
	}
	if q := unitPort(t); q.ID != p.ID {
		t.Errorf("the port was re-created: %s -> %s", p.ID, q.ID)
	}

	// The unit departs: its port and interface go.
	d.mustHook(jujutest.HookEnv{Hook: "stop"})
	if ids := tagged(t, "port", "charm-octavia-octavia-0"); len(ids) != 0 {
		t.Errorf("ports left after stop: %v", ids)
	}
	if mac, _ := link(t); mac != "" {
		t.Errorf("o-hm0 left after stop")
	}
}

// TestManagementNetworkDiscoverOnly: with create-mgmt-network=false the
// charm only looks; the status lists what is missing until an operator
// creates and tags it.
func TestManagementNetworkDiscoverOnly(t *testing.T) {
	d := deployNoop(t)
	cleanNeutron(t)
	t.Cleanup(func() { cleanNeutron(t) })
	d.update(func(m *jujutest.Model) error { return m.SetConfig("create-mgmt-network", false) })
	d.mustHook(jujutest.HookEnv{Hook: "config-changed"})
	d.relateNetwork()
	st := d.status()
	for _, want := range []string{"blocked Missing cloud resources: ", "charm-octavia-health"} {
		if !strings.Contains(st, want) {
			t.Errorf("status %q lacks %q", st, want)
		}
	}
	if ids := tagged(t, "network", "charm-octavia"); len(ids) != 0 {
		t.Fatalf("create-mgmt-network=false created networks %v", ids)
	}

	// The operator creates and tags them (in the service project).
	svc := struct{ ID string }{servicesProject(t)}
	var net struct {
		ID string `json:"id"`
	}
	osc(t, &net, "network", "create", "--project", svc.ID, "--tag", "charm-octavia", "operator-mgmt-net")
	osc(t, nil, "subnet", "create", "--project", svc.ID, "--network", net.ID, "--tag", "charm-octavia",
		"--ip-version", "6", "--ipv6-ra-mode", "slaac", "--ipv6-address-mode", "slaac",
		"--subnet-range", "fd00:abcd:1:2::/64", "operator-mgmt-subnet")
	osc(t, nil, "security", "group", "create", "--project", svc.ID, "--tag", "charm-octavia", "operator-amp-sg")
	osc(t, nil, "security", "group", "create", "--project", svc.ID, "--tag", "charm-octavia-health", "operator-hm-sg")
	d.mustHook(jujutest.HookEnv{Hook: "update-status"})
	p := checkPlumbed(t, d)
	if !strings.HasPrefix(p.FixedIPs[0].IP, "fd00:abcd:1:2:") {
		t.Errorf("the port is not on the operator's subnet: %+v", p.FixedIPs)
	}
	if ids := tagged(t, "network", "charm-octavia"); len(ids) != 1 || ids[0] != net.ID {
		t.Errorf("networks tagged charm-octavia: %v, want the operator's %s", ids, net.ID)
	}
}

// TestManagementNetworkFaults: duplicate tagged resources and Neutron
// stopped mid-pass give a precise status, create nothing twice, and the
// next pass converges.
func TestManagementNetworkFaults(t *testing.T) {
	d := deployNoop(t)
	cleanNeutron(t)
	t.Cleanup(func() { cleanNeutron(t) })

	// Neutron down when the relations arrive (the providers' data is
	// what they published while it was up).
	api, ovs := provider(t, d.bin, "neutron-api"), provider(t, d.bin, "neutron-openvswitch")
	run(t, filepath.Join(repo, "test/bed/bed.sh"), "stop", "neutron-server")
	t.Cleanup(func() { exec.Command(filepath.Join(repo, "test/bed/bed.sh"), "up").Run() })
	d.relate("neutron-api", "neutron-api", func(map[string]string) map[string]string { return api })
	d.relate("neutron-openvswitch", "neutron-openvswitch-octavia", func(map[string]string) map[string]string { return ovs })
	if st := d.status(); !strings.HasPrefix(st, "waiting ") {
		t.Errorf("with Neutron stopped: %s", st)
	}
	run(t, filepath.Join(repo, "test/bed/bed.sh"), "up")
	d.mustHook(jujutest.HookEnv{Hook: "update-status"})
	checkPlumbed(t, d)

	// A second network tagged charm-octavia: blocked, naming both.
	svc := struct{ ID string }{servicesProject(t)}
	var dup struct {
		ID string `json:"id"`
	}
	osc(t, &dup, "network", "create", "--project", svc.ID, "--tag", "charm-octavia", "second-mgmt-net")
	d.mustHook(jujutest.HookEnv{Action: "configure-resources"})
	st := d.status()
	if !strings.HasPrefix(st, "blocked ") || !strings.Contains(st, dup.ID) {
		t.Errorf("with two tagged networks: %s", st)
	}
	osc(t, nil, "network", "delete", dup.ID)
	d.mustHook(jujutest.HookEnv{Hook: "update-status"})
	checkPlumbed(t, d)
	if ids := tagged(t, "network", "charm-octavia"); len(ids) != 1 {
		t.Errorf("networks tagged charm-octavia after recovery: %v", ids)
	}
}

// logSize is the current length of a log file.
func logSize(t *testing.T, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}

// logSince returns the lines of a log written after offset that contain substr.
func logSince(t *testing.T, path string, offset int64, substr string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil || int64(len(b)) < offset {
		return ""
	}
	var out []string
	for _, l := range strings.Split(string(b[offset:]), "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
