//go:build functional

package functional

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Tempest and stestr from Debian's packages (tempest, octavia-tempest-plugin):
// always by absolute path with /usr/bin/python3 — the python3 first on a
// developer's PATH may be a pyenv shim without the OpenStack libraries.
const (
	tempestBin    = "/usr/bin/tempest"
	stestrBin     = "/usr/bin/stestr"
	subunit2csv   = "/usr/bin/subunit2csv"
	systemPython3 = "/usr/bin/python3"
)

// tempestWorkspace is one `tempest init` directory with its own HOME, so
// that tempest's workspace registry (~/.tempest/workspace.yaml) is neither
// read nor written outside the test's temporary directory: `tempest init`
// refuses a workspace name (the directory's base name, "001" for
// t.TempDir) that an earlier run registered.
type tempestWorkspace struct {
	t    *testing.T
	dir  string
	home string
}

func newTempestWorkspace(t *testing.T) *tempestWorkspace {
	t.Helper()
	for _, p := range []string{tempestBin, stestrBin, subunit2csv, systemPython3} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%s missing: apt-get install tempest octavia-tempest-plugin", p)
		}
	}
	if _, err := os.Stat("/usr/lib/python3/dist-packages/octavia_tempest_plugin"); err != nil {
		t.Fatal("octavia_tempest_plugin missing: apt-get install octavia-tempest-plugin")
	}
	base := t.TempDir()
	w := &tempestWorkspace{t: t, dir: filepath.Join(base, "tempest"), home: filepath.Join(base, "home")}
	fatalIf(t, os.MkdirAll(w.home, 0o700), "mkdir home")
	w.command(context.Background(), tempestBin, "init", w.dir).mustRun(t)
	return w
}

// env is the environment tempest and its stestr workers run in: system
// Python, loopback without any proxy, a private HOME.
func (w *tempestWorkspace) env() []string {
	return []string{
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"HOME=" + w.home, "LANG=C.UTF-8", "PYTHON=" + systemPython3,
		"NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost",
	}
}

type cmd struct{ *exec.Cmd }

func (w *tempestWorkspace) command(ctx context.Context, name string, args ...string) cmd {
	c := exec.CommandContext(ctx, name, args...)
	c.Dir = w.dir
	if _, err := os.Stat(w.dir); err != nil {
		c.Dir = w.home
	}
	c.Env = w.env()
	// tempest run forks stestr workers: on a timeout stop the whole group.
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	c.Cancel = func() error { return syscall.Kill(-c.Process.Pid, syscall.SIGTERM) }
	c.WaitDelay = 30 * time.Second
	return cmd{c}
}

func (c cmd) mustRun(t *testing.T) string {
	t.Helper()
	var out bytes.Buffer
	c.Stdout, c.Stderr = &out, &out
	if err := c.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(c.Args, " "), err, out.String())
	}
	return out.String()
}

// tempestConf is what this deployment needs in tempest.conf.
type tempestConf struct {
	openrc          map[string]string
	providerDrivers string // [load_balancer] enabled_provider_drivers
}

// writeConf writes etc/tempest.conf, 0600: it holds the admin password.
func (w *tempestWorkspace) writeConf(c tempestConf) {
	w.t.Helper()
	env := c.openrc
	for _, k := range []string{"OS_AUTH_URL", "OS_USERNAME", "OS_PASSWORD", "OS_PROJECT_NAME", "OS_USER_DOMAIN_NAME"} {
		if env[k] == "" {
			w.t.Fatalf("admin openrc has no %s", k)
		}
	}
	region := env["OS_REGION_NAME"]
	if region == "" {
		region = "RegionOne"
	}
	authURL := strings.TrimSuffix(env["OS_AUTH_URL"], "/")
	if !strings.HasSuffix(authURL, "/v3") {
		authURL += "/v3"
	}
	var b strings.Builder
	section := func(name string, kv ...string) {
		fmt.Fprintf(&b, "[%s]\n", name)
		for i := 0; i < len(kv); i += 2 {
			fmt.Fprintf(&b, "%s = %s\n", kv[i], kv[i+1])
		}
		b.WriteString("\n")
	}
	section("DEFAULT",
		"log_dir", filepath.Join(w.dir, "logs"),
		"log_file", "tempest.log",
		"use_stderr", "false")
	section("oslo_concurrency", "lock_path", filepath.Join(w.dir, "tempest_lock"))
	section("auth",
		"use_dynamic_credentials", "true",
		"create_isolated_networks", "false",
		"tempest_roles", "member",
		"admin_username", oslo(env["OS_USERNAME"]),
		"admin_password", oslo(env["OS_PASSWORD"]),
		"admin_project_name", oslo(env["OS_PROJECT_NAME"]),
		"admin_domain_name", oslo(env["OS_USER_DOMAIN_NAME"]))
	section("identity",
		"uri_v3", authURL,
		"auth_version", "v3",
		"region", region,
		"v3_endpoint_type", "public")
	section("identity-feature-enabled", "api_v2", "false")
	// Only Octavia is deployed; the noop drivers fake Nova, Neutron, Glance.
	section("service_available",
		"load_balancer", "true",
		"nova", "false", "neutron", "false", "glance", "false",
		"cinder", "false", "swift", "false")
	// Without a reachable project network or a public network every
	// octavia_tempest_plugin test class skips itself.
	section("network", "project_networks_reachable", "true")
	section("validation", "run_validation", "false")
	// As upstream's octavia-v2-dsvm-noop-api job (zuul.d/jobs.yaml, 2.0.0).
	section("load_balancer",
		"test_with_noop", "true",
		"provider", "amphora",
		"enabled_provider_drivers", c.providerDrivers,
		"RBAC_test_type", "advanced",
		"enforce_new_defaults", "false",
		"loadbalancer_topology", "SINGLE",
		"build_interval", "0.5",
		"check_interval", "0.5",
		"lb_build_interval", "0.5",
		"availability_zone", "bogus-az-1",
		"availability_zone2", "bogus-az-2",
		"availability_zone3", "bogus-az-3",
		"region", region)
	section("loadbalancer-feature-enabled", "log_offload_enabled", "false")
	section("enforce_scope", "octavia", "false")
	path := filepath.Join(w.dir, "etc", "tempest.conf")
	fatalIf(w.t, os.WriteFile(path, []byte(b.String()), 0o600), "write tempest.conf")
	fatalIf(w.t, os.Chmod(path, 0o600), "chmod tempest.conf") // the file tempest init wrote was 0644
}

