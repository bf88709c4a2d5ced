package reconcile

// Rolling restarts. Upstream restarts the API and every controller on
// every unit at once whenever octavia.conf changes (a new health-manager
// address when a unit joins, a rotated heartbeat key), so the whole
// application stops serving for a moment. Here a unit whose services must
// restart takes a lock first, and the leader hands the lock to one unit at
// a time, over the peer relation "cluster":
//
//	unit bag  octavia-restart-request = <nonce>   this unit waits to restart
//	unit bag  octavia-restart-done    = <nonce>   this unit finished that restart
//	app bag   octavia-restart-granted = <unit>:<nonce>   who may restart now
//
// A request is outstanding while its nonce differs from the unit's done
// nonce. The leader grants the lock when the unit named by the current
// grant has no outstanding request with the granted nonce any more (it
// published done, withdrew, or left the relation), to the next unit with an
// outstanding request, in unit-name order after the last holder (so nobody
// starves). The holder restarts, publishes done, and the leader moves on in
// its next hook (cluster-relation-changed). The leader queues for itself
// like any other unit, and when the lock is free it grants itself and
// restarts in the same hook. Everything lives in the relation bags, so a
// new leader simply carries on from what the bags say; a unit keeps only
// the services it still has to restart (Snapshot.Restart).
//
// While it waits, a unit has written its new files but not restarted:
// status waiting "Waiting for the restart lock (rolling restart)", and its
// pass is not converged, so update-status looks again (re-reading the peer
// relation) besides the cluster-relation-changed hook the grant fires.
//
// No lock is taken when it would protect nothing: a unit without peers,
// a unit whose services never ran with the charm's configuration (its first
// configuration: it serves nobody yet), and services that are not running
// (starting them is not an outage). Reloads do not take the lock either:
// an Apache graceful reload and an HAProxy reload keep serving. A restart
// that fails keeps the lock, so the roll stops at the first unit that
// cannot restart instead of spreading a bad change; the unit retries in
// every pass and releases the lock once its services run.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"slices"
	"sort"
	"strings"

	"charm-octavia/internal/octavia"
	"charm-octavia/internal/relations"
)

// Keys of the restart lock on the peer relation. Upstream peers ignore them.
const (
	peerRestartRequest = "octavia-restart-request"
	peerRestartDone    = "octavia-restart-done"
	peerRestartGrant   = "octavia-restart-granted"
)

// WaitingForRestartLock is the status message of a unit that waits for its
// turn to restart.
const WaitingForRestartLock = "Waiting for the restart lock (rolling restart)"

// RestartLock is what a unit keeps between hooks about its restarts.
type RestartLock struct {
	// Pending are the services whose restart waits for the lock: their
	// new configuration is on disk already, so no later pass would see a
	// change to restart them for.
	Pending []string `json:"pending,omitempty"`
	// Serving is set once the unit's services ran with the charm's
	// configuration; before that a restart takes nothing away from anyone.
	Serving bool `json:"serving,omitempty"`
	// LeaderRead is set once this unit, as leader, has read the peer
	// relation: a unit that just became leader may not have run the
	// relation-changed hook of its predecessor's last grant yet.
	LeaderRead bool `json:"leader-read,omitempty"`
}

// restartView is the lock as the peer relation shows it.
type restartView struct {
	relID string
	// grant is the app bag's grant, "<unit>:<nonce>" or "".
	grant string
	// requests maps each unit (this one included) with an outstanding
	// request to its nonce; done maps every unit in the relation to the
	// nonce of its last finished restart.
	requests, done map[string]string
	// peers counts the other units in the relation.
	peers int
}

// holder splits the grant.
func (v restartView) holder() (unit, nonce string) {
	i := strings.LastIndex(v.grant, ":")
	if i < 0 {
		return "", ""
	}
	return v.grant[:i], v.grant[i+1:]
}

// held reports whether the grant is still in force: its unit is in the
// relation and has not said it is done with the granted nonce. It does not
// ask whether the unit still requests that nonce: a leader's view of a
// peer's bag can be older than the grant (a new leader that has not run
// the peer's relation-changed hook yet), and a stale view must keep the
// lock, not free it.
func (v restartView) held() bool {
	unit, nonce := v.holder()
	done, member := v.done[unit]
	return unit != "" && nonce != "" && member && done != nonce
}

// outstanding returns the nonce of a bag's request that is not done yet.
func outstanding(bag relations.Bag) string {
	if req := bag[peerRestartRequest]; req != "" && req != bag[peerRestartDone] {
		return req
	}
	return ""
}

// cluster returns the peer relation in the snapshot, or nil.
func (s *Snapshot) cluster() *relations.Relation {
	rels := s.Relations[octavia.EndpointCluster]
	if len(rels) == 0 {
		return nil
	}
	return &s.Relations[octavia.EndpointCluster][0]
}

