//go:build functional

package functional

import (
	"testing"
	"time"

	"charm-octavia/internal/juju/jujutest"
)

// TestPauseResume pauses a deployed unit: no Octavia, Apache or haproxy
// process runs afterwards, and config-changed and update-status start none;
// resume brings every daemon back and the unit active, with the API
// answering.
func TestPauseResume(t *testing.T) {
	d := deployNoop(t)

	action := func(name string) {
		t.Helper()
		res := d.mustHook(jujutest.HookEnv{Action: name})
		m := d.model()
		rec := m.History[len(m.History)-1]
		if rec.Action == nil || rec.Action.Failed {
			t.Fatalf("%s: %+v\n%s", name, rec.Action, res.Output)
		}
	}
	running := func() []string {
		t.Helper()
		var up []string
		for name, pid := range processes(t) {
			if pid != "" {
				up = append(up, name)
			}
		}
		return up
	}

	action("pause")
	const paused = "maintenance Paused. Use 'resume' action to resume normal service."
	if st := d.status(); st != paused {
		t.Errorf("status after pause: %s", st)
	}
	if up := running(); len(up) > 0 {
		t.Errorf("still running after pause: %v", up)
	}
	for _, h := range []string{"config-changed", "update-status", "start", "update-status"} {
		d.mustHook(jujutest.HookEnv{Hook: h})
	}
	// start-stop-daemon returns before the program runs: give a wrongly
	// started daemon the time to show up.
	time.Sleep(3 * time.Second)
	if up := running(); len(up) > 0 {
		t.Errorf("hooks on a paused unit started %v", up)
	}
	if st := d.status(); st != paused {
		t.Errorf("status of a paused unit after hooks: %s", st)
	}

	action("resume")
	if st := d.status(); st != "active Unit is ready" {
		t.Errorf("status after resume: %s", st)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if up := running(); len(up) == len(daemons) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after resume only %v run, want %v", running(), daemons)
		}
		time.Sleep(time.Second)
	}
	newClient(t) // waits for the API to answer with a Keystone token
}
