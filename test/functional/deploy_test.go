//go:build functional

package functional

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"charm-octavia/internal/juju/jujutest"
)

// build compiles the tools the scenarios need into one directory and packs
// the charm, once per test binary; it brings the test bed up.
func build(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("functional tests deploy packages and services: run as root")
	}
	dir, err := buildOnce()
	if err != nil {
		t.Fatal(err)
	}
	run(t, filepath.Join(repo, "test/bed/bed.sh"), "up")
	return dir
}

var buildOnce = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "octavia-functional-")
	if err != nil {
		return "", err
	}
	for _, c := range [][]string{
		{"make", "-C", repo, "charm"},
		{"go", "build", "-o", filepath.Join(dir, "jujuc-emulator"), "../../cmd/jujuc-emulator"},
		{"go", "build", "-o", filepath.Join(dir, "provider"), "../../test/bed/provider"},
	} {
		if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
			return "", fmt.Errorf("%s: %v\n%s", strings.Join(c, " "), err, out)
		}
	}
	return dir, nil
})

// managedFiles are the files the charm renders; a converged hook must not
// touch any of them.
var managedFiles = []string{
	"/etc/octavia/octavia.conf", "/etc/octavia/certs/issuing_ca.pem", "/etc/octavia/certs/issuing_ca_key.pem",
	"/etc/octavia/certs/controller_ca.pem", "/etc/octavia/certs/controller_cert.pem",
	"/etc/apache2/sites-available/octavia-api.conf", "/etc/haproxy/haproxy.cfg", "/etc/memcached.conf",
}

// daemons are the processes the charm runs, by program name.
var daemons = []string{"apache2", "haproxy", "memcached", "octavia-worker", "octavia-health-manager", "octavia-housekeeping"}

// fingerprint records file modification times and the PIDs of the daemons.
func fingerprint(t *testing.T) map[string]string {
	t.Helper()
	fp := map[string]string{}
	for _, f := range managedFiles {
		st, err := os.Stat(f)
		fatalIf(t, err, "stat %s", f)
		fp[f] = st.ModTime().Format(time.RFC3339Nano) + " " + st.Mode().String()
	}
	for name, pids := range processes(t) {
		fp["pid "+name] = pids
	}
	return fp
}

// processes maps each daemon to the PID of its oldest process (its parent;
// "" when it does not run), from /proc. A restart replaces the parent; the
// children a daemon forks while it starts up do not count.
func processes(t *testing.T) map[string]string {
	t.Helper()
	found := map[string][]int{}
	entries, err := os.ReadDir("/proc")
	fatalIf(t, err, "read /proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil || strings.Contains(string(stat), ") Z ") {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		args := strings.Split(string(cmdline), "\x00")
		// oslo.service rewrites titles: "octavia-worker: master process [...]".
		args[0], _, _ = strings.Cut(args[0], ":")
		args[0], _, _ = strings.Cut(args[0], " ")
		for _, d := range daemons {
			for _, a := range args[:min(2, len(args))] {
				if filepath.Base(a) == d {
					found[d] = append(found[d], pid)
					break
				}
			}
		}
	}
	out := map[string]string{}
	for _, d := range daemons {
		sort.Ints(found[d])
		out[d] = ""
		if len(found[d]) > 0 {
			out[d] = fmt.Sprint(found[d][0])
		}
	}
	return out
}

// deployNoop deploys octavia/0 with noop drivers and relates it to the
// bed's MariaDB, RabbitMQ and Keystone; the unit must end active.
func deployNoop(t *testing.T) *deployment {
	t.Helper()
	d := installNoop(t)
	d.relateDatabase()
	d.relateBroker()
	d.relateKeystone()
	if st := d.status(); st != "active Unit is ready" {
		t.Fatalf("status after relations: %s", st)
	}
	return d
}

// installNoop runs the deployment hooks of a new unit with noop drivers.
func installNoop(t *testing.T) *deployment {
	t.Helper()
	d := newDeployment(t, build(t))
	d.update(func(m *jujutest.Model) error { return m.SetConfig("noop-drivers", true) })
	for _, h := range []string{"install", "leader-elected", "config-changed", "start"} {
		d.mustHook(jujutest.HookEnv{Hook: h})
	}
	if st := d.status(); !strings.HasPrefix(st, "blocked 'shared-db' missing, 'amqp' missing, 'identity-service' missing") {
		t.Fatalf("status before relations: %s", st)
	}
	return d
}

// relateDatabase, relateBroker and relateKeystone relate the unit to the
// bed, the provider side answering exactly as mysql-router, rabbitmq-server
// and keystone do.
func (d *deployment) relateDatabase() {
	d.relate("shared-db", "octavia-mysql-router", func(ours map[string]string) map[string]string {
		return provider(d.t, d.bin, "shared-db", "--database", ours["database"], "--username", ours["username"],
			"--hostname", ours["hostname"], "--unit", "octavia/0")
	})
}