// restartView reads the lock from the snapshot.
func (u *Unit) restartView(s *Snapshot) restartView {
	v := restartView{requests: map[string]string{}, done: map[string]string{}}
	r := s.cluster()
	if r == nil {
		return v
	}
	v.relID = r.ID
	v.grant = r.App[peerRestartGrant]
	for unit, bag := range r.Units {
		if unit == u.Env.UnitName {
			continue
		}
		v.peers++
		v.done[unit] = bag[peerRestartDone]
		if n := outstanding(bag); n != "" {
			v.requests[unit] = n
		}
	}
	v.done[u.Env.UnitName] = r.Local[peerRestartDone]
	if n := outstanding(r.Local); n != "" {
		v.requests[u.Env.UnitName] = n
	}
	return v
}

// setLocal publishes keys in this unit's peer bag and keeps the snapshot in step.
func (u *Unit) setLocal(ctx context.Context, s *Snapshot, data map[string]string) error {
	r := s.cluster()
	if err := u.Tools.RelationSet(ctx, r.ID, false, data); err != nil {
		return err
	}
	if r.Local == nil {
		r.Local = relations.Bag{}
	}
	for k, v := range data {
		r.Local[k] = v
	}
	return nil
}

// holdRestarts remembers restarts a pass could not do (a paused unit, a
// follower waiting for the schema): the files are written already, so the
// next pass that runs services must still restart them.
func (u *Unit) holdRestarts(s *Snapshot, restart map[string]bool) {
	for name, ok := range restart {
		if ok && !slices.Contains(s.Restart.Pending, name) {
			s.Restart.Pending = append(s.Restart.Pending, name)
		}
	}
	sort.Strings(s.Restart.Pending)
}

// rollServices is runServices under the restart lock: it starts what is
// stopped and reloads what must reload at once, and restarts what runs
// with changed inputs when this unit holds the lock, or when no lock is
// needed (see the top of this file). Restarts it cannot do yet stay in
// Snapshot.Restart.Pending and the unit waits.
func (u *Unit) rollServices(ctx context.Context, s *Snapshot, want []string, restart, reload map[string]bool) ([]octavia.Reason, error) {
	held := map[string]bool{}
	for _, name := range s.Restart.Pending {
		held[name] = true
	}
	for name, ok := range restart {
		if ok {
			held[name] = true
		}
	}
	// Only services the plan runs and that run now need a restart: the
	// others are started by runServices with the new configuration.
	running := map[string]bool{}
	if len(held) > 0 {
		var err error
		if running, err = u.System.Services().Running(ctx, want); err != nil {
			return []octavia.Reason{{Severity: octavia.Blocked, Message: "Cannot check services: " + firstLine(err.Error())}}, nil
		}
	}
	for name := range held {
		if !slices.Contains(want, name) || !running[name] {
			delete(held, name)
		}
	}

	v := u.restartView(s)
	// A unit whose last pass converged ran its services with the charm's
	// configuration, even if it kept no Serving mark (an older revision).
	serving := s.Restart.Serving || s.Converged
	if len(held) == 0 || !serving || v.peers == 0 {
		reasons := u.runServices(ctx, want, held, reload)
		if len(reasons) > 0 {
			s.Restart.Pending = setNames(held)
			return reasons, nil
		}
		s.Restart.Pending, s.Restart.Serving = nil, true
		// A request nobody needs any more (the services stopped, the
		// peers left) is withdrawn, so the lock moves on.
		if n := v.requests[u.Env.UnitName]; n != "" {
			if err := u.setLocal(ctx, s, map[string]string{peerRestartDone: n}); err != nil {
				return nil, err
			}
		}
		return nil, nil
	}

	// The lock is needed.
	s.Restart.Pending = setNames(held)
	nonce := v.requests[u.Env.UnitName]
	if nonce == "" {
		var err error
		if nonce, err = u.nonce(); err != nil {
			return nil, err
		}
		if err := u.setLocal(ctx, s, map[string]string{peerRestartRequest: nonce}); err != nil {
			return nil, err
		}
		u.Logf("restart of %s waits for the restart lock (request %s)", strings.Join(s.Restart.Pending, " "), nonce)
	} else if u.Env.Event().Name == "update-status" && u.restartView(s).grant != u.Env.UnitName+":"+nonce {
		// update-status reads nothing else; a waiting unit looks again.
		if err := u.readRelation(ctx, s, octavia.EndpointCluster, v.relID, false); err != nil {
			return nil, err
		}
	}
	if err := u.grantRestart(ctx, s); err != nil {
		return nil, err
	}
	if u.restartView(s).grant != u.Env.UnitName+":"+nonce {
		notHeld := map[string]bool{}
		for name, ok := range reload {
			if ok && !held[name] {
				notHeld[name] = true
			}
		}
		reasons := u.runServices(ctx, want, nil, notHeld)
		return append(reasons, octavia.Reason{Severity: octavia.Waiting, Message: WaitingForRestartLock}), nil
	}

	u.Logf("holding the restart lock (request %s)", nonce)
	if reasons := u.runServices(ctx, want, held, reload); len(reasons) > 0 {
		// Keep the lock: the roll stops here until this unit recovers.
		return reasons, nil
	}
	s.Restart.Pending = nil
	if err := u.setLocal(ctx, s, map[string]string{peerRestartDone: nonce}); err != nil {
		return nil, err
	}
	u.Logf("released the restart lock (request %s)", nonce)
	// The leader hands the lock on in the same hook.
	return nil, u.grantRestart(ctx, s)
}

