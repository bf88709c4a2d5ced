package nrpe

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"charm-octavia/internal/relations"
)

// upstreamChecks are the checks the upstream charm registers for a unit
// without hacluster (full_service_list) and the three control-plane
// certificates, tls_crit_days 14 and tls_warn_days 30 (the defaults), plus
// one check whose arguments need shell quoting.
func upstreamChecks(t *testing.T) []Check {
	t.Helper()
	checks := ServiceChecks([]string{"apache2", "octavia-health-manager", "octavia-housekeeping",
		"octavia-worker", "memcached", "haproxy"}, "octavia/0", false)
	for _, f := range []string{"issuing_ca.pem", "controller_ca.pem", "controller_cert.pem"} {
		c, err := CertificateCheck("/etc/octavia/certs/"+f, 14, 30)
		if err != nil {
			t.Fatal(err)
		}
		checks = append(checks, c)
	}
	return append(checks, Check{Shortname: "quoted", Description: "d",
		Command: []string{PluginDir + "/check_x", "a b", "it's", ""}})
}

// TestFilesMatchCharmHelpers compares with testdata/, which is what
// charm-helpers' charmsupport/nrpe.py (Check.write, write_service_config and
// yaml.dump of the monitors) writes for the same checks, with nagios_context
// and servicegroups "juju" and nagios_hostname "juju-octavia-0".
func TestFilesMatchCharmHelpers(t *testing.T) {
	checks := upstreamChecks(t)
	files, err := CheckFiles(checks, ServiceGroups("juju", ""))
	if err != nil {
		t.Fatal(err)
	}
	services, err := ServiceFiles(checks, Hostname(Remote{}, "juju", "octavia/0"), "juju")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{}
	for dir, prefix := range map[string]string{"nrpe.d": ConfDir, "export": ExportDir} {
		entries, err := os.ReadDir(filepath.Join("testdata", dir))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join("testdata", dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			want[prefix+"/"+e.Name()] = b
		}
	}
	got := map[string][]byte{}
	for p, b := range files {
		got[p] = b
	}
	for p, b := range services {
		got[p] = b
	}
	if len(got) != len(want) {
		t.Errorf("%d files, want %d", len(got), len(want))
	}
	for p, w := range want {
		if !bytes.Equal(got[p], w) {
			t.Errorf("%s =\n%s\nwant\n%s", p, got[p], w)
		}
	}

	monitors, err := Monitors(checks)
	if err != nil {
		t.Fatal(err)
	}
	wantMonitors, err := os.ReadFile("testdata/monitors.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if monitors != string(wantMonitors) {
		t.Errorf("Monitors =\n%s\nwant\n%s", monitors, wantMonitors)
	}
}

func TestPublish(t *testing.T) {
	checks := ServiceChecks([]string{"apache2", "octavia-worker", "haproxy", "apache2"}, "octavia/0", true)
	got, err := Publish(checks)
	if err != nil {
		t.Fatal(err)
	}
	want := relations.Bag{
		"primary": "True",
		"monitors": "monitors:\n  remote:\n    nrpe:\n" +
			"      apache2:\n        command: check_apache2\n" +
			"      octavia-worker:\n        command: check_octavia-worker\n",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Publish =\n%v\nwant\n%v", got, want)
	}
	empty, err := Publish(nil)
	if err != nil || empty["monitors"] != "monitors:\n  remote:\n    nrpe: {}\n" {
		t.Errorf("Publish(nil) = %q, %v", empty["monitors"], err)
	}
	quoted, err := Monitors([]Check{{Shortname: "yes", Command: []string{"/bin/true"}}})
	if err != nil || !strings.Contains(quoted, "      'yes':\n        command: check_yes\n") {
		t.Errorf("a YAML boolean word is not quoted as PyYAML does: %q, %v", quoted, err)
	}
}

