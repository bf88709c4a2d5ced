package users

import (
	"context"
	"fmt"
	"slices"

	"charm-octavia/internal/system"
)

// Accounts changes accounts on the host with the shadow-utils programs,
// after checking the account databases under its root so that it runs them
// only when something must change.
type Accounts struct {
	root string
	cmd  system.Commander
}

// New returns Accounts that read the databases under root ("/" on a unit)
// and run programs with cmd. The programs act on the real host whatever the
// root: a root other than "/" is for tests with a fake Commander.
func New(root string, cmd system.Commander) *Accounts {
	return &Accounts{root: root, cmd: cmd}
}

// EnsureMember makes user a member of group. It reads <root>/etc/passwd and
// <root>/etc/group first and runs `usermod -a -G group user` only when user
// is neither listed in the group nor has it as its primary group, reporting
// whether it did. It fails with an *UnknownError when the user or the group
// does not exist yet, for example before the package that creates it is
// installed.
func (a *Accounts) EnsureMember(ctx context.Context, user, group string) (bool, error) {
	fail := func(err error) (bool, error) {
		return false, fmt.Errorf("add user %q to group %q: %w", user, group, err)
	}
	u, err := find(a.root, "etc/passwd", user)
	if err != nil {
		return fail(err)
	}
	if u == nil {
		return fail(&UnknownError{Kind: "user", Name: user})
	}
	g, err := find(a.root, "etc/group", group)
	if err != nil {
		return fail(err)
	}
	if g == nil {
		return fail(&UnknownError{Kind: "group", Name: group})
	}
	if u.gid == g.id || slices.Contains(g.members, user) {
		return false, nil
	}
	if _, err := a.cmd.Run(ctx, "usermod", []string{"-a", "-G", group, user}, nil, nil); err != nil {
		return fail(err)
	}
	return true, nil
}
