package service

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"charm-octavia/internal/system"
)

// updateRCD is the program that turns a SysV service's boot links on and
// off.
const updateRCD = "/usr/sbin/update-rc.d"

// SysV manages services with their /etc/init.d scripts, called directly:
// invoke-rc.d would ask /usr/sbin/policy-rc.d, which on the test bed (and in
// many containers) forbids every start.
type SysV struct {
	root string
	cmd  system.Commander
}

// NewSysV returns Services that run init scripts with cmd and look for
// scripts and processes under root ("/" on a unit). The programs run are
// the host's whatever the root: a root other than "/" is for tests with a
// fake Commander.
func NewSysV(root string, cmd system.Commander) *SysV {
	return &SysV{root: root, cmd: cmd}
}

// Start runs /etc/init.d/NAME start.
func (s *SysV) Start(ctx context.Context, name string) error {
	return s.script(ctx, "start", name)
}

// Stop runs /etc/init.d/NAME stop.
func (s *SysV) Stop(ctx context.Context, name string) error {
	return s.script(ctx, "stop", name)
}

// Restart runs /etc/init.d/NAME restart.
func (s *SysV) Restart(ctx context.Context, name string) error {
	return s.script(ctx, "restart", name)
}

// Reload runs /etc/init.d/NAME reload; a script without a reload action
// fails and the error says so.
func (s *SysV) Reload(ctx context.Context, name string) error {
	return s.script(ctx, "reload", name)
}

// Enable runs update-rc.d NAME enable.
func (s *SysV) Enable(ctx context.Context, name string) error {
	return s.updateRCD(ctx, "enable", name)
}

// Disable runs update-rc.d NAME disable.
func (s *SysV) Disable(ctx context.Context, name string) error {
	return s.updateRCD(ctx, "disable", name)
}

// script runs the init script of name with action, after checking that it
// exists so that the error for a service that is not installed is plain.
func (s *SysV) script(ctx context.Context, action, name string) error {
	if err := checkName(name); err != nil {
		return &Error{Service: name, Action: action, Err: err}
	}
	path := "/etc/init.d/" + name
	if _, err := os.Stat(filepath.Join(s.root, path)); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			err = fmt.Errorf("no init script %s", path)
		}
		return &Error{Service: name, Action: action, Err: err}
	}
	if _, err := s.cmd.Run(ctx, path, []string{action}, nil, nil); err != nil {
		return &Error{Service: name, Action: action, Err: err}
	}
	return nil
}

// updateRCD runs update-rc.d for name, after checking that it is installed.
func (s *SysV) updateRCD(ctx context.Context, action, name string) error {
	if err := checkName(name); err != nil {
		return &Error{Service: name, Action: action, Err: err}
	}
	if _, err := os.Stat(filepath.Join(s.root, updateRCD)); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			err = fmt.Errorf("%s is not installed", updateRCD)
		}
		return &Error{Service: name, Action: action, Err: err}
	}
	if _, err := s.cmd.Run(ctx, updateRCD, []string{name, action}, nil, nil); err != nil {
		return &Error{Service: name, Action: action, Err: err}
	}
	return nil
}

// Running reports which services have a live process, found by one scan of
// <root>/proc without running any program (see ProcessName for how a
// process is matched to a service).
func (s *SysV) Running(ctx context.Context, names []string) (map[string]bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("check running services: %w", err)
	}
	running := make(map[string]bool, len(names))
	want := make(map[string]bool, len(names))
	for _, n := range names {
		running[n] = false
		want[ProcessName(n)] = true
	}
	if len(want) == 0 {
		return running, nil
	}
	found, err := scanProc(filepath.Join(s.root, "proc"), want)
	if err != nil {
		return nil, fmt.Errorf("check running services: %w", err)
	}
	for _, n := range names {
		running[n] = found[ProcessName(n)]
	}
	return running, nil
}
