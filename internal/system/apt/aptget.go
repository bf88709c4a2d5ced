package apt

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm-octavia/internal/system"
)

// aptArgs returns apt-get's arguments for an action on packages: keep
// configuration files the operator changed (dpkg's default choice where it
// has one, the installed file otherwise) and answer yes. Recommended
// packages are installed, as the upstream charm does, so a unit gets the
// same package set.
func aptArgs(action string, names ...string) []string {
	args := []string{
		"-o", "Dpkg::Options::=--force-confold",
		"-o", "Dpkg::Options::=--force-confdef",
		"-y", action,
	}
	return append(args, names...)
}

// aptEnv is the environment apt-get runs with: no debconf questions.
func aptEnv() []string {
	return []string{"DEBIAN_FRONTEND=noninteractive"}
}

// Install installs the packages names (and their dependencies and
// recommendations). It does nothing for an empty list; callers pass the
// result of Missing so that a converged unit runs no apt-get at all.
func (p *Packages) Install(ctx context.Context, names []string) error {
	if len(names) == 0 {
		return nil
	}
	if err := checkNames(names); err != nil {
		return fmt.Errorf("install packages: %w", err)
	}
	if err := p.aptGet(ctx, aptArgs("install", names...)); err != nil {
		return fmt.Errorf("install %s: %w", strings.Join(names, " "), err)
	}
	return nil
}

// Update refreshes the package lists (apt-get update).
func (p *Packages) Update(ctx context.Context) error {
	if err := p.aptGet(ctx, []string{"-q", "update"}); err != nil {
		return fmt.Errorf("update package lists: %w", err)
	}
	return nil
}

// Upgrade upgrades every installed package, installing or removing packages
// as the new versions need (apt-get dist-upgrade), keeping changed
// configuration files as Install does.
func (p *Packages) Upgrade(ctx context.Context) error {
	if err := p.aptGet(ctx, aptArgs("dist-upgrade")); err != nil {
		return fmt.Errorf("upgrade packages: %w", err)
	}
	return nil
}

// aptGet runs apt-get and, if it could not get a lock because another
// package manager holds it, waits LockRetryDelay and runs it once more.
func (p *Packages) aptGet(ctx context.Context, args []string) error {
	_, err := p.cmd.Run(ctx, "apt-get", args, aptEnv(), nil)
	if err == nil || !lockBusy(system.Stderr(err)) {
		return err
	}
	t := time.NewTimer(p.LockRetryDelay)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return fmt.Errorf("%w (waiting to retry: %w)", err, ctx.Err())
	case <-t.C:
	}
	_, err = p.cmd.Run(ctx, "apt-get", args, aptEnv(), nil)
	return err
}

// lockBusy reports whether apt-get failed because another process holds the
// dpkg lock, the dpkg frontend lock or the package lists lock.
func lockBusy(stderr string) bool {
	return strings.Contains(stderr, "Could not get lock") ||
		strings.Contains(stderr, "Unable to acquire the dpkg frontend lock")
}
