//go:build functional

package functional

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"charm-octavia/internal/juju/jujutest"
)

// generatedLines are the octavia.conf settings that differ between two
// deployments by design (each leader generates its own secrets).
var generatedLines = regexp.MustCompile(`(?m)^(heartbeat_key|ca_private_key_passphrase|server_certs_key_passphrase) = .*$`)

// TestRelationOrder joins the three required relations in every order:
// each order reaches active with the same octavia.conf (but for the
// generated secrets) and the same running daemons.
func TestRelationOrder(t *testing.T) {
	relate := map[string]func(*deployment){
		"db": (*deployment).relateDatabase, "mq": (*deployment).relateBroker, "ks": (*deployment).relateKeystone,
	}
	orders := [][]string{{"db", "mq", "ks"}, {"db", "ks", "mq"}, {"mq", "db", "ks"}, {"mq", "ks", "db"}, {"ks", "db", "mq"}, {"ks", "mq", "db"}}
	var want string
	for _, order := range orders {
		name := strings.Join(order, "-")
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			d := installNoop(t)
			for _, r := range order {
				relate[r](d)
			}
			if st := d.status(); st != "active Unit is ready" {
				t.Fatalf("status: %s", st)
			}
			conf, err := os.ReadFile("/etc/octavia/octavia.conf")
			fatalIf(t, err, "read octavia.conf")
			got := generatedLines.ReplaceAllString(string(conf), "$1 = <generated>")
			if want == "" {
				want = got
			} else if got != want {
				t.Errorf("octavia.conf differs from the first order's")
			}
			// start-stop-daemon --background returns before the daemon it
			// forks has exec'd: give the last one restarted a moment.
			deadline := time.Now().Add(15 * time.Second)
			for name, pid := range processes(t) {
				for pid == "" && time.Now().Before(deadline) {
					time.Sleep(200 * time.Millisecond)
					pid = processes(t)[name]
				}
				if pid == "" {
					t.Errorf("%s is not running", name)
				}
			}
			t.Logf("order %s: active in %v", name, time.Since(start).Round(time.Second))
		})
	}
}

// TestBrokerDepartsAndReturns: amqp departs (status blocked, the last good
// files and daemons stay), then relates again and the unit recovers with
// nothing rewritten.
func TestBrokerDepartsAndReturns(t *testing.T) {
	d := deployNoop(t)
	before := fingerprint(t)
	var id string
	for _, r := range d.model().RelationsOn("amqp") {
		id = r.ID
	}
	d.update(func(m *jujutest.Model) error {
		m.Relation(id).DepartRemoteUnit("rabbitmq-server/0")
		return nil
	})
	d.mustHook(jujutest.HookEnv{Hook: "amqp-relation-departed", RelationID: id, RemoteUnit: "rabbitmq-server/0", DepartingUnit: "rabbitmq-server/0"})
	d.update(func(m *jujutest.Model) error { m.BreakRelation(id); return nil })
	d.mustHook(jujutest.HookEnv{Hook: "amqp-relation-broken", RelationID: id})
	if st := d.status(); st != "blocked 'amqp' missing" {
		t.Fatalf("status after amqp left: %s", st)
	}
	d.relateBroker()
	if st := d.status(); st != "active Unit is ready" {
		t.Fatalf("status after amqp returned: %s", st)
	}
	after := fingerprint(t)
	for k, v := range before {
		if after[k] != v {
			t.Errorf("amqp leaving and returning changed %s", k)
		}
	}
}

// TestServiceOutages stops MariaDB, then RabbitMQ, then Keystone, on a
// running unit with a load balancer, and runs config-changed and
// update-status during each outage. A converged unit's hooks talk to none of
// them (the database is only touched by the leader's migration, covered by
// TestDatabaseDownDuringMigration), so every hook succeeds and leaves the
// unit as it was; once the service is back the API works again and the load
// balancer is still there.
func TestServiceOutages(t *testing.T) {
	d := deployNoop(t)
	c := newClient(t)
	var lb struct {
		LB struct {
			ID string `json:"id"`
		} `json:"loadbalancer"`
	}
	c.do("POST", "/v2/lbaas/loadbalancers", map[string]any{"loadbalancer": map[string]any{
		"name": "outage-lb", "vip_subnet_id": "8b9f7d6c-0d2c-4a8e-9c1b-3f0a1e2d4c5b"}}, &lb)
	c.waitLB(lb.LB.ID, "ACTIVE", 2*time.Minute)
	bed := filepath.Join(repo, "test/bed/bed.sh")
	defer run(t, bed, "up")
	for _, outage := range []struct{ name, stop string }{
		{"mariadb", "pkill -x mariadbd; for i in $(seq 100); do pgrep -x mariadbd >/dev/null || exit 0; sleep 0.2; done; exit 1"},
		{"rabbitmq", "rabbitmqctl stop >/dev/null 2>&1 || pkill -f 'rabbit boot'"},
		{"keystone", "/etc/init.d/keystone stop"},
	} {
		before := fingerprint(t)
		run(t, "sh", "-c", outage.stop)
		for _, h := range []string{"config-changed", "update-status"} {
			res := d.mustHook(jujutest.HookEnv{Hook: h})
			if st := d.status(); st != "active Unit is ready" {
				t.Errorf("%s down, %s: status %s\n%s", outage.name, h, st, res.Output)
			}
		}
		after := fingerprint(t)
		for k, v := range before {
			if after[k] != v {
				t.Errorf("%s down: a hook changed %s", outage.name, k)
			}
		}
		run(t, bed, "up")
		c = newClient(t)
		c.waitLB(lb.LB.ID, "ACTIVE", 2*time.Minute)
	}
	c.do("DELETE", "/v2/lbaas/loadbalancers/"+lb.LB.ID+"?cascade=true", nil, nil)
	c.waitLB(lb.LB.ID, "DELETED", 2*time.Minute)
}