func TestServiceChecks(t *testing.T) {
	got := ServiceChecks([]string{"apache2", "haproxy"}, "ctx:octavia/0", false)
	want := []Check{
		{Shortname: "apache2", Description: "process check {ctx:octavia/0}", Command: []string{"/usr/local/lib/nagios/plugins/check_systemd.py", "apache2"}},
		{Shortname: "haproxy", Description: "process check {ctx:octavia/0}", Command: []string{"/usr/local/lib/nagios/plugins/check_systemd.py", "haproxy"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ServiceChecks = %v", got)
	}
	if got[0].CommandLine() != "/usr/local/lib/nagios/plugins/check_systemd.py apache2" || got[0].Name() != "check_apache2" {
		t.Errorf("CommandLine = %q, Name = %q", got[0].CommandLine(), got[0].Name())
	}
}

func TestCertificateCheck(t *testing.T) {
	c, err := CertificateCheck("/etc/octavia/certs/controller_cert.pem", 7, 21)
	if err != nil {
		t.Fatal(err)
	}
	want := Check{Shortname: "cert_controller_cert", Description: "Check Certificate controller_cert.pem",
		Command: []string{CertCheckPlugin, "-C", "7,21", "/etc/octavia/certs/controller_cert.pem"}}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("CertificateCheck = %v", c)
	}
	for _, bad := range []struct {
		file       string
		crit, warn int
	}{
		{"certs/x.pem", 14, 30},
		{"/etc/x\n.pem", 14, 30},
		{"/etc/octavia/certs/issuing_ca.pem", -1, 30},
		{"/etc/octavia/certs/issuing_ca.pem", 14, 40000},
		{"/etc/octavia/certs/1.pem", 14, 30}, // shortname cert_1 is fine, but
	} {
		_, err := CertificateCheck(bad.file, bad.crit, bad.warn)
		if bad.file == "/etc/octavia/certs/1.pem" {
			if err != nil {
				t.Errorf("CertificateCheck(%s): %v", bad.file, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("CertificateCheck(%q, %d, %d) accepted", bad.file, bad.crit, bad.warn)
		}
	}
}

func TestValidation(t *testing.T) {
	good := Check{Shortname: "a", Command: []string{"/bin/true"}}
	for _, c := range []Check{
		{Shortname: "", Command: []string{"/bin/true"}},
		{Shortname: "1a", Command: []string{"/bin/true"}},
		{Shortname: "a b", Command: []string{"/bin/true"}},
		{Shortname: "a:b", Command: []string{"/bin/true"}},
		{Shortname: "a", Command: []string{"true"}},
		{Shortname: "a", Command: nil},
		{Shortname: "a", Description: "x\ny", Command: []string{"/bin/true"}},
		{Shortname: "a", Command: []string{"/bin/true", "x\n"}},
	} {
		if _, err := Monitors([]Check{c}); err == nil {
			t.Errorf("Monitors accepted %#v", c)
		}
		if _, err := CheckFiles([]Check{c}, "juju"); err == nil {
			t.Errorf("CheckFiles accepted %#v", c)
		}
	}
	if _, err := Monitors([]Check{good, {Shortname: "a", Command: []string{"/bin/false"}}}); err == nil {
		t.Error("two different checks under one name accepted")
	}
	if _, err := Monitors([]Check{good, good}); err != nil {
		t.Errorf("the same check twice: %v", err)
	}
	if _, err := ServiceFiles([]Check{good}, "../../etc", "juju"); err == nil {
		t.Error("ServiceFiles accepted a host name with '/'")
	}
	if _, err := CheckFiles([]Check{good}, "juju\ncommand[x]=/bin/sh"); err == nil {
		t.Error("CheckFiles accepted a line break in servicegroups")
	}
}

func TestCheckFilesWithoutServiceGroups(t *testing.T) {
	files, err := CheckFiles([]Check{{Shortname: "a", Command: []string{"/bin/true"}}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := string(files["/etc/nagios/nrpe.d/check_a.cfg"]); got != "# check a\ncommand[check_a]=/bin/true\n" {
		t.Errorf("check_a.cfg = %q", got)
	}
}

func TestParseAndNames(t *testing.T) {
	tests := []struct {
		name      string
		e         relations.Endpoint
		readiness relations.Readiness
		hostname  string // Hostname(remote, "juju", "octavia/0")
		unitName  string // UnitName(remote, "octavia/0")
	}{
		{"not related", nil, relations.Missing, "juju-octavia-0", "octavia/0"},
		{"joined, nothing published yet", relations.Endpoint{{ID: "nrpe-external-master:7",
			Units: map[string]relations.Bag{"nrpe/0": {}}}}, relations.Ready, "juju-octavia-0", "octavia/0"},
		{"§13 answer", relations.Endpoint{{ID: "nrpe-external-master:7",
			Units: map[string]relations.Bag{"nrpe/0": {"nagios_hostname": "prod-octavia-0", "nagios_host_context": "prod"}}}},
			relations.Ready, "prod-octavia-0", "prod:octavia/0"},
		{"hostname unusable in a file name is ignored", relations.Endpoint{{ID: "nrpe-external-master:7",
			Units: map[string]relations.Bag{"nrpe/0": {"nagios_hostname": "../x", "nagios_host_context": "a\nb"}}}},
			relations.Ready, "juju-octavia-0", "octavia/0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, readiness := Parse(tt.e)
			if readiness != tt.readiness {
				t.Errorf("readiness = %v", readiness)
			}
			if h := Hostname(r, "juju", "octavia/0"); h != tt.hostname {
				t.Errorf("Hostname = %s, want %s", h, tt.hostname)
			}
			if u := UnitName(r, "octavia/0"); u != tt.unitName {
				t.Errorf("UnitName = %s, want %s", u, tt.unitName)
			}
		})
	}
	if ServiceGroups("juju", "") != "juju" || ServiceGroups("juju", "ops,octavia") != "ops,octavia" {
		t.Error("ServiceGroups")
	}
}

func TestShellQuote(t *testing.T) {
	// Python's shlex.quote.
	for in, want := range map[string]string{
		"14,30": "14,30", "/etc/octavia/certs/issuing_ca.pem": "/etc/octavia/certs/issuing_ca.pem",
		"a b": "'a b'", "it's": `'it'"'"'s'`, "": "''", "x$y": "'x$y'", "é": "'é'", "a@b%c+d=e:f": "a@b%c+d=e:f",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

// TestCertCheckScript runs the plugin under every POSIX shell available,
// with openssl, against certificates expiring at various distances.
func TestCertCheckScript(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed")
	}
	var shells []string
	seen := map[string]bool{}
	for _, sh := range []string{"sh", "dash", "bash", "busybox"} {
		p, err := exec.LookPath(sh)
		if err != nil {
			continue
		}
		if real, err := filepath.EvalSymlinks(p); err == nil && !seen[real] {
			seen[real] = true
			shells = append(shells, sh)
		}
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "check_octavia_cert")
	if err := os.WriteFile(script, CertCheckScript(), 0o755); err != nil {
		t.Fatal(err)
	}
	day := 24 * time.Hour
	write := func(name string, notAfter time.Duration, withKey bool) string {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
			NotBefore: time.Now().Add(-400 * day), NotAfter: time.Now().Add(notAfter)}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
		if err != nil {
			t.Fatal(err)
		}
		text := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
		if withKey {
			k, _ := x509.MarshalECPrivateKey(key)
			text = append(text, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: k})...)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, text, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ok := write("ok.pem", 60*day, false)
	bundle := write("bundle.pem", 60*day, true)
	warn := write("warn.pem", 20*day, false)
	crit := write("crit.pem", 3*day, false)
	expired := write("expired.pem", -day, false)
	garbage := filepath.Join(dir, "garbage.pem")
	os.WriteFile(garbage, []byte("not a certificate\n"), 0o600)

	tests := []struct {
		args   []string
		code   int
		prefix string
	}{
		{[]string{"-C", "14,30", ok}, 0, "OK: "},
		{[]string{"-C", "14,30", bundle}, 0, "OK: "},
		{[]string{"-C", "14,30", warn}, 1, "WARNING: "},
		{[]string{"-C", "14,30", crit}, 2, "CRITICAL: "},
		{[]string{"-C", "14,30", expired}, 2, "CRITICAL: "},
		{[]string{"-C", "14", warn}, 0, "OK: "},  // no warning threshold: warn = crit
		{[]string{warn}, 0, "OK: "},              // -C defaults to 14
		{[]string{"-C", "0,0", crit}, 0, "OK: "}, // zero days: only expiry is critical
		{[]string{"-C", "0,0", expired}, 2, "CRITICAL: "},
		{[]string{"-C", "14,30", garbage}, 3, "UNKNOWN: "},
		{[]string{"-C", "14,30", filepath.Join(dir, "missing.pem")}, 3, "UNKNOWN: "},
		{[]string{"-C", "x,30", ok}, 3, "UNKNOWN: "},
		{[]string{"-C", "14,", ok}, 3, "UNKNOWN: "},
		{[]string{"-C", "1000000", ok}, 3, "UNKNOWN: "},
		{[]string{"-C", "14,30"}, 3, "UNKNOWN: "},
		{[]string{"-x", ok}, 3, "UNKNOWN: "},
		{[]string{"-C", "14,30", ok, ok}, 3, "UNKNOWN: "},
	}
	for _, sh := range shells {
		for _, tt := range tests {
			t.Run(sh+" "+strings.Join(tt.args, " "), func(t *testing.T) {
				t.Parallel()
				argv := append([]string{script}, tt.args...)
				if sh == "busybox" {
					argv = append([]string{"sh"}, argv...)
				}
				cmd := exec.Command(sh, argv...)
				cmd.Env = []string{"LC_ALL=C"}
				out, err := cmd.Output()
				code := 0
				var ee *exec.ExitError
				if errors.As(err, &ee) {
					code = ee.ExitCode()
				} else if err != nil {
					t.Fatalf("%s: %v", sh, err)
				}
				lines := strings.Split(strings.TrimSpace(string(out)), "\n")
				if code != tt.code || len(lines) != 1 || !strings.HasPrefix(lines[0], tt.prefix) {
					t.Errorf("exit %d, output %q; want exit %d, %q…", code, out, tt.code, tt.prefix)
				}
			})
		}
	}
}
