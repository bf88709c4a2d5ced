package octavia

import (
	"strings"
	"testing"

	"charm-octavia/internal/relations"
	"charm-octavia/internal/relations/nrpe"
)

// withNRPE relates an nrpe unit that published remote.
func withNRPE(in Inputs, remote relations.Bag) Inputs {
	in.Relations[EndpointNRPE] = rel("nrpe-external-master:7", "nrpe", map[string]relations.Bag{"nrpe/0": remote})
	return in
}

func TestPlanMonitoring(t *testing.T) {
	p := NewPlanner()
	in := withNRPE(noop(readyInputs(t)), relations.Bag{})
	pl := p.Plan(in)
	if st := StatusOf(pl.Reasons); st != Ready || !pl.Configure {
		t.Fatalf("status %v", st)
	}

	// Published: every service check and the three certificate checks.
	bag := pl.Publish["nrpe-external-master:7"]
	if bag["primary"] != "True" {
		t.Errorf("primary = %q", bag["primary"])
	}
	for _, check := range []string{"memcached", "apache2", "haproxy", "octavia-worker", "octavia-health-manager",
		"octavia-housekeeping", "cert_issuing_ca", "cert_controller_ca", "cert_controller_cert"} {
		if !strings.Contains(bag["monitors"], "      "+check+":\n        command: check_"+check+"\n") {
			t.Errorf("monitors lack %s:\n%s", check, bag["monitors"])
		}
	}

	files := map[string]File{}
	for _, f := range pl.Files {
		files[f.Path] = f
	}
	cfg := files[nrpe.ConfDir+"/check_cert_controller_cert.cfg"]
	want := "command[check_cert_controller_cert]=" + nrpe.CertCheckPlugin + " -C 14,30 " + ControllerCertOnlyPath + "\n"
	if !strings.HasSuffix(string(cfg.Data), want) || !strings.Contains(string(cfg.Data), "# servicegroups: juju\n") {
		t.Errorf("check file:\n%s\nwant it to end with %s", cfg.Data, want)
	}
	if len(cfg.Reload) != 1 || cfg.Reload[0] != SvcNRPE || cfg.Mode != 0o644 {
		t.Errorf("check file reloads %v, mode %v", cfg.Reload, cfg.Mode)
	}
	if svc := files[nrpe.ConfDir+"/check_octavia-worker.cfg"]; !strings.Contains(string(svc.Data), "command[check_octavia-worker]="+nrpe.SystemdPlugin+" octavia-worker\n") {
		t.Errorf("service check:\n%s", svc.Data)
	}
	plugin := files[nrpe.CertCheckPlugin]
	if plugin.Mode != 0o755 || string(plugin.Data) != string(nrpe.CertCheckScript()) {
		t.Errorf("plugin %v", plugin.Mode)
	}
	b, _ := testPKI(t)
	certOnly := files[ControllerCertOnlyPath]
	if string(certOnly.Data) != string(b.ControllerCert) || strings.Contains(string(certOnly.Data), "PRIVATE KEY") || certOnly.Mode != 0o640 {
		t.Errorf("certificate-only file %v:\n%s", certOnly.Mode, certOnly.Data)
	}
	for p := range files {
		if strings.HasPrefix(p, nrpe.ExportDir) {
			t.Errorf("%s written without the export directory", p)
		}
	}
	if len(pl.Installed) != 11 || len(pl.ReloadOthers) != 1 || pl.ReloadOthers[0] != SvcNRPE {
		t.Errorf("installed %v, reload others %v", pl.Installed, pl.ReloadOthers)
	}
	if len(pl.Memberships) != 1 || pl.Memberships[0] != (Membership{"nagios", "octavia"}) {
		t.Errorf("memberships %v", pl.Memberships)
	}
	if pl := p.Plan(noop(readyInputs(t))); len(pl.Memberships) != 0 {
		t.Errorf("memberships without nrpe %v", pl.Memberships)
	}
	for _, d := range []string{"/etc/nagios", nrpe.ConfDir, "/usr/local/lib/nagios", nrpe.PluginDir} {
		found := false
		for _, dir := range pl.Dirs {
			found = found || dir == Dir{Path: d, Owner: "root", Group: "root", Mode: 0o755}
		}
		if !found {
			t.Errorf("plan does not create %s: %v", d, pl.Dirs)
		}
	}

	// Thresholds, servicegroups and the Nagios host name come from config
	// (the service definitions only where nrpe exports them).
	in.Config.TLSWarnDays, in.Config.TLSCritDays = 60, 7
	in.Config.NagiosContext, in.Config.NagiosServiceGroups = "prod", ""
	in.Host.NagiosExport = true
	pl = p.Plan(in)
	files = map[string]File{}
	for _, f := range pl.Files {
		files[f.Path] = f
	}
	if cfg := string(files[nrpe.ConfDir+"/check_cert_issuing_ca.cfg"].Data); !strings.Contains(cfg, " -C 7,60 /etc/octavia/certs/issuing_ca.pem\n") ||
		!strings.Contains(cfg, "# servicegroups: prod\n") {
		t.Errorf("check file after config change:\n%s", cfg)
	}
	export := string(files[nrpe.ExportDir+"/service__prod-octavia-0_check_haproxy.cfg"].Data)
	if !strings.Contains(export, "host_name                       prod-octavia-0\n") || !strings.Contains(export, "servicegroups                   prod\n") {
		t.Errorf("service definition:\n%s", export)
	}

	// The host name nrpe answers with wins; its host context names the unit.
	in = withNRPE(in, relations.Bag{"nagios_hostname": "juju-host-7", "nagios_host_context": "cloud1"})
	pl = p.Plan(in)
	for _, f := range pl.Files {
		if strings.HasPrefix(f.Path, nrpe.ExportDir) && !strings.Contains(f.Path, "/service__juju-host-7_check_") {
			t.Errorf("service definition %s", f.Path)
		}
		if f.Path == nrpe.ExportDir+"/service__juju-host-7_check_apache2.cfg" && !strings.Contains(string(f.Data), "process check {cloud1:octavia/0}") {
			t.Errorf("service definition:\n%s", f.Data)
		}
	}
}

