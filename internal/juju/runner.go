package juju

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// Runner runs one hook tool and returns its stdout.
//
// A failed run returns a *ToolError (possibly wrapped) carrying the exit
// status and the tool's stderr. stdin is nil when the tool reads nothing.
type Runner interface {
	Run(ctx context.Context, tool string, args []string, stdin []byte) ([]byte, error)
}

// ExecRunner execs the tools found on PATH (Juju prepends its tools dir).
type ExecRunner struct{}

// Run executes tool with args, feeding it stdin when stdin is not nil.
func (ExecRunner) Run(ctx context.Context, tool string, args []string, stdin []byte) ([]byte, error) {
	cmd := exec.CommandContext(ctx, tool, args...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	err := cmd.Run()
	if err == nil {
		return stdout.Bytes(), nil
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return stdout.Bytes(), &ToolError{
			Tool:     tool,
			Args:     append([]string(nil), args...),
			ExitCode: exitErr.ExitCode(),
			Stderr:   strings.TrimSpace(stderr.String()),
		}
	}
	return stdout.Bytes(), &ToolError{Tool: tool, Args: append([]string(nil), args...), ExitCode: -1, Err: err}
}

// ToolError is a failed hook-tool run.
//
// Args are safe to log: this package never puts secret values on argv (they
// travel on stdin or in private files), so Args hold at most file paths.
type ToolError struct {
	// Tool is the hook tool's name, e.g. "relation-get".
	Tool string
	// Args are the arguments the tool ran with.
	Args []string
	// ExitCode is the tool's exit status, or -1 if it could not start.
	ExitCode int
	// Stderr is the tool's standard error, trimmed ("ERROR ...").
	Stderr string
	// Err is the underlying error when the tool could not start.
	Err error
}

// Error reads like "relation-get: exit 1: ERROR permission denied".
func (e *ToolError) Error() string {
	switch {
	case e.Err != nil:
		return fmt.Sprintf("%s: %v", e.Tool, e.Err)
	case e.Stderr != "":
		return fmt.Sprintf("%s: exit %d: %s", e.Tool, e.ExitCode, e.Stderr)
	default:
		return fmt.Sprintf("%s: exit %d", e.Tool, e.ExitCode)
	}
}

// Unwrap returns the start-up error, if any.
func (e *ToolError) Unwrap() error { return e.Err }
