package jujutest

import (
	"errors"
	"fmt"
)

// toolFailure is a hook tool's failure: Juju's cmd package exits 2 for a
// bad invocation (flags, arguments) and 1 for a failure while running.
type toolFailure struct {
	code int
	msg  string
}

// Error returns the message, which the tool prints after "ERROR ".
func (f *toolFailure) Error() string { return f.msg }

// usagef is a bad invocation (exit status 2).
func usagef(format string, args ...any) error {
	return &toolFailure{code: 2, msg: fmt.Sprintf(format, args...)}
}

// failf is a failure while running (exit status 1).
func failf(format string, args ...any) error {
	return &toolFailure{code: 1, msg: fmt.Sprintf(format, args...)}
}

// exitCode is the exit status for err: that of a toolFailure, else 1.
func exitCode(err error) int {
	var f *toolFailure
	if errors.As(err, &f) {
		return f.code
	}
	return 1
}

// errNotLeader is Juju's answer to a leader-only call from another unit.
const errNotLeader = "this unit is not the leader"
