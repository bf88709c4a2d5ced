package service

import (
	"bufio"
	"bytes"
	"context"
	"fmt"

	"charm-octavia/internal/system"
)

// Systemd manages services with systemctl.
type Systemd struct {
	cmd system.Commander
}

// NewSystemd returns Services that run systemctl with cmd.
func NewSystemd(cmd system.Commander) *Systemd {
	return &Systemd{cmd: cmd}
}

// Start runs systemctl start.
func (s *Systemd) Start(ctx context.Context, name string) error {
	return s.systemctl(ctx, "start", name)
}

// Stop runs systemctl stop.
func (s *Systemd) Stop(ctx context.Context, name string) error {
	return s.systemctl(ctx, "stop", name)
}

// Restart runs systemctl restart.
func (s *Systemd) Restart(ctx context.Context, name string) error {
	return s.systemctl(ctx, "restart", name)
}

// Reload runs systemctl reload.
func (s *Systemd) Reload(ctx context.Context, name string) error {
	return s.systemctl(ctx, "reload", name)
}

// Enable runs systemctl enable (without --now).
func (s *Systemd) Enable(ctx context.Context, name string) error {
	return s.systemctl(ctx, "enable", name)
}

// Disable runs systemctl disable (without --now).
func (s *Systemd) Disable(ctx context.Context, name string) error {
	return s.systemctl(ctx, "disable", name)
}

// systemctl runs one systemctl action on one unit.
func (s *Systemd) systemctl(ctx context.Context, action, name string) error {
	if err := checkName(name); err != nil {
		return &Error{Service: name, Action: action, Err: err}
	}
	if _, err := s.cmd.Run(ctx, "systemctl", []string{"--quiet", action, name}, nil, nil); err != nil {
		return &Error{Service: name, Action: action, Err: err}
	}
	return nil
}

// Running runs one `systemctl is-active a b c` and reads its one line per
// unit: "active" and "reloading" count as running; "inactive", "failed",
// "activating", "deactivating" and units systemd does not know do not.
// systemctl exits non-zero when any unit is not active; that is not an
// error as long as it printed a state for every unit.
func (s *Systemd) Running(ctx context.Context, names []string) (map[string]bool, error) {
	running := make(map[string]bool, len(names))
	if len(names) == 0 {
		return running, nil
	}
	for _, n := range names {
		if err := checkName(n); err != nil {
			return nil, fmt.Errorf("check running services: %w", err)
		}
	}
	out, runErr := s.cmd.Run(ctx, "systemctl", append([]string{"is-active"}, names...), nil, nil)
	var states []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if line := bytes.TrimSpace(sc.Bytes()); len(line) > 0 {
			states = append(states, string(line))
		}
	}
	if len(states) != len(names) {
		if runErr != nil {
			return nil, fmt.Errorf("check running services: %w", runErr)
		}
		return nil, fmt.Errorf("check running services: systemctl is-active printed %d states for %d units", len(states), len(names))
	}
	for i, n := range names {
		running[n] = running[n] || states[i] == "active" || states[i] == "reloading"
	}
	return running, nil
}
