package reconcile

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"charm-octavia/internal/juju"
	"charm-octavia/internal/octavia"
	"charm-octavia/internal/relations"
)

// snapshotFormat changes whenever Snapshot changes shape; an older file is
// then ignored and rebuilt from Juju.
const snapshotFormat = 1

// Snapshot is what this unit last read from Juju and last did, kept between
// hooks in a root-only file in the charm directory (as the ops framework
// keeps its state). Juju tells a unit about every change through a hook —
// config-changed, <endpoint>-relation-changed, leader-settings-changed,
// secret-changed — so a pass re-reads only what its event can have changed,
// and update-status reads nothing at all. install and upgrade-charm, and a
// missing or unreadable snapshot, re-read everything.
//
// It holds relation passwords and secret content: the file is 0600 root.
type Snapshot struct {
	Format int `json:"format"`
	// Config is the raw output of config-get --all.
	Config json.RawMessage `json:"config"`
	// Leader is the last answer of is-leader.
	Leader bool `json:"leader"`
	// LeaderSettings is the last leader-get.
	LeaderSettings map[string]string `json:"leader-settings"`
	// Relations maps endpoint names to their relations, remote and local bags.
	Relations map[string]relations.Endpoint `json:"relations"`
	// Secrets maps a secret id to the content this unit read or wrote.
	Secrets map[string]map[string]string `json:"secrets"`
	// Addresses maps a binding to this unit's primary address on it.
	Addresses map[string]string `json:"addresses"`
	// Packages is the last package state seen.
	Packages octavia.Packages `json:"packages"`
	// PackagedAPIDisabled is set once the packaged octavia-api service was stopped and disabled.
	PackagedAPIDisabled bool `json:"packaged-api-disabled"`
	// Paused is set by the pause action and cleared by resume: a paused
	// unit renders its files but starts, restarts and reloads nothing.
	// PausedRunning names the services that ran when it was paused, which
	// resume starts again. PauseKnown is set once the pause record was read
	// from Juju's unit state, where pause also keeps it (pause.go), so that
	// a lost snapshot does not forget a pause.
	Paused        bool     `json:"paused,omitempty"`
	PausedRunning []string `json:"paused-running,omitempty"`
	PauseKnown    bool     `json:"pause-known,omitempty"`
	// Status, AppVersion and Ports are what this unit last told Juju.
	Status     juju.Status `json:"status"`
	AppVersion string      `json:"app-version"`
	Ports      []string    `json:"ports"`
	// Mgmt is what the management-network stage keeps between hooks.
	Mgmt MgmtSnapshot `json:"mgmt"`
	// Restart is this unit's side of the rolling-restart lock (restartlock.go).
	Restart RestartLock `json:"restart,omitzero"`
	// Policy is what the policyd-override resource held (policyd.go), and
	// Installed the optional files the last configured pass installed.
	Policy    PolicySnapshot `json:"policy"`
	Installed []string       `json:"installed,omitempty"`
	// Converged is true when the last pass left nothing to retry.
	Converged bool `json:"converged"`
}

func newSnapshot() *Snapshot {
	return &Snapshot{
		Format:         snapshotFormat,
		LeaderSettings: map[string]string{},
		Relations:      map[string]relations.Endpoint{},
		Secrets:        map[string]map[string]string{},
		Addresses:      map[string]string{},
	}
}

// SnapshotPath is where a unit keeps its snapshot.
func SnapshotPath(charmDir string) string { return filepath.Join(charmDir, ".octavia-snapshot.json") }

// loadSnapshot reads the snapshot; ok is false when there is none usable.
func loadSnapshot(path string) (s *Snapshot, ok bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return newSnapshot(), false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read snapshot: %w", err)
	}
	s = newSnapshot()
	if json.Unmarshal(b, s) != nil || s.Format != snapshotFormat {
		return newSnapshot(), false, nil
	}
	if s.LeaderSettings == nil {
		s.LeaderSettings = map[string]string{}
	}
	if s.Relations == nil {
		s.Relations = map[string]relations.Endpoint{}
	}
	if s.Secrets == nil {
		s.Secrets = map[string]map[string]string{}
	}
	if s.Addresses == nil {
		s.Addresses = map[string]string{}
	}
	return s, true, nil
}

// save writes the snapshot atomically, root-only from the first byte.
func (s *Snapshot) save(path string) error {
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encode snapshot: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".octavia-snapshot-*")
	if err != nil {
		return fmt.Errorf("save snapshot: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("save snapshot: %w", err)
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("save snapshot: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save snapshot: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("save snapshot: %w", err)
	}
	return nil
}

// relation finds a relation by id, and its endpoint.
func (s *Snapshot) relation(id string) (endpoint string, idx int) {
	for ep, rels := range s.Relations {
		for i, r := range rels {
			if r.ID == id {
				return ep, i
			}
		}
	}
	return "", -1
}