// grantRestart is the leader's part: when the lock is free and a unit
// waits, grant it to the next one. It reads only the snapshot and writes
// only when the grant changes, so it costs nothing on a converged unit.
func (u *Unit) grantRestart(ctx context.Context, s *Snapshot) error {
	if !s.Leader {
		s.Restart.LeaderRead = false
		return nil
	}
	if r := s.cluster(); r != nil && !s.Restart.LeaderRead {
		if err := u.readRelation(ctx, s, octavia.EndpointCluster, r.ID, false); err != nil {
			return err
		}
		s.Restart.LeaderRead = true
	}
	v := u.restartView(s)
	if v.relID == "" || v.held() || len(v.requests) == 0 {
		return nil
	}
	last, _ := v.holder()
	next := nextUnit(v.requests, last)
	grant := next + ":" + v.requests[next]
	if err := u.Tools.RelationSet(ctx, v.relID, true, map[string]string{peerRestartGrant: grant}); err != nil {
		return err
	}
	r := s.cluster()
	if r.App == nil {
		r.App = relations.Bag{}
	}
	r.App[peerRestartGrant] = grant
	u.Logf("granted the restart lock to %s", next)
	return nil
}

// nextUnit picks the waiting unit after last in unit-number order,
// wrapping around.
func nextUnit(requests map[string]string, last string) string {
	names := make([]string, 0, len(requests))
	for name := range requests {
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool { return unitLess(names[i], names[j]) })
	for _, name := range names {
		if last != "" && unitLess(last, name) {
			return name
		}
	}
	return names[0]
}

// unitLess orders "octavia/2" before "octavia/10".
func unitLess(a, b string) bool {
	na, nb := unitNumber(a), unitNumber(b)
	if na != nb {
		return na < nb
	}
	return a < b
}

func unitNumber(name string) int {
	n := 0
	_, num, _ := strings.Cut(name, "/")
	for _, c := range num {
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// nonce names one restart request.
func (u *Unit) nonce() (string, error) {
	random := u.Rand
	if random == nil {
		random = rand.Reader
	}
	b := make([]byte, 6)
	if _, err := io.ReadFull(random, b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// setNames returns a set's names, sorted.
func setNames(set map[string]bool) []string {
	var out []string
	for name, ok := range set {
		if ok {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// restartUnderLock is restart-services under the lock: with peers and
// running services, the unit restarts now only if it can hold the lock in
// this action (the leader, when nobody else holds it); otherwise its
// request is queued and a later hook restarts the services when the leader
// grants it. It returns queued=true then.
func (u *Unit) restartUnderLock(ctx context.Context, s *Snapshot, names []string) (queued bool, restarted []string, err error) {
	v := u.restartView(s)
	running, err := u.System.Services().Running(ctx, names)
	if err != nil {
		return false, nil, err
	}
	anyRunning := false
	for _, name := range names {
		anyRunning = anyRunning || running[name]
	}
	if v.peers == 0 || !(s.Restart.Serving || s.Converged) || !anyRunning {
		restarted, err = u.restartInOrder(ctx, names)
		return false, restarted, err
	}
	// An action runs on demand: leadership may have moved since the last hook.
	if s.Leader, err = u.Tools.IsLeader(ctx); err != nil {
		return false, nil, err
	}
	nonce := v.requests[u.Env.UnitName]
	if nonce == "" {
		if nonce, err = u.nonce(); err != nil {
			return false, nil, err
		}
		if err := u.setLocal(ctx, s, map[string]string{peerRestartRequest: nonce}); err != nil {
			return false, nil, err
		}
	}
	if err := u.grantRestart(ctx, s); err != nil {
		return false, nil, err
	}
	if u.restartView(s).grant != u.Env.UnitName+":"+nonce {
		for _, name := range names {
			if !slices.Contains(s.Restart.Pending, name) {
				s.Restart.Pending = append(s.Restart.Pending, name)
			}
		}
		sort.Strings(s.Restart.Pending)
		// The hooks after the action restart them; until then the unit
		// waits, and update-status looks again.
		s.Converged = false
		return true, nil, nil
	}
	restarted, err = u.restartInOrder(ctx, names)
	if err != nil {
		// Keep the lock and the restart: the next pass retries.
		s.Restart.Pending = append([]string(nil), names...)
		sort.Strings(s.Restart.Pending)
		return false, restarted, err
	}
	s.Restart.Pending = nil
	if err := u.setLocal(ctx, s, map[string]string{peerRestartDone: nonce}); err != nil {
		return false, restarted, err
	}
	return false, restarted, u.grantRestart(ctx, s)
}
