// Package systemtest provides a recording fake system.Commander for tests of
// code that runs host programs.
package systemtest

import (
	"bytes"
	"context"
	"strings"
	"sync"

	"charm-octavia/internal/system"
)

// Call is one program run recorded by Commander.
type Call struct {
	Name  string   // program
	Args  []string // its arguments
	Env   []string // extra environment entries
	Stdin []byte   // standard input (nil when none was given)
}

// String returns the program and its arguments separated by spaces.
func (c Call) String() string {
	return strings.Join(append([]string{c.Name}, c.Args...), " ")
}

// reply is a canned answer queued with On.
type reply struct {
	prefix string
	stdout []byte
	err    error
	used   bool
}

// Commander is a fake system.Commander. It records every call and answers
// with the replies queued by On; a call no reply matches succeeds with empty
// output. It is safe for concurrent use.
type Commander struct {
	mu      sync.Mutex
	calls   []Call
	replies []*reply
}

// On queues a reply for the next call whose command line (program and
// arguments separated by spaces) starts with prefix. Each reply answers one
// call; queue several for repeated calls. Replies are matched in the order
// they were queued.
func (c *Commander) On(prefix string, stdout string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.replies = append(c.replies, &reply{prefix: prefix, stdout: []byte(stdout), err: err})
}

// Run records the call and returns the first unused matching reply.
func (c *Commander) Run(ctx context.Context, name string, args []string, env []string, stdin []byte) ([]byte, error) {
	call := Call{
		Name:  name,
		Args:  append([]string(nil), args...),
		Env:   append([]string(nil), env...),
		Stdin: bytes.Clone(stdin),
	}
	line := call.String()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = append(c.calls, call)
	if err := ctx.Err(); err != nil {
		return nil, &system.CommandError{Name: name, Args: args, ExitCode: -1, Err: err}
	}
	for _, r := range c.replies {
		if !r.used && strings.HasPrefix(line, r.prefix) {
			r.used = true
			err := r.err
			if ce, ok := err.(*system.CommandError); ok && ce.Name == "" {
				filled := *ce
				filled.Name, filled.Args = name, call.Args
				err = &filled
			}
			return append([]byte(nil), r.stdout...), err
		}
	}
	return nil, nil
}

// Calls returns the calls recorded so far.
func (c *Commander) Calls() []Call {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Call(nil), c.calls...)
}

// Lines returns the command lines of the calls recorded so far (nil when
// there were none).
func (c *Commander) Lines() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var lines []string
	for _, call := range c.calls {
		lines = append(lines, call.String())
	}
	return lines
}

// Exit returns the error system.Exec reports for a program that exits with
// code after writing stderr. Given to On, it is completed with the command
// line of the call it answers.
func Exit(code int, stderr string) error {
	return &system.CommandError{ExitCode: code, Stderr: stderr}
}