func TestPlanMonitoringHAProxyInPacemaker(t *testing.T) {
	in := withNRPE(noop(readyInputs(t)), relations.Bag{})
	in.Relations[EndpointHA] = relations.Endpoint{{ID: "ha:8", RemoteApp: "hacluster",
		Local: relations.Bag{"json_resources": `{"res_octavia_haproxy": "lsb:haproxy"}`}}}
	monitors := NewPlanner().Plan(in).Publish["nrpe-external-master:7"]["monitors"]
	if monitors == "" || strings.Contains(monitors, "check_haproxy") {
		t.Errorf("monitors with haproxy in pacemaker:\n%s", monitors)
	}
}

func TestPlanMonitoringBadOptions(t *testing.T) {
	for _, c := range []struct {
		mutate func(*Config)
		want   string
	}{
		{func(c *Config) { c.TLSWarnDays = -1 }, "tls_warn_days: must be between 0 and 36500 days"},
		{func(c *Config) { c.TLSCritDays = 40000 }, "tls_crit_days: must be between 0 and 36500 days"},
		{func(c *Config) { c.NagiosContext = "my cloud" }, "nagios_context: must hold only letters"},
		{func(c *Config) { c.NagiosServiceGroups = "a\nb" }, "nagios_servicegroups: must be a single line"},
	} {
		in := withNRPE(noop(readyInputs(t)), relations.Bag{})
		c.mutate(&in.Config)
		st := StatusOf(NewPlanner().Plan(in).Reasons)
		if st.Code != "blocked" || !strings.HasPrefix(st.Message, c.want) {
			t.Errorf("status %v, want blocked %q", st, c.want)
		}
		// Without nrpe the options are not used.
		delete(in.Relations, EndpointNRPE)
		if st := StatusOf(NewPlanner().Plan(in).Reasons); st != Ready {
			t.Errorf("without nrpe: %v", st)
		}
	}
}