func (d *deployment) relateBroker() {
	d.relate("amqp", "rabbitmq-server", func(ours map[string]string) map[string]string {
		return provider(d.t, d.bin, "amqp", "--username", ours["username"], "--vhost", ours["vhost"])
	})
}

func (d *deployment) relateKeystone() {
	d.relate("identity-service", "keystone", func(ours map[string]string) map[string]string {
		return provider(d.t, d.bin, "identity-service", "--service", ours["service"], "--region", ours["region"],
			"--public-url", ours["public_url"], "--internal-url", ours["internal_url"], "--admin-url", ours["admin_url"],
			"--requested-roles", ours["requested_roles"])
	})
}

// TestDeployNoop deploys Octavia through the charm's hooks with noop
// drivers, relates it to the real MariaDB, RabbitMQ and Keystone, creates a
// load balancer that goes ACTIVE, then runs every hook again and checks that
// nothing is written or restarted.
func TestDeployNoop(t *testing.T) {
	d := deployNoop(t)
	if v := d.model().ApplicationVersion(); v != "11.0.0" {
		t.Errorf("application version %q", v)
	}

	// A load balancer through the API, with a Keystone token.
	c := newClient(t)
	var lb struct {
		LB struct {
			ID string `json:"id"`
		} `json:"loadbalancer"`
	}
	c.do("POST", "/v2/lbaas/loadbalancers", map[string]any{"loadbalancer": map[string]any{
		"name": "functional-lb", "vip_subnet_id": "8b9f7d6c-0d2c-4a8e-9c1b-3f0a1e2d4c5b",
	}}, &lb)
	c.waitLB(lb.LB.ID, "ACTIVE", 2*time.Minute)
	t.Logf("load balancer %s ACTIVE", lb.LB.ID)
	// Then a listener, a pool, a member and a health monitor, each taking
	// the load balancer through PENDING_UPDATE back to ACTIVE.
	var listener, pool struct {
		L struct {
			ID string `json:"id"`
		} `json:"listener"`
		P struct {
			ID string `json:"id"`
		} `json:"pool"`
	}
	c.do("POST", "/v2/lbaas/listeners", map[string]any{"listener": map[string]any{
		"loadbalancer_id": lb.LB.ID, "protocol": "HTTP", "protocol_port": 80}}, &listener)
	c.waitLB(lb.LB.ID, "ACTIVE", time.Minute)
	c.do("POST", "/v2/lbaas/pools", map[string]any{"pool": map[string]any{
		"listener_id": listener.L.ID, "protocol": "HTTP", "lb_algorithm": "ROUND_ROBIN"}}, &pool)
	c.waitLB(lb.LB.ID, "ACTIVE", time.Minute)
	c.do("POST", "/v2/lbaas/pools/"+pool.P.ID+"/members", map[string]any{"member": map[string]any{
		"address": "192.0.2.10", "protocol_port": 80}}, nil)
	c.waitLB(lb.LB.ID, "ACTIVE", time.Minute)
	c.do("POST", "/v2/lbaas/healthmonitors", map[string]any{"healthmonitor": map[string]any{
		"pool_id": pool.P.ID, "type": "HTTP", "delay": 5, "timeout": 3, "max_retries": 3}}, nil)
	c.waitLB(lb.LB.ID, "ACTIVE", time.Minute)
	t.Logf("listener, pool, member and health monitor ACTIVE")

	// Every hook again on the converged unit: no write, no restart.
	before := fingerprint(t)
	hooks := []jujutest.HookEnv{{Hook: "config-changed"}, {Hook: "update-status"}, {Hook: "upgrade-charm"},
		{Hook: "config-changed"}, {Hook: "start"}, {Hook: "leader-settings-changed"}, {Hook: "update-status"}}
	for _, r := range d.model().Relations {
		for u := range r.RemoteUnits {
			hooks = append(hooks, jujutest.HookEnv{Hook: r.Endpoint + "-relation-changed", RelationID: r.ID, RemoteUnit: u})
		}
	}
	for _, h := range hooks {
		res := d.mustHook(h)
		if n := res.PerTool["status-set"]; n > 0 {
			t.Errorf("%s set the status %d times on a converged unit", h.Hook, n)
		}
		if h.Hook == "update-status" && res.Calls > 3 {
			t.Errorf("update-status made %d hook-tool calls (budget 3)", res.Calls)
		}
		if res.Calls > 30 {
			t.Errorf("%s made %d hook-tool calls (budget 30)", h.Hook, res.Calls)
		}
	}
	after := fingerprint(t)
	for k, v := range before {
		if after[k] != v {
			t.Errorf("a converged hook changed %s: %s -> %s", k, v, after[k])
		}
	}
	if st := d.status(); st != "active Unit is ready" {
		t.Errorf("status after the converged hooks: %s", st)
	}

	c.do("DELETE", "/v2/lbaas/loadbalancers/"+lb.LB.ID+"?cascade=true", nil, nil)
	c.waitLB(lb.LB.ID, "DELETED", 2*time.Minute)
}
