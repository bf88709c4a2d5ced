// Package service starts, stops and watches services through whichever
// service manager the host booted with: systemd, or SysV init scripts on
// hosts where PID 1 is something else (the Debian test bed, containers).
package service

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"charm-octavia/internal/system"
)

// Services manages the host's services by name ("octavia-worker",
// "apache2"). Enable and Disable only change whether a service starts at
// boot: callers Start or Stop it separately.
type Services interface {
	// Start starts the service.
	Start(ctx context.Context, name string) error
	// Stop stops the service.
	Stop(ctx context.Context, name string) error
	// Restart stops and starts the service.
	Restart(ctx context.Context, name string) error
	// Reload makes the service re-read its configuration.
	Reload(ctx context.Context, name string) error
	// Enable makes the service start at boot.
	Enable(ctx context.Context, name string) error
	// Disable keeps the service from starting at boot.
	Disable(ctx context.Context, name string) error
	// Running reports, for each name, whether the service is running, at
	// the cost of one program run at most.
	Running(ctx context.Context, names []string) (map[string]bool, error)
}

// Detect returns the Services for the host under root: systemd when
// <root>/run/systemd/system exists (the test sd_booted(3) makes for "this
// host booted with systemd"), SysV init scripts otherwise.
func Detect(root string, cmd system.Commander) Services {
	if st, err := os.Stat(filepath.Join(root, "run/systemd/system")); err == nil && st.IsDir() {
		return NewSystemd(cmd)
	}
	return NewSysV(root, cmd)
}

// Error reports which action on which service failed, so that a status
// message can name the service.
type Error struct {
	// Service is the service name.
	Service string
	// Action is "start", "stop", "restart", "reload", "enable" or
	// "disable".
	Action string
	// Err is what went wrong.
	Err error
}

// Error names the action and the service.
func (e *Error) Error() string {
	return fmt.Sprintf("%s %s: %v", e.Action, e.Service, e.Err)
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// checkName rejects names that are not plain service names: they become a
// path under /etc/init.d or an argument to systemctl.
func checkName(name string) error {
	if name == "" || name == "." || name == ".." || name[0] == '-' {
		return fmt.Errorf("invalid service name %q", name)
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c == '/' || c <= ' ' || c == 0x7f {
			return fmt.Errorf("invalid service name %q", name)
		}
	}
	return nil
}
