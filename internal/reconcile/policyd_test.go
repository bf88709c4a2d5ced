package reconcile

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"charm-octavia/internal/juju"
	"charm-octavia/internal/juju/jujutest"
	"charm-octavia/internal/octavia"
	"charm-octavia/internal/policyd"
	"charm-octavia/internal/relations/nrpe"
)

// policyZip writes a policyd-override resource holding name → content.
func policyZip(t *testing.T, files map[string]string) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "policyd-override.zip")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestPolicyOverrideLifecycle(t *testing.T) {
	const unit = "octavia/0"
	const deny = policyd.Dir + "/deny.yaml"
	h := newHarness(t, unit)
	h.deploy(true)
	sys := h.systems[unit]
	sys.takeOps()

	// Enabled without a resource: broken, nothing written.
	if err := h.m.SetConfig(policyd.ConfigOption, true); err != nil {
		t.Fatal(err)
	}
	h.hook(unit, "config-changed")
	if st := h.status(unit); st != (juju.Status{Code: "active", Message: "PO (broken): Unit is ready"}) {
		t.Errorf("no resource: status %+v", st)
	}
	if ops := sys.takeOps(); len(ops) != 0 {
		t.Errorf("no resource: %v", ops)
	}

	// A good resource attached: Juju runs upgrade-charm.
	good := policyZip(t, map[string]string{"deny.yaml": `"os_load-balancer_api:provider:get_all": "!"` + "\n"})
	h.m.SetResource(policyd.ResourceName, good)
	h.hook(unit, "upgrade-charm")
	if st := h.status(unit); st != (juju.Status{Code: "active", Message: "PO: Unit is ready"}) {
		t.Errorf("applied: status %+v", st)
	}
	f, ok := sys.files[deny]
	if !ok || f.Owner != "root" || f.Group != "octavia" || f.Mode != 0o640 || !strings.Contains(string(f.Data), "provider:get_all") {
		t.Fatalf("override file %+v", f)
	}
	if ops := strings.Join(sys.takeOps(), "\n"); !strings.Contains(ops, "write "+deny) || !strings.Contains(ops, "reload apache2") ||
		strings.Contains(ops, "restart") {
		t.Errorf("applying did:\n%s", ops)
	}

	// Converged: nothing happens, and update-status does not read the
	// resource (a new file behind Juju's back goes unnoticed).
	for _, hook := range []string{"config-changed", "update-status", "upgrade-charm"} {
		calls := h.hook(unit, hook)
		if ops := sys.takeOps(); len(ops) != 0 {
			t.Errorf("converged %s did %v", hook, ops)
		}
		if hook == "update-status" && calls > 3 {
			t.Errorf("update-status made %d calls", calls)
		}
	}

	// A broken resource: the last good file stays, the status says so.
	broken := policyZip(t, map[string]string{"deny.yaml": "\"os_load-balancer_api:provider:get_all\": [\n"})
	h.m.SetResource(policyd.ResourceName, broken)
	h.hook(unit, "update-status")
	if st := h.status(unit); st.Message != "PO: Unit is ready" {
		t.Errorf("update-status read the resource: %+v", st)
	}
	h.hook(unit, "upgrade-charm")
	if st := h.status(unit); st != (juju.Status{Code: "active", Message: "PO (broken): Unit is ready"}) {
		t.Errorf("broken: status %+v", st)
	}
	if ops := sys.takeOps(); len(ops) != 0 || !bytes.Equal(sys.files[deny].Data, f.Data) {
		t.Errorf("a broken resource changed the unit: %v", ops)
	}
	// admin_required is refused the same way.
	h.m.SetResource(policyd.ResourceName, policyZip(t, map[string]string{"admin.yaml": `"admin_required": "@"`}))
	h.hook(unit, "upgrade-charm")
	if st := h.status(unit); st.Message != "PO (broken): Unit is ready" || len(sys.takeOps()) != 0 {
		t.Errorf("admin_required: status %+v", st)
	}

	// The good one again, then a different one: the old file goes.
	h.m.SetResource(policyd.ResourceName, good)
	h.hook(unit, "upgrade-charm")
	if st := h.status(unit); st.Message != "PO: Unit is ready" || len(sys.takeOps()) != 0 {
		t.Errorf("good again: status %+v", st)
	}
	h.m.SetResource(policyd.ResourceName, policyZip(t, map[string]string{"other.yml": `"os_load-balancer_api:quota:get_all": "!"`}))
	h.hook(unit, "upgrade-charm")
	if _, ok := sys.files[deny]; ok {
		t.Error("the replaced override is still there")
	}
	if _, ok := sys.files[policyd.Dir+"/other.yaml"]; !ok {
		t.Error("the new override is missing")
	}
	if ops := strings.Join(sys.takeOps(), "\n"); strings.Count(ops, "reload apache2") != 1 {
		t.Errorf("replacing did:\n%s", ops)
	}

	// Disabled: the charm's files go, the package's stay, the prefix goes.
	sys.files[policyd.Dir+"/00_default_policy.yaml"] = octavia.File{Path: policyd.Dir + "/00_default_policy.yaml"}
	if err := h.m.SetConfig(policyd.ConfigOption, false); err != nil {
		t.Fatal(err)
	}
	h.hook(unit, "config-changed")
	if st := h.status(unit); st != (juju.Status{Code: "active", Message: "Unit is ready"}) {
		t.Errorf("disabled: status %+v", st)
	}
	ops := strings.Join(sys.takeOps(), "\n")
	if ops != "remove "+policyd.Dir+"/other.yaml\nreload apache2" {
		t.Errorf("disabling did:\n%s", ops)
	}
	if _, ok := sys.files[policyd.Dir+"/00_default_policy.yaml"]; !ok {
		t.Error("the packaged policy was removed")
	}
}

