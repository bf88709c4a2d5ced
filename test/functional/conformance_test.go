//go:build functional

package functional

import (
	"bytes"
	"context"
	"errors"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"
)

// The API test modules of octavia-tempest-plugin (2.0.0) the conformance
// level runs.
const (
	// conformanceFull: every test of the five resource modules (534 tests).
	conformanceFull = `^octavia_tempest_plugin\.tests\.api\.v2\.test_(load_balancer|listener|pool|member|healthmonitor)\.`

	// conformanceCI: all of test_load_balancer (10) and test_listener (28),
	// and the HTTP / ROUND_ROBIN slice of the other three, which still
	// creates, shows, lists, updates and deletes each kind of object:
	// pool (6: standalone and with-listener create, show, list, update,
	// delete), member (6: IPv4 create, list, show, update, batch update,
	// delete) and health monitor (5: HTTP monitor create, show, list,
	// update, delete) — 55 tests.
	conformanceCI = `^octavia_tempest_plugin\.tests\.api\.v2\.(` +
		`test_load_balancer\.|test_listener\.|` +
		`test_pool\.PoolAPITest\.test_HTTP_RR_pool_|` +
		`test_member\.MemberAPITest[12]\.test_(ipv4_)?HTTP_RR_member_|` +
		`test_healthmonitor\.HealthMonitorAPITest\.test_RR_HTTP_healthmonitor_)`
)

// TestConformance runs octavia-tempest-plugin's API tests (Debian's tempest
// 33 and octavia-tempest-plugin 2.0.0) against the charm deployed with noop
// drivers, configured as upstream's octavia-v2-dsvm-noop-api job: the real
// amphora provider, the worker running every flow over RabbitMQ, dynamic
// credentials from the bed's Keystone admin, enabled_provider_drivers read
// from GET /v2/lbaas/providers.
//
// OCTAVIA_CONFORMANCE selects the tests:
//   - unset or "ci": conformanceCI — all of test_load_balancer and
//     test_listener, plus test_pool's test_HTTP_RR_pool_*,
//     test_member's test_HTTP_RR_member_* and test_ipv4_HTTP_RR_member_*,
//     and test_healthmonitor's test_RR_HTTP_healthmonitor_* (55 tests);
//   - "full": conformanceFull — all of test_load_balancer, test_listener,
//     test_pool, test_member and test_healthmonitor (534 tests);
//   - anything else: used as the tempest --regex itself.
//
// OCTAVIA_CONFORMANCE_CONCURRENCY sets tempest's --concurrency (default 2,
// one worker per core; stestr hands out whole test classes).
//
// The test fails if a test failed, or if none passed.
func TestConformance(t *testing.T) {
	regex := conformanceCI
	switch v := os.Getenv("OCTAVIA_CONFORMANCE"); v {
	case "", "ci":
	case "full":
		regex = conformanceFull
	default:
		regex = v
	}
	concurrency := 2
	if v := os.Getenv("OCTAVIA_CONFORMANCE_CONCURRENCY"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("OCTAVIA_CONFORMANCE_CONCURRENCY=%q", v)
		}
		concurrency = n
	}

	deployNoop(t)
	c := newClient(t)
	drivers := providerDrivers(t, c)
	t.Logf("enabled_provider_drivers = %s", drivers)

	w := newTempestWorkspace(t)
	w.writeConf(tempestConf{openrc: openrc(t), providerDrivers: drivers})

	// Leave a minute to read the results when go test's -timeout is near.
	ctx := context.Background()
	if dl, ok := t.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, dl.Add(-time.Minute))
		defer cancel()
	}
	run := w.command(ctx, tempestBin, "run", "--regex", regex, "--concurrency", strconv.Itoa(concurrency))
	out, err := run.StdoutPipe()
	fatalIf(t, err, "pipe")
	run.Stderr = run.Stdout
	t.Logf("tempest run --regex '%s' --concurrency %d", regex, concurrency)
	start := time.Now()
	fatalIf(t, run.Start(), "tempest run")
	var buf bytes.Buffer
	logLines(t, out, &buf)
	runErr := run.Wait()
	wall := time.Since(start).Round(time.Second)
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Errorf("tempest run stopped after %v: go test -timeout too short for this selection", wall)
	}

	res, err := w.results()
	if err != nil {
		t.Fatalf("reading tempest's results (tempest run: %v): %v", runErr, err)
	}
	mods, total := byModule(res)
	names := make([]string, 0, len(mods))
	for m := range mods {
		names = append(names, m)
	}
	sort.Strings(names)
	for _, m := range names {
		t.Logf("conformance %-20s %s", m+":", mods[m])
	}
	t.Logf("conformance: %d passed, %d skipped, %d failed (wall time %v, concurrency %d)",
		total.passed, total.skipped, total.failed, wall, concurrency)
	for _, r := range res {
		if s := r.status; s != "success" && s != "skip" && s != "xfail" {
			t.Errorf("%s: %s", s, r.id)
		}
	}
	switch {
	case total.failed > 0:
		t.Errorf("%d tempest tests failed (tracebacks above)", total.failed)
	case total.passed == 0:
		t.Errorf("no tempest test passed (%d skipped): check the selection and tempest.conf", total.skipped)
	case runErr != nil:
		t.Errorf("tempest run: %v", runErr)
	}
}
