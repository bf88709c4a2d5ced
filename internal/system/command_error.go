package system

import (
	"errors"
	"fmt"
	"strings"
)

// maxErrorStderr is how much of a program's standard error (its end, where
// tools such as apt-get put the reason they failed) CommandError.Error shows.
const maxErrorStderr = 1024

// CommandError reports a program that could not be started or that failed.
// It carries the command line and the program's standard error, never its
// standard input.
type CommandError struct {
	// Name is the program that was run.
	Name string
	// Args are its arguments.
	Args []string
	// ExitCode is the program's exit status, or -1 when it did not exit
	// normally (it could not be started, or a signal killed it).
	ExitCode int
	// Stderr is what the program wrote to standard error, with surrounding
	// white space trimmed.
	Stderr string
	// Err is the underlying error from os/exec.
	Err error
}

// Error returns the command line, how it failed and the end of its standard
// error.
func (e *CommandError) Error() string {
	var b strings.Builder
	b.WriteString(e.CommandLine())
	if e.ExitCode >= 0 {
		fmt.Fprintf(&b, ": exit status %d", e.ExitCode)
	} else if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	if e.Stderr != "" {
		s := e.Stderr
		if len(s) > maxErrorStderr {
			s = "..." + s[len(s)-maxErrorStderr:]
		}
		b.WriteString(": ")
		b.WriteString(s)
	}
	return b.String()
}

// Unwrap returns the underlying os/exec error.
func (e *CommandError) Unwrap() error { return e.Err }

// CommandLine returns the program and its arguments separated by spaces.
func (e *CommandError) CommandLine() string {
	return strings.Join(append([]string{e.Name}, e.Args...), " ")
}

// ExitCode returns the exit status carried by a *CommandError in err's chain,
// or -1 when there is none.
func ExitCode(err error) int {
	var ce *CommandError
	if errors.As(err, &ce) {
		return ce.ExitCode
	}
	return -1
}

// Stderr returns the standard error carried by a *CommandError in err's
// chain, or "" when there is none.
func Stderr(err error) string {
	var ce *CommandError
	if errors.As(err, &ce) {
		return ce.Stderr
	}
	return ""
}
