package juju

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestExecRunner(t *testing.T) {
	dir := t.TempDir()
	tool := filepath.Join(dir, "fake-tool")
	script := "#!/bin/sh\nif [ \"$1\" = fail ]; then echo 'ERROR bad thing' >&2; exit 3; fi\ncat\n"
	if err := os.WriteFile(tool, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := ExecRunner{}.Run(context.Background(), tool, []string{"ok"}, []byte("hello"))
	if err != nil || string(out) != "hello" {
		t.Errorf("Run = %q, %v", out, err)
	}
	_, err = ExecRunner{}.Run(context.Background(), tool, []string{"fail"}, nil)
	var te *ToolError
	if !errors.As(err, &te) || te.ExitCode != 3 || te.Stderr != "ERROR bad thing" {
		t.Fatalf("Run error = %#v", err)
	}
	if got, want := te.Error(), tool+": exit 3: ERROR bad thing"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	_, err = ExecRunner{}.Run(context.Background(), filepath.Join(dir, "missing"), nil, nil)
	if !errors.As(err, &te) || te.ExitCode != -1 || te.Err == nil {
		t.Errorf("missing tool error = %#v", err)
	}
}

func TestCounting(t *testing.T) {
	c := NewCounting(&recorder{out: map[string]string{"is-leader": "true"}})
	tl := New(c)
	for range 3 {
		if _, err := tl.IsLeader(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	_ = tl.Log(context.Background(), "", "x")
	if c.Total() != 4 || c.Calls()["is-leader"] != 3 || c.Calls()["juju-log"] != 1 {
		t.Errorf("counts %v total %d", c.Calls(), c.Total())
	}
	c.Reset()
	if c.Total() != 0 {
		t.Errorf("after Reset: %d", c.Total())
	}
}
