package reconcile

// The pause, resume and restart-services actions. A pause is a record, not
// an event: the pause action stops and disables the services and records
// the pause in the snapshot and in Juju's unit state; every pass after it
// still renders files and publishes relation data but leaves the services
// alone (apply), and shows the paused status (Reconcile). Resume clears the
// record, enables the services and runs one normal pass, which starts them.

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"charm-octavia/internal/juju"
	"charm-octavia/internal/octavia"
)

// unitActions are the actions implemented in this package besides
// configure-resources, by name.
var unitActions = map[string]func(*Unit, context.Context) error{
	"pause":              (*Unit).pause,
	"resume":             (*Unit).resume,
	"restart-services":   (*Unit).restartServices,
	"security-checklist": (*Unit).securityChecklist,
	"openstack-upgrade":  (*Unit).openstackUpgrade,
	"package-upgrade":    (*Unit).packageUpgrade,
}

// Keys of the pause record in Juju's unit state (state-set). It outlives
// the snapshot, which a charm refresh or a lost charm directory drops.
const (
	statePaused        = "paused"         // "true" while paused
	statePausedRunning = "paused-running" // the services that ran, space-separated
)

// managedServices are the services the charm runs on every unit, in the
// order they start (octavia.Plan.Services): memcached, apache2, haproxy,
// then the Octavia controllers. They stop in the reverse order.
func managedServices() []string {
	return []string{octavia.SvcMemcached, octavia.SvcApache, octavia.SvcHAProxy, octavia.SvcWorker, octavia.SvcHealth, octavia.SvcHousekeeping}
}

// installedServices are the managed services the init system knows, in
// start order: before install there is nothing to stop or restart.
func (u *Unit) installedServices() []string {
	var out []string
	for _, name := range managedServices() {
		if u.System.ServiceExists(name) {
			out = append(out, name)
		}
	}
	return out
}

// readPaused reads the pause record from Juju's unit state once per
// snapshot: a new snapshot (first hook, a lost or older one) does not know
// whether the unit is paused. It costs one state-get, once.
func (u *Unit) readPaused(ctx context.Context, s *Snapshot) error {
	if s.PauseKnown {
		return nil
	}
	state, err := u.Tools.StateGet(ctx)
	if err != nil {
		return fmt.Errorf("read the pause record: %w", err)
	}
	s.Paused = state[statePaused] == "true"
	s.PausedRunning = strings.Fields(state[statePausedRunning])
	s.PauseKnown = true
	return nil
}

// actionSnapshot loads the snapshot for an action that changes it. With no
// usable snapshot it reads the model as a first pass would, so that the
// passes after the action still know the unit (the packages are read by
// the next pass, which is not converged yet), and it reads the pause record.
func (u *Unit) actionSnapshot(ctx context.Context) (*Snapshot, string, error) {
	path := SnapshotPath(u.Env.CharmDir)
	s, ok, err := loadSnapshot(path)
	if err != nil {
		return nil, "", err
	}
	if !ok {
		if err := u.refresh(ctx, s, true); err != nil {
			return nil, "", fmt.Errorf("read model: %w", err)
		}
	}
	if err := u.readPaused(ctx, s); err != nil {
		return nil, "", err
	}
	return s, path, nil
}

// pause is the pause action: record the pause, stop every managed service
// in reverse start order, keep them from starting at boot, and show the
// paused status. Pausing a paused unit stops whatever runs again and keeps
// the first record of what ran.
func (u *Unit) pause(ctx context.Context) error {
	s, path, err := u.actionSnapshot(ctx)
	if err != nil {
		return err
	}
	names := u.installedServices()
	running, err := u.System.Services().Running(ctx, names)
	if err != nil {
		return u.Tools.ActionFail(ctx, "cannot check services, the unit is not paused: "+u.Redact(firstLine(err.Error())))
	}
	ran := map[string]bool{}
	if s.Paused {
		for _, name := range s.PausedRunning {
			ran[name] = true
		}
	}
	for name, r := range running {
		if r {
			ran[name] = true
		}
	}
	s.PausedRunning = s.PausedRunning[:0]
	for _, name := range managedServices() {
		if ran[name] {
			s.PausedRunning = append(s.PausedRunning, name)
		}
	}
	// Recorded before anything stops: were the action killed half-way, the
	// hooks after it would not start what it stopped.
	s.Paused, s.PauseKnown = true, true
	if err := s.save(path); err != nil {
		return err
	}
	record := map[string]string{statePaused: "true"}
	if len(s.PausedRunning) > 0 {
		record[statePausedRunning] = strings.Join(s.PausedRunning, " ")
	}
	if err := u.Tools.StateSet(ctx, record); err != nil {
		return err
	}

	svcs := u.System.Services()
	var stopped, failed []string
	for _, name := range slices.Backward(names) {
		if err := svcs.Stop(ctx, name); err != nil {
			u.Logf("pause: stop %s: %v", name, err)
			failed = append(failed, name)
			continue
		}
		if err := svcs.Disable(ctx, name); err != nil {
			u.Logf("pause: disable %s: %v", name, err)
			failed = append(failed, name)
			continue
		}
		stopped = append(stopped, name)
		u.Logf("pause: stopped and disabled %s", name)
	}
	if err := u.status(ctx, s, juju.Status{Code: octavia.Paused.Code, Message: octavia.Paused.Message}); err != nil {
		return err
	}
	if err := s.save(path); err != nil {
		return err
	}
	if len(stopped) > 0 {
		if err := u.Tools.ActionSet(ctx, map[string]string{"stopped": strings.Join(stopped, " ")}); err != nil {
			return err
		}
	}
	if len(failed) > 0 {
		return u.Tools.ActionFail(ctx, "could not stop or disable "+strings.Join(failed, ", ")+"; the unit is paused: run pause again")
	}
	return nil
}

