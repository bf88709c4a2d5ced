package system

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestExecOutputAndError(t *testing.T) {
	out, err := Exec{}.Run(context.Background(), "sh",
		[]string{"-c", "echo out; echo '  first' >&2; echo last >&2; exit 3"}, nil, nil)
	if string(out) != "out\n" {
		t.Errorf("stdout = %q, want %q", out, "out\n")
	}
	var ce *CommandError
	if !errors.As(err, &ce) {
		t.Fatalf("error = %v (%T), want *CommandError", err, err)
	}
	if ce.ExitCode != 3 || ExitCode(err) != 3 {
		t.Errorf("exit code = %d, want 3", ce.ExitCode)
	}
	if ce.Stderr != "first\nlast" {
		t.Errorf("stderr = %q, want trimmed %q", ce.Stderr, "first\nlast")
	}
	msg := err.Error()
	for _, want := range []string{"sh -c", "exit status 3", "last"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not contain %q", msg, want)
		}
	}
}

func TestExecStdinNeverInError(t *testing.T) {
	const secret = "s3cr3t-passphrase"
	out, err := Exec{}.Run(context.Background(), "cat", nil, nil, []byte(secret))
	if err != nil || string(out) != secret {
		t.Fatalf("cat = %q, %v; want the input back", out, err)
	}
	_, err = Exec{}.Run(context.Background(), "sh", []string{"-c", "cat >/dev/null; echo failed >&2; exit 1"}, nil, []byte(secret))
	if err == nil {
		t.Fatal("want an error")
	}
	if strings.Contains(err.Error(), secret) {
		t.Errorf("error %q contains the standard input", err)
	}
}

func TestExecEnv(t *testing.T) {
	out, err := Exec{}.Run(context.Background(), "sh", []string{"-c", `echo "$CHARM_TEST_VAR:$PATH"`},
		[]string{"CHARM_TEST_VAR=yes"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(out); !strings.HasPrefix(got, "yes:") || got == "yes:\n" {
		t.Errorf("output %q: want the extra variable and the inherited PATH", got)
	}
}

func TestExecNotFound(t *testing.T) {
	_, err := Exec{}.Run(context.Background(), "/nonexistent/program", []string{"x"}, nil, nil)
	var ce *CommandError
	if !errors.As(err, &ce) || ce.ExitCode != -1 {
		t.Fatalf("error = %v, want *CommandError with exit code -1", err)
	}
	if !strings.Contains(err.Error(), "/nonexistent/program x") {
		t.Errorf("error %q does not name the command", err)
	}
}

// An init script that leaves a daemon holding its standard output must not
// keep Run waiting for the daemon.
func TestExecDaemonKeepsOutputOpen(t *testing.T) {
	start := time.Now()
	out, err := Exec{TempDir: t.TempDir()}.Run(context.Background(), "sh", []string{"-c", "sleep 30 & echo $!"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if pid, perr := strconv.Atoi(strings.TrimSpace(string(out))); perr == nil {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Run took %v: it waited for the background process", d)
	}
}

func TestExecCaptureFilesRemoved(t *testing.T) {
	dir := t.TempDir()
	if _, err := (Exec{TempDir: dir}).Run(context.Background(), "true", nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Errorf("capture files left behind: %v", entries)
	}
}

func TestExecContextCancelled(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := Exec{}.Run(ctx, "sleep", []string{"10"}, nil, nil)
	if err == nil || ExitCode(err) != -1 {
		t.Fatalf("error = %v, want a killed command", err)
	}
}
