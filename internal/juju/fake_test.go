package juju

import (
	"context"
	"slices"
)

// call is one recorded tool run.
type call struct {
	tool  string
	args  []string
	stdin []byte
}

// recorder is a Runner that records calls and answers from a table.
type recorder struct {
	calls []call
	out   map[string]string // tool -> stdout
	err   error
	// during, if set, runs inside each call (e.g. to read secret files
	// while they exist).
	during func(call)
}

func (r *recorder) Run(_ context.Context, tool string, args []string, stdin []byte) ([]byte, error) {
	c := call{tool: tool, args: slices.Clone(args), stdin: slices.Clone(stdin)}
	r.calls = append(r.calls, c)
	if r.during != nil {
		r.during(c)
	}
	return []byte(r.out[tool]), r.err
}

func (r *recorder) last() call {
	if len(r.calls) == 0 {
		return call{}
	}
	return r.calls[len(r.calls)-1]
}
