package system

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"
)

// maxStderr is how much of a program's standard error (its end) Exec keeps.
const maxStderr = 64 << 10

// waitDelay bounds how long Exec waits for a program's standard input to be
// consumed once the program has exited or its context is done.
const waitDelay = 5 * time.Second

// Exec is the Commander that runs real programs with os/exec.
//
// It captures standard output and standard error in unlinked temporary
// files rather than pipes: an init script that leaves a daemon holding the
// script's standard output then neither hangs the hook (a pipe reader would
// wait for the daemon to exit) nor gets the daemon killed by SIGPIPE later
// (as closing the pipe would). The files are created with mode 0600 in
// TempDir, and removed from the directory before the program starts.
type Exec struct {
	// TempDir is where the capture files are created. Empty means /run
	// (a tmpfs on Ubuntu and Debian, so output never reaches a disk) and, if
	// that is not writable, os.TempDir().
	TempDir string
}

// Run runs the program and waits for it. See Commander.
func (e Exec) Run(ctx context.Context, name string, args []string, env []string, stdin []byte) ([]byte, error) {
	fail := func(err error) error {
		return &CommandError{Name: name, Args: args, ExitCode: -1, Err: err}
	}
	stdout, err := e.captureFile()
	if err != nil {
		return nil, fail(err)
	}
	defer stdout.Close()
	stderr, err := e.captureFile()
	if err != nil {
		return nil, fail(err)
	}
	defer stderr.Close()

	cmd := exec.CommandContext(ctx, name, args...)
	if len(env) > 0 {
		cmd.Env = append(os.Environ(), env...)
	}
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	cmd.Stdout = stdout
	cmd.Stderr = stderr
	cmd.WaitDelay = waitDelay
	runErr := cmd.Run()

	out, err := readAll(stdout)
	if err != nil {
		return nil, fail(fmt.Errorf("read standard output: %w", err))
	}
	if runErr == nil {
		return out, nil
	}
	errText, err := readTail(stderr, maxStderr)
	if err != nil {
		errText = nil
	}
	code := -1
	var exitErr *exec.ExitError
	if errors.As(runErr, &exitErr) && exitErr.Exited() {
		code = exitErr.ExitCode()
	}
	return out, &CommandError{
		Name:     name,
		Args:     args,
		ExitCode: code,
		Stderr:   strings.TrimSpace(string(errText)),
		Err:      runErr,
	}
}

// captureFile returns an unlinked temporary file open for reading and
// writing.
func (e Exec) captureFile() (*os.File, error) {
	dirs := []string{e.TempDir}
	if e.TempDir == "" {
		dirs = []string{"/run", os.TempDir()}
	}
	var firstErr error
	for _, dir := range dirs {
		f, err := os.CreateTemp(dir, ".charm-octavia-output-*")
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if err := os.Remove(f.Name()); err != nil {
			f.Close()
			return nil, fmt.Errorf("unlink capture file: %w", err)
		}
		return f, nil
	}
	return nil, fmt.Errorf("create capture file: %w", firstErr)
}

// readAll reads a capture file from its start.
func readAll(f *os.File) ([]byte, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return io.ReadAll(f)
}

// readTail reads at most the last max bytes of a capture file.
func readTail(f *os.File, max int64) ([]byte, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	off := st.Size() - max
	if off < 0 {
		off = 0
	}
	buf := make([]byte, st.Size()-off)
	n, err := f.ReadAt(buf, off)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return buf[:n], nil
}
