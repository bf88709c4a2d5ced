package octavia

import (
	"archive/zip"
	"bytes"
	"strings"
	"testing"

	"charm-octavia/internal/policyd"
)

// overrides builds validated policy files from name → YAML.
func overrides(t *testing.T, files map[string]string) policyd.Overrides {
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
	o, err := policyd.Load(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func filesUnder(pl Plan, dir string) map[string]File {
	out := map[string]File{}
	for _, f := range pl.Files {
		if strings.HasPrefix(f.Path, dir+"/") {
			out[f.Path] = f
		}
	}
	return out
}

func TestPlanPolicyOverrides(t *testing.T) {
	o := overrides(t, map[string]string{"deny.yaml": `"os_load-balancer_api:provider:get_all": "!"`})
	p := NewPlanner()

	// Disabled: no file, no prefix, even with a resource cached.
	in := noop(readyInputs(t))
	in.Policy.Files = o.Files(policyd.Dir)
	pl := p.Plan(in)
	if got := filesUnder(pl, policyd.Dir); len(got) != 0 || pl.StatusPrefix != "" {
		t.Errorf("disabled: files %v, prefix %q", got, pl.StatusPrefix)
	}

	// Enabled and applied: root:octavia 0640, reloads Apache; "PO: ".
	in.Config.UsePolicydOverride = true
	pl = p.Plan(in)
	got := filesUnder(pl, policyd.Dir)
	f, ok := got[policyd.Dir+"/deny.yaml"]
	if len(got) != 1 || !ok {
		t.Fatalf("enabled: policy files %v", got)
	}
	if f.Owner != "root" || f.Group != "octavia" || f.Mode != 0o640 || len(f.Reload) != 1 || f.Reload[0] != SvcApache || len(f.Restart) != 0 {
		t.Errorf("policy file %s:%s %v restart %v reload %v", f.Owner, f.Group, f.Mode, f.Restart, f.Reload)
	}
	if !strings.Contains(string(f.Data), `os_load-balancer_api:provider:get_all: '!'`) {
		t.Errorf("policy file content:\n%s", f.Data)
	}
	if pl.StatusPrefix != "PO: " || StatusOf(pl.Reasons) != Ready {
		t.Errorf("prefix %q, status %v", pl.StatusPrefix, StatusOf(pl.Reasons))
	}
	if len(pl.Installed) != 1 || pl.Installed[0] != policyd.Dir+"/deny.yaml" || len(pl.Remove) != 0 {
		t.Errorf("installed %v, remove %v", pl.Installed, pl.Remove)
	}
	var dirOK bool
	for _, d := range pl.Dirs {
		dirOK = dirOK || d == Dir{Path: policyd.Dir, Owner: "root", Group: "root", Mode: 0o755}
	}
	if !dirOK {
		t.Errorf("policy.d not among the directories %v", pl.Dirs)
	}

	// Broken resource: the last good files stay, "PO (broken): ".
	in.Policy.Problem = `"x.yaml": invalid YAML: line 1`
	pl = p.Plan(in)
	if _, ok := filesUnder(pl, policyd.Dir)[policyd.Dir+"/deny.yaml"]; !ok || pl.StatusPrefix != "PO (broken): " {
		t.Errorf("broken: files %v, prefix %q", filesUnder(pl, policyd.Dir), pl.StatusPrefix)
	}
	// Broken with nothing good before: nothing installed, still broken.
	in.Policy.Files = nil
	pl = p.Plan(in)
	if len(filesUnder(pl, policyd.Dir)) != 0 || pl.StatusPrefix != "PO (broken): " {
		t.Errorf("broken without files: %v %q", filesUnder(pl, policyd.Dir), pl.StatusPrefix)
	}

	// The prefix holds for every status, blocked ones included.
	in.Config.LoadBalancerTopology = "BOTH"
	pl = p.Plan(in)
	if pl.StatusPrefix != "PO (broken): " || StatusOf(pl.Reasons).Code != "blocked" {
		t.Errorf("bad config: prefix %q status %v", pl.StatusPrefix, StatusOf(pl.Reasons))
	}
}

func TestPlanRemovesOnlyWhatItInstalled(t *testing.T) {
	p := NewPlanner()
	in := noop(readyInputs(t))
	in.Installed = []string{
		policyd.Dir + "/deny.yaml",              // installed before, now disabled
		policyd.Dir + "/00_default_policy.yaml", // the package's: never
		"/etc/octavia/octavia.conf",             // not optional: never
		"/etc/nagios/nrpe.d/check_haproxy.cfg",  // the nrpe relation went away
	}
	pl := p.Plan(in)
	var removed []string
	for _, f := range pl.Remove {
		removed = append(removed, f.Path)
		switch f.Path {
		case policyd.Dir + "/deny.yaml":
			if len(f.Reload) != 1 || f.Reload[0] != SvcApache {
				t.Errorf("removing %s reloads %v", f.Path, f.Reload)
			}
		case "/etc/nagios/nrpe.d/check_haproxy.cfg":
			if len(f.Reload) != 1 || f.Reload[0] != SvcNRPE {
				t.Errorf("removing %s reloads %v", f.Path, f.Reload)
			}
		}
	}
	if strings.Join(removed, " ") != policyd.Dir+"/deny.yaml /etc/nagios/nrpe.d/check_haproxy.cfg" {
		t.Errorf("removed %v", removed)
	}
	if len(pl.Installed) != 0 {
		t.Errorf("installed %v", pl.Installed)
	}

	// A plan that does not configure the unit removes nothing.
	in.Relations = nil
	if pl := p.Plan(in); pl.Configure || len(pl.Remove) != 0 {
		t.Errorf("unconfigured plan removes %v", pl.Remove)
	}
}

func TestCheckPolicyOverrides(t *testing.T) {
	if err := CheckPolicyOverrides(overrides(t, map[string]string{"a/00_default_policy.yml": `"x": "!"`})); err == nil ||
		!strings.Contains(err.Error(), "00_default_policy.yaml") {
		t.Errorf("replacing the packaged policy: %v", err)
	}
	if err := CheckPolicyOverrides(overrides(t, map[string]string{"deny.yaml": `"x": "!"`})); err != nil {
		t.Error(err)
	}
}
