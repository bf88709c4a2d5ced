// Command octavia is the charm's dispatch binary: Juju runs it for every hook
// and action. It only wires the parts together; the reconcile package does
// the work.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"charm-octavia/internal/cloud"
	"charm-octavia/internal/hostnet"
	"charm-octavia/internal/juju"
	"charm-octavia/internal/octavia"
	"charm-octavia/internal/reconcile"
	"charm-octavia/internal/system"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := juju.ReadEnv(os.Getenv)
	u := &reconcile.Unit{
		Env:     env,
		Tools:   juju.New(juju.ExecRunner{}),
		System:  reconcile.NewSystemHost("/"),
		Planner: octavia.NewPlanner(),
		Log:     os.Stdout,
		ConnectCloud: func(ctx context.Context, c cloud.Credentials) (reconcile.ManagementCloud, error) {
			return cloud.Connect(ctx, c)
		},
		Plumbing:    hostnet.Plumber{Cmd: system.Exec{}},
		ObserveLink: hostnet.Observe,
	}
	if err := u.Run(ctx); err != nil {
		// stderr reaches the unit log at WARNING; a non-zero exit makes Juju
		// retry the hook and discard its relation, secret and state writes.
		fmt.Fprintln(os.Stderr, u.Redact(fmt.Sprintf("octavia %s: %v", env.Event().Name, err)))
		os.Exit(1)
	}
}
