// Command octavia-demo deploys Octavia on this machine through the charm, as
// root, for trying it out: `make demo` runs `octavia-demo up`, `make
// demo-stop` runs `octavia-demo down`.
//
// up brings up MariaDB, RabbitMQ and Keystone (test/bed/bed.sh), runs the
// packed charm's hooks under the hook-tool emulator with noop-drivers=true,
// relates it to the three services (their provider side played by
// test/bed/provider, exactly as the provider charms answer), creates a
// sample load balancer with a listener, a pool, a member and a health
// monitor, and prints how to use it. Running it again is safe: it upgrades
// the charm in place, runs its hooks again and reuses what exists. down
// stops every service it started and keeps the data.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"charm-octavia/internal/emulated"
	"charm-octavia/internal/juju/jujutest"
	"charm-octavia/internal/lbapi"
	"charm-octavia/internal/system"
	"charm-octavia/internal/system/service"
)

const (
	openrc    = "/var/lib/octavia-bed/admin-openrc"
	sampleLB  = "demo-lb"
	subnetID  = "8b9f7d6c-0d2c-4a8e-9c1b-3f0a1e2d4c5b" // any id: the noop network driver accepts it
	memberIP  = "192.0.2.10"
	apiHealth = 2 * time.Minute
)

// daemons are the services the charm runs; down stops them.
var daemons = []string{"octavia-housekeeping", "octavia-health-manager", "octavia-worker", "apache2", "haproxy", "memcached"}

type demo struct {
	dir, charm, emulator, provider, bed string
	d                                   *emulated.Deployment
}

func main() {
	var dm demo
	flag.StringVar(&dm.dir, "dir", "/var/lib/octavia-demo", "where the emulated model and the unpacked charm live")
	flag.StringVar(&dm.charm, "charm", "octavia.charm", "the packed charm")
	flag.StringVar(&dm.emulator, "emulator", "build/jujuc-emulator", "the hook-tool emulator binary")
	flag.StringVar(&dm.provider, "provider", "build/provider", "the provider-side binary of the test bed")
	flag.StringVar(&dm.bed, "bed", "test/bed/bed.sh", "the test bed script")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: octavia-demo [flags] up|down")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	if os.Geteuid() != 0 {
		fatal(errors.New("run as root: the demo installs packages and starts services"))
	}
	dm.d = emulated.At(dm.dir)
	var err error
	switch flag.Arg(0) {
	case "up":
		err = dm.up()
	case "down":
		err = dm.down()
	default:
		flag.Usage()
		os.Exit(2)
	}
	if err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "octavia-demo:", err)
	os.Exit(1)
}

func (dm *demo) up() error {
	step("Starting MariaDB, RabbitMQ and Keystone (test/bed/bed.sh up)")
	if err := runAttached(dm.bed, "up"); err != nil {
		return err
	}
	existed := dm.d.Exists()
	step("Unpacking " + dm.charm + " into " + dm.d.CharmDir)
	if err := dm.d.Unpack(dm.charm, dm.emulator); err != nil {
		return err
	}
	if existed {
		step("The demo is already deployed: upgrading the charm in place")
		for _, h := range []string{"upgrade-charm", "config-changed", "start", "update-status"} {
			if err := dm.hook(jujutest.HookEnv{Hook: h}); err != nil {
				return err
			}
		}
	} else if err := dm.deploy(); err != nil {
		return err
	}
	if st := dm.d.Status(); st != "active Unit is ready" {
		return fmt.Errorf("the unit is %q, not active: see the hook output above and /var/log/octavia/", st)
	}

	step("The sample load balancer " + sampleLB + " (created when missing)")
	creds, err := lbapi.ReadOpenrc(openrc)
	if err != nil {
		return err
	}
	api, err := lbapi.Login(creds)
	if err != nil {
		return err
	}
	if err := api.WaitAPI(apiHealth); err != nil {
		return err
	}
	lb, err := sample(api)
	if err != nil {
		return err
	}
	fmt.Printf(`
Octavia is running on this machine, deployed by the charm.

  unit status   %s
  API           %s   (haproxy -> Apache mod_wsgi; Keystone at %s)
  sample        %s  %s  VIP %s  (noop drivers: no amphora VM behind it)
  openrc        %s

Try:
  source %s
  openstack loadbalancer list
  openstack loadbalancer show %s
  openstack loadbalancer listener list
  openstack loadbalancer provider list
  tail -f /var/log/octavia/octavia-worker.log
  cat %s/model.json          # the emulated Juju model (0600: holds secrets)

Run 'make demo' again to upgrade the charm in place; 'make demo-stop' stops everything.
`, dm.d.Status(), api.Endpoint, creds.AuthURL, lb.Name, lb.ID, lb.VIPAddress, openrc, openrc, lb.Name, dm.dir)
	return nil
}