func TestNRPEMonitoring(t *testing.T) {
	const unit = "octavia/0"
	h := newHarness(t, unit)
	h.deploy(true)
	sys := h.systems[unit]
	sys.installed[octavia.SvcNRPE] = true
	sys.installed["user:nagios"] = true
	sys.running[octavia.SvcNRPE] = true
	sys.takeOps()

	r := h.m.AddRelation(octavia.EndpointNRPE, "nrpe")
	r.AddRemoteUnit("nrpe/0", map[string]string{"nagios_hostname": "juju-octavia-0", "nagios_host_context": "juju"})
	h.relationHooks(unit, r.ID, "nrpe/0")
	bag := r.LocalUnitData(unit)
	for _, check := range []string{"memcached", "apache2", "haproxy", "octavia-worker", "octavia-health-manager",
		"octavia-housekeeping", "cert_issuing_ca", "cert_controller_ca", "cert_controller_cert"} {
		if !strings.Contains(bag["monitors"], " "+check+":\n        command: check_"+check+"\n") {
			t.Errorf("monitors lack %s:\n%s", check, bag["monitors"])
		}
		if _, ok := sys.files[nrpe.ConfDir+"/check_"+check+".cfg"]; !ok {
			t.Errorf("no check file for %s", check)
		}
	}
	if bag["primary"] != "True" {
		t.Errorf("primary = %q", bag["primary"])
	}
	// The nagios user joins octavia to read the certificates, which needs
	// an nrpe restart; nothing of Octavia restarts.
	if ops := strings.Join(sys.takeOps(), "\n"); !strings.Contains(ops, "usermod -a -G octavia nagios\nrestart "+octavia.SvcNRPE) ||
		strings.Count(ops, "restart ") != 1 || strings.Contains(ops, "reload ") || !strings.Contains(ops, "write "+nrpe.CertCheckPlugin) {
		t.Errorf("relating nrpe did:\n%s", ops)
	}

	// Converged: nothing written, nothing published again.
	for _, env := range []jujutest.HookEnv{{Hook: "config-changed"}, {Hook: "update-status"}, {Hook: "upgrade-charm"},
		{Hook: "nrpe-external-master-relation-changed", RelationID: r.ID, RemoteUnit: "nrpe/0"}} {
		calls := h.toolCalls(unit, env)
		if ops := sys.takeOps(); len(ops) != 0 {
			t.Errorf("converged %s did %v", env.Hook, ops)
		}
		if calls["relation-set"] != 0 || calls["status-set"] != 0 {
			t.Errorf("converged %s called %v", env.Hook, calls)
		}
	}

	// tls_warn_days changes the certificate checks' command.
	if err := h.m.SetConfig("tls_warn_days", 45); err != nil {
		t.Fatal(err)
	}
	h.hook(unit, "config-changed")
	cfg := string(sys.files[nrpe.ConfDir+"/check_cert_issuing_ca.cfg"].Data)
	if !strings.Contains(cfg, " -C 14,45 "+octavia.CertDir+"/issuing_ca.pem\n") {
		t.Errorf("check after tls_warn_days=45:\n%s", cfg)
	}
	ops := strings.Join(sys.takeOps(), "\n")
	if strings.Count(ops, "write ") != 3 || strings.Count(ops, "reload "+octavia.SvcNRPE) != 1 || strings.Contains(ops, "apache2") {
		t.Errorf("tls_warn_days change did:\n%s", ops)
	}

	// nrpe goes away: the check files go, the relation data stays behind.
	r.DepartRemoteUnit("nrpe/0")
	h.mustRun(unit, jujutest.HookEnv{Hook: "nrpe-external-master-relation-departed", RelationID: r.ID, RemoteUnit: "nrpe/0", DepartingUnit: "nrpe/0"})
	h.m.BreakRelation(r.ID)
	h.mustRun(unit, jujutest.HookEnv{Hook: "nrpe-external-master-relation-broken", RelationID: r.ID})
	for p := range sys.files {
		if strings.HasPrefix(p, nrpe.ConfDir) || p == nrpe.CertCheckPlugin || p == octavia.ControllerCertOnlyPath {
			t.Errorf("%s left after nrpe went away", p)
		}
	}
	if st := h.status(unit); st.Code != "active" {
		t.Errorf("status %+v", st)
	}
}

func (h *harness) mustRun(unit string, env jujutest.HookEnv) {
	h.t.Helper()
	if _, err := h.run(unit, env); err != nil {
		h.t.Fatalf("%s on %s: %v", env.Hook, unit, err)
	}
}
