package juju

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// Tools are the typed hook tools, run through a Runner. Every read asks for
// --format=json; no write puts a secret value on argv.
type Tools struct {
	runner Runner
}

// New returns the hook tools that run through r.
func New(r Runner) *Tools {
	return &Tools{runner: r}
}

// run runs one tool and wraps its error with the tool's name and what it
// was doing.
func (t *Tools) run(ctx context.Context, what, tool string, args []string, stdin []byte) ([]byte, error) {
	out, err := t.runner.Run(ctx, tool, args, stdin)
	if err != nil {
		return out, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// runJSON runs a read tool and decodes its JSON answer into v.
func (t *Tools) runJSON(ctx context.Context, what, tool string, args []string, v any) error {
	out, err := t.run(ctx, what, tool, args, nil)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(bytes.TrimSpace(out), v); err != nil {
		return fmt.Errorf("%s: decode %s output: %w", what, tool, err)
	}
	return nil
}

// runScalar runs a tool whose answer is one plain line, and trims it.
func (t *Tools) runScalar(ctx context.Context, what, tool string, args []string) (string, error) {
	out, err := t.run(ctx, what, tool, args, nil)
	if err != nil {
		return "", err
	}
	return strings.TrimRight(string(out), "\r\n"), nil
}

// stringMap decodes a JSON object of strings; "null" decodes to an empty map.
func decodeStringMap(what string, out []byte) (map[string]string, error) {
	m := map[string]string{}
	if err := json.Unmarshal(bytes.TrimSpace(out), &m); err != nil {
		return nil, fmt.Errorf("%s: decode output: %w", what, err)
	}
	if m == nil {
		m = map[string]string{}
	}
	return m, nil
}

// jsonStdin encodes data for a tool reading "--file -".
func jsonStdin(what string, data map[string]string) ([]byte, error) {
	b, err := json.Marshal(data)
	if err != nil {
		return nil, fmt.Errorf("%s: encode: %w", what, err)
	}
	return b, nil
}
