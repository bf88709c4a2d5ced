//go:build functional

package functional

import (
	"strings"
	"testing"
	"time"

	"charm-octavia/internal/juju/jujutest"
)

// TestOpenstackUpgrade runs package-upgrade and openstack-upgrade with
// action-managed-upgrade=true on a deployed unit that serves a load
// balancer. Debian bookworm has only Zed, so apt finds nothing newer; the
// actions must still run apt, migrate the database once on the leader
// (octavia-db-manage upgrade head, recorded in the leader setting
// octavia-schema), restart every service, and lose nothing: the load
// balancer created before is still there and ACTIVE.
func TestOpenstackUpgrade(t *testing.T) {
	d := deployNoop(t)
	c := newClient(t)
	var lb struct {
		LB struct {
			ID string `json:"id"`
		} `json:"loadbalancer"`
	}
	c.do("POST", "/v2/lbaas/loadbalancers", map[string]any{"loadbalancer": map[string]any{
		"name": "upgrade-lb", "vip_subnet_id": "8b9f7d6c-0d2c-4a8e-9c1b-3f0a1e2d4c5b",
	}}, &lb)
	c.waitLB(lb.LB.ID, "ACTIVE", 2*time.Minute)

	d.update(func(m *jujutest.Model) error { return m.SetConfig("action-managed-upgrade", true) })
	d.mustHook(jujutest.HookEnv{Hook: "config-changed"})
	if st := d.status(); st != "active Unit is ready" {
		t.Fatalf("status with action-managed-upgrade and the same origin: %s", st)
	}

	for _, action := range []string{"package-upgrade", "openstack-upgrade"} {
		before := processes(t)
		res := d.mustHook(jujutest.HookEnv{Action: action})
		m := d.model()
		rec := m.History[len(m.History)-1]
		if rec.Action == nil || rec.Action.Failed {
			t.Fatalf("%s: %+v\n%s", action, rec.Action, res.Output)
		}
		results := rec.Action.Results
		t.Logf("%s results: %v", action, results)
		if results["outcome"] != "success, upgrade completed." || results["restart"] != "done" || results["migration"] == nil {
			t.Errorf("%s results: %v", action, results)
		}
		if n := strings.Count(res.Output, "database schema migrated to head"); n != 1 {
			t.Errorf("%s migrated %d times, want once:\n%s", action, n, res.Output)
		}
		if got := m.LeaderData["octavia-schema"]; got != "11.0.0" {
			t.Errorf("leader setting octavia-schema = %q", got)
		}
		// Every controller restarted, in start order (the log says so),
		// and runs.
		after := processes(t)
		for _, name := range []string{"octavia-worker", "octavia-health-manager", "octavia-housekeeping"} {
			if after[name] == "" || after[name] == before[name] {
				t.Errorf("%s: %s not restarted (pid %q -> %q)", action, name, before[name], after[name])
			}
		}
		order := []string{"restarted memcached", "restarted apache2", "restarted haproxy", "restarted octavia-worker", "restarted octavia-health-manager", "restarted octavia-housekeeping"}
		at := 0
		for _, line := range order {
			i := strings.Index(res.Output[at:], line)
			if i < 0 {
				t.Errorf("%s: %q missing or out of order in the unit log:\n%s", action, line, res.Output)
				break
			}
			at += i + len(line)
		}
		if st := d.status(); st != "active Unit is ready" {
			t.Errorf("status after %s: %s", action, st)
		}
		// Nothing lost: the API answers and the load balancer is ACTIVE.
		fatalIf(t, c.WaitAPI(2*time.Minute), "API after %s", action)
		c.waitLB(lb.LB.ID, "ACTIVE", time.Minute)
	}

	// Converged again: a hook changes nothing.
	before := fingerprint(t)
	d.mustHook(jujutest.HookEnv{Hook: "config-changed"})
	d.mustHook(jujutest.HookEnv{Hook: "update-status"})
	for k, v := range fingerprint(t) {
		if before[k] != v {
			t.Errorf("a converged hook after the upgrade changed %s", k)
		}
	}

	c.do("DELETE", "/v2/lbaas/loadbalancers/"+lb.LB.ID+"?cascade=true", nil, nil)
	c.waitLB(lb.LB.ID, "DELETED", 2*time.Minute)
}