// oslo quotes a value for an oslo.config file: "$" starts a substitution.
func oslo(v string) string { return strings.ReplaceAll(v, "$", "$$") }

// providerDrivers formats GET /v2/lbaas/providers as the plugin's
// enabled_provider_drivers DictOpt ("name:description,..."), which
// test_provider_list compares with what Octavia answers, descriptions
// included. The DictOpt cannot carry a comma in a description, nor
// leading or trailing blanks.
func providerDrivers(t *testing.T, c *client) string {
	t.Helper()
	var resp struct {
		Providers []struct {
			Name        string `json:"name"`
			Description string `json:"description"`
		} `json:"providers"`
	}
	c.do("GET", "/v2/lbaas/providers", nil, &resp)
	if len(resp.Providers) == 0 {
		t.Fatal("GET /v2/lbaas/providers: no provider enabled")
	}
	var pairs []string
	for _, p := range resp.Providers {
		if p.Name == "" || strings.ContainsAny(p.Name, ":,") || strings.Contains(p.Description, ",") ||
			strings.TrimSpace(p.Description) != p.Description || strings.ContainsAny(p.Name+p.Description, "\n") {
			t.Fatalf("provider %q description %q cannot be written as a tempest DictOpt", p.Name, p.Description)
		}
		pairs = append(pairs, oslo(p.Name+":"+p.Description))
	}
	sort.Strings(pairs)
	return strings.Join(pairs, ",")
}

// testResult is one test from the subunit stream.
type testResult struct {
	id, status string
	start, end time.Time
}

// results reads the last stestr run of the workspace through subunit2csv.
func (w *tempestWorkspace) results() ([]testResult, error) {
	last := w.command(context.Background(), stestrBin, "last", "--subunit")
	toCSV := w.command(context.Background(), subunit2csv)
	pipe, err := last.StdoutPipe()
	if err != nil {
		return nil, err
	}
	var stderr bytes.Buffer
	last.Stderr = &stderr
	toCSV.Stdin = pipe
	var out bytes.Buffer
	toCSV.Stdout, toCSV.Stderr = &out, &stderr
	if err := last.Start(); err != nil {
		return nil, err
	}
	if err := toCSV.Run(); err != nil {
		last.Wait()
		return nil, fmt.Errorf("subunit2csv: %v %s", err, stderr.String())
	}
	if err := last.Wait(); err != nil {
		return nil, fmt.Errorf("stestr last: %v %s", err, stderr.String())
	}
	r := csv.NewReader(&out)
	rows, err := r.ReadAll()
	if err != nil {
		return nil, err
	}
	var res []testResult
	for i, row := range rows {
		if i == 0 && row[0] == "test" || len(row) < 4 {
			continue
		}
		start, _ := time.Parse("2006-01-02 15:04:05.999999-07:00", row[2])
		end, _ := time.Parse("2006-01-02 15:04:05.999999-07:00", row[3])
		res = append(res, testResult{id: row[0], status: row[1], start: start, end: end})
	}
	return res, nil
}

// counts are tempest's verdicts for one group of tests.
type counts struct {
	passed, skipped, failed int
	first, last             time.Time
}

func (c *counts) add(r testResult) {
	switch r.status {
	case "success", "xfail":
		c.passed++
	case "skip":
		c.skipped++
	default: // fail, uxsuccess, and anything unknown
		c.failed++
	}
	if !r.start.IsZero() && (c.first.IsZero() || r.start.Before(c.first)) {
		c.first = r.start
	}
	if r.end.After(c.last) {
		c.last = r.end
	}
}

func (c counts) String() string {
	span := ""
	if !c.first.IsZero() {
		span = fmt.Sprintf(" in %s", c.last.Sub(c.first).Round(time.Second))
	}
	return fmt.Sprintf("%d passed, %d skipped, %d failed%s", c.passed, c.skipped, c.failed, span)
}

// moduleRE finds the test module of a test id, including the ids of class
// fixtures ("setUpClass (octavia_tempest_plugin...test_pool.PoolAPITest)").
var moduleRE = regexp.MustCompile(`octavia_tempest_plugin\.tests\.api\.v2\.(test_[a-z0-9_]+)`)

// byModule totals the results per test module.
func byModule(res []testResult) (map[string]*counts, counts) {
	mods := map[string]*counts{}
	var total counts
	for _, r := range res {
		mod := "other"
		if m := moduleRE.FindStringSubmatch(r.id); m != nil {
			mod = m[1]
		}
		if mods[mod] == nil {
			mods[mod] = &counts{}
		}
		mods[mod].add(r)
		total.add(r)
	}
	return mods, total
}

// logLines copies a command's output into the test log line by line, as it
// comes, and into a buffer.
func logLines(t *testing.T, r io.Reader, buf *bytes.Buffer) {
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 64*1024), 4*1024*1024)
	for s.Scan() {
		buf.WriteString(s.Text() + "\n")
		t.Log(s.Text())
	}
}