// resume is the resume action: clear the pause record, let the services
// start at boot again, and run one normal pass, which starts them in order
// and sets the status the unit would have had. A service that ran before
// the pause but that the pass does not start (a unit that lost a relation
// keeps its last good configuration running) is started after it, so the
// unit is as it was.
func (u *Unit) resume(ctx context.Context) error {
	s, path, err := u.actionSnapshot(ctx)
	if err != nil {
		return err
	}
	wasRunning := s.PausedRunning
	if !s.Paused {
		if err := u.Tools.ActionLog(ctx, "the unit was not paused"); err != nil {
			return err
		}
	}
	s.Paused, s.PausedRunning, s.PauseKnown = false, nil, true
	if err := s.save(path); err != nil {
		return err
	}
	for _, key := range []string{statePaused, statePausedRunning} {
		if err := u.Tools.StateDelete(ctx, key); err != nil {
			return err
		}
	}

	names := u.installedServices()
	svcs := u.System.Services()
	var failed []string
	for _, name := range names {
		if err := svcs.Enable(ctx, name); err != nil {
			u.Logf("resume: enable %s: %v", name, err)
			failed = append(failed, name)
		}
	}
	if err := u.Reconcile(ctx); err != nil {
		// The unit is resumed; the next hook retries the pass.
		return u.Tools.ActionFail(ctx, "resumed, but the pass failed and the next hook retries it: "+u.Redact(firstLine(err.Error())))
	}

	var again []string
	for _, name := range names {
		if slices.Contains(wasRunning, name) {
			again = append(again, name)
		}
	}
	if len(again) > 0 {
		running, err := svcs.Running(ctx, again)
		if err != nil {
			return u.Tools.ActionFail(ctx, "cannot check services: "+u.Redact(firstLine(err.Error())))
		}
		for _, name := range again {
			if running[name] {
				continue
			}
			if err := svcs.Start(ctx, name); err != nil {
				u.Logf("resume: start %s: %v", name, err)
				failed = append(failed, name)
				continue
			}
			u.Logf("resume: started %s, which ran before the pause", name)
		}
	}

	if after, ok, err := loadSnapshot(path); err == nil && ok {
		st := after.Status.Code
		if after.Status.Message != "" {
			st += ": " + after.Status.Message
		}
		if err := u.Tools.ActionSet(ctx, map[string]string{"status": st}); err != nil {
			return err
		}
	}
	if len(failed) > 0 {
		return u.Tools.ActionFail(ctx, "could not enable or start "+strings.Join(failed, ", "))
	}
	return nil
}

// restartServices is the restart-services action: restart the unit's
// services in start order. A paused unit refuses: its services stay
// stopped until resume.
func (u *Unit) restartServices(ctx context.Context) error {
	s, path, err := u.actionSnapshot(ctx)
	if err != nil {
		return err
	}
	if err := s.save(path); err != nil {
		return err
	}
	if s.Paused {
		return u.Tools.ActionFail(ctx, "unit is paused: resume it first")
	}
	// With peers, the restart waits for the rolling-restart lock (restartlock.go).
	queued, restarted, err := u.restartUnderLock(ctx, s, u.installedServices())
	if serr := s.save(path); err == nil && serr != nil {
		err = serr
	}
	if queued {
		return u.Tools.ActionSet(ctx, map[string]string{"queued": "the services restart when the leader grants this unit the restart lock (rolling restart)"})
	}
	if len(restarted) > 0 {
		if err := u.Tools.ActionSet(ctx, map[string]string{"restarted": strings.Join(restarted, " ")}); err != nil {
			return err
		}
	}
	if err != nil {
		return u.Tools.ActionFail(ctx, u.Redact(firstLine(err.Error())))
	}
	return nil
}

// restartInOrder restarts names one after the other, in the order given,
// logging each to the action, and stops at the first failure so that a
// service is never restarted after one it depends on failed. It is the
// one place a restart of the whole unit happens, so that a later change
// can coordinate it across units.
func (u *Unit) restartInOrder(ctx context.Context, names []string) (restarted []string, err error) {
	svcs := u.System.Services()
	for _, name := range names {
		if err := svcs.Restart(ctx, name); err != nil {
			u.Logf("restart-services: restart %s: %v", name, err)
			msg := fmt.Sprintf("restart %s failed, so the services after it were left alone", name)
			if len(restarted) > 0 {
				msg += "; restarted before it: " + strings.Join(restarted, " ")
			}
			return restarted, fmt.Errorf("%s: %w", msg, err)
		}
		restarted = append(restarted, name)
		u.Logf("restart-services: restarted %s", name)
		if err := u.Tools.ActionLog(ctx, "restarted "+name); err != nil {
			return restarted, err
		}
	}
	return restarted, nil
}