// deploy runs a new unit's hooks and relates it to the bed.
func (dm *demo) deploy() error {
	step("Deploying octavia/0 with noop-drivers=true")
	if err := dm.d.Create(map[string]any{"noop-drivers": true}); err != nil {
		return err
	}
	for _, h := range []string{"install", "leader-elected", "config-changed", "start"} {
		if err := dm.hook(jujutest.HookEnv{Hook: h}); err != nil {
			return err
		}
	}
	rels := []struct {
		endpoint, app string
		args          func(map[string]string) []string
	}{
		{"shared-db", "octavia-mysql-router", func(o map[string]string) []string {
			return []string{"shared-db", "--database", o["database"], "--username", o["username"], "--hostname", o["hostname"], "--unit", emulated.Unit}
		}},
		{"amqp", "rabbitmq-server", func(o map[string]string) []string {
			return []string{"amqp", "--username", o["username"], "--vhost", o["vhost"]}
		}},
		{"identity-service", "keystone", func(o map[string]string) []string {
			return []string{"identity-service", "--service", o["service"], "--region", o["region"], "--public-url", o["public_url"],
				"--internal-url", o["internal_url"], "--admin-url", o["admin_url"], "--requested-roles", o["requested_roles"]}
		}},
	}
	for _, r := range rels {
		step("Relating " + r.endpoint + " to " + r.app)
		_, err := dm.d.Relate(r.endpoint, r.app, dm.hook, func(ours map[string]string) (map[string]string, error) {
			return dm.answer(r.args(ours))
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// answer runs the bed's provider side and returns the relation data it publishes.
func (dm *demo) answer(args []string) (map[string]string, error) {
	out, err := exec.Command(dm.provider, args...).Output()
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", dm.provider, args[0], err)
	}
	var data map[string]string
	return data, json.Unmarshal(out, &data)
}

// hook runs one hook and prints what it did.
func (dm *demo) hook(env jujutest.HookEnv) error {
	res, err := dm.d.Hook(env)
	if err != nil {
		return err
	}
	fmt.Printf("  %-36s %7.0f ms  %s\n", env.Hook, float64(res.Duration.Microseconds())/1000, dm.d.Status())
	if res.Err != nil {
		fmt.Print(indent(res.Output))
		return fmt.Errorf("hook %s failed: %w", env.Hook, res.Err)
	}
	return nil
}

// sample finds or creates the sample load balancer and its children.
func sample(api *lbapi.Client) (*lbapi.LoadBalancer, error) {
	lb, err := api.FindLoadBalancer(sampleLB)
	if err != nil || lb != nil {
		if lb != nil {
			return api.WaitActive(lb.ID, apiHealth)
		}
		return nil, err
	}
	id, err := api.Create("loadbalancers", "loadbalancer", map[string]any{"name": sampleLB, "vip_subnet_id": subnetID})
	if err != nil {
		return nil, err
	}
	if _, err := api.WaitActive(id, apiHealth); err != nil {
		return nil, err
	}
	children := []struct {
		collection, kind string
		body             func(parent string) map[string]any
	}{
		{"listeners", "listener", func(string) map[string]any {
			return map[string]any{"name": "demo-listener", "loadbalancer_id": id, "protocol": "HTTP", "protocol_port": 80}
		}},
		{"pools", "pool", func(listener string) map[string]any {
			return map[string]any{"name": "demo-pool", "listener_id": listener, "protocol": "HTTP", "lb_algorithm": "ROUND_ROBIN"}
		}},
		{"pools/%s/members", "member", func(string) map[string]any {
			return map[string]any{"name": "demo-member", "address": memberIP, "protocol_port": 80, "subnet_id": subnetID}
		}},
		{"healthmonitors", "healthmonitor", func(pool string) map[string]any {
			return map[string]any{"name": "demo-monitor", "pool_id": pool, "type": "HTTP", "delay": 5, "timeout": 3, "max_retries": 3}
		}},
	}
	parent, pool := "", ""
	for _, c := range children {
		collection := c.collection
		if strings.Contains(collection, "%s") {
			collection = fmt.Sprintf(collection, pool)
		}
		body := c.body(parent)
		if c.kind == "healthmonitor" {
			body = c.body(pool)
		}
		child, err := api.Create(collection, c.kind, body)
		if err != nil {
			return nil, err
		}
		if c.kind == "pool" {
			pool = child
		}
		parent = child
		if _, err := api.WaitActive(id, apiHealth); err != nil {
			return nil, err
		}
	}
	return api.WaitActive(id, apiHealth)
}

func (dm *demo) down() error {
	step("Stopping Octavia's services")
	svcs := service.Detect("/", system.Exec{})
	for _, name := range daemons {
		if err := svcs.Stop(context.Background(), name); err != nil {
			fmt.Printf("  %s: %v\n", name, err)
		}
	}
	step("Stopping MariaDB, RabbitMQ and Keystone (test/bed/bed.sh down)")
	if err := runAttached(dm.bed, "down"); err != nil {
		return err
	}
	fmt.Printf("\nStopped. The data is kept: 'make demo' brings it back; %s holds the model.\n", dm.dir)
	return nil
}

func runAttached(name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	return nil
}

func step(s string) { fmt.Println("==> " + s) }

func indent(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		b.WriteString("      " + line + "\n")
	}
	return b.String()
}
