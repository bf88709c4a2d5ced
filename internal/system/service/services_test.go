package service

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"charm-octavia/internal/system/systemtest"
)

func TestDetect(t *testing.T) {
	root := t.TempDir()
	if _, ok := Detect(root, &systemtest.Commander{}).(*SysV); !ok {
		t.Error("without run/systemd/system: want SysV")
	}
	if err := os.MkdirAll(filepath.Join(root, "run/systemd/system"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, ok := Detect(root, &systemtest.Commander{}).(*Systemd); !ok {
		t.Error("with run/systemd/system: want Systemd")
	}
}

func TestSystemdActions(t *testing.T) {
	cmd := &systemtest.Commander{}
	s := NewSystemd(cmd)
	ctx := context.Background()
	for _, f := range []func(context.Context, string) error{s.Start, s.Stop, s.Restart, s.Reload, s.Enable, s.Disable} {
		if err := f(ctx, "octavia-worker"); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{
		"systemctl --quiet start octavia-worker",
		"systemctl --quiet stop octavia-worker",
		"systemctl --quiet restart octavia-worker",
		"systemctl --quiet reload octavia-worker",
		"systemctl --quiet enable octavia-worker",
		"systemctl --quiet disable octavia-worker",
	}
	if got := cmd.Lines(); !reflect.DeepEqual(got, want) {
		t.Errorf("ran %q, want %q", got, want)
	}
}

func TestSystemdStartFailureNamesService(t *testing.T) {
	cmd := &systemtest.Commander{}
	cmd.On("systemctl --quiet start", "", systemtest.Exit(1, "Job for octavia-worker.service failed because the control process exited with error code."))
	err := NewSystemd(cmd).Start(context.Background(), "octavia-worker")
	var se *Error
	if !errors.As(err, &se) || se.Service != "octavia-worker" || se.Action != "start" {
		t.Fatalf("error = %v, want *Error for start octavia-worker", err)
	}
	if !strings.HasPrefix(err.Error(), "start octavia-worker: ") || !strings.Contains(err.Error(), "control process exited") {
		t.Errorf("error = %q", err)
	}
	if err := NewSystemd(cmd).Stop(context.Background(), "../x"); err == nil {
		t.Error("Stop(../x): want an error")
	}
}

func TestSystemdRunning(t *testing.T) {
	cmd := &systemtest.Commander{}
	cmd.On("systemctl is-active", "active\ninactive\nfailed\nreloading\nactivating\n", systemtest.Exit(3, ""))
	names := []string{"apache2", "haproxy", "octavia-worker", "memcached", "octavia-housekeeping"}
	got, err := NewSystemd(cmd).Running(context.Background(), names)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"apache2": true, "haproxy": false, "octavia-worker": false, "memcached": true, "octavia-housekeeping": false}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Running = %v, want %v", got, want)
	}
	if lines := cmd.Lines(); len(lines) != 1 || lines[0] != "systemctl is-active "+strings.Join(names, " ") {
		t.Errorf("ran %q, want one systemctl is-active", lines)
	}

	cmd = &systemtest.Commander{}
	cmd.On("systemctl is-active", "active\n", systemtest.Exit(3, ""))
	if _, err := NewSystemd(cmd).Running(context.Background(), []string{"a", "b"}); err == nil {
		t.Error("Running with a short answer: want an error")
	}
	cmd = &systemtest.Commander{}
	if got, err := NewSystemd(cmd).Running(context.Background(), nil); err != nil || len(got) != 0 || len(cmd.Calls()) != 0 {
		t.Errorf("Running(nil) = %v, %v after %q", got, err, cmd.Lines())
	}
}

func TestSysVActions(t *testing.T) {
	root := t.TempDir()
	touch(t, filepath.Join(root, "etc/init.d/apache2"))
	cmd := &systemtest.Commander{}
	s := NewSysV(root, cmd)
	ctx := context.Background()
	for _, f := range []func(context.Context, string) error{s.Start, s.Stop, s.Restart, s.Reload} {
		if err := f(ctx, "apache2"); err != nil {
			t.Fatal(err)
		}
	}
	err := s.Enable(ctx, "apache2")
	var se *Error
	if !errors.As(err, &se) || se.Action != "enable" || !strings.Contains(err.Error(), "update-rc.d is not installed") {
		t.Errorf("Enable without update-rc.d: error = %v", err)
	}
	touch(t, filepath.Join(root, "usr/sbin/update-rc.d"))
	if err := s.Enable(ctx, "apache2"); err != nil {
		t.Fatal(err)
	}
	if err := s.Disable(ctx, "apache2"); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"/etc/init.d/apache2 start",
		"/etc/init.d/apache2 stop",
		"/etc/init.d/apache2 restart",
		"/etc/init.d/apache2 reload",
		"/usr/sbin/update-rc.d apache2 enable",
		"/usr/sbin/update-rc.d apache2 disable",
	}
	if got := cmd.Lines(); !reflect.DeepEqual(got, want) {
		t.Errorf("ran %q, want %q", got, want)
	}
}

func TestSysVStartErrors(t *testing.T) {
	root := t.TempDir()
	touch(t, filepath.Join(root, "etc/init.d/octavia-worker"))
	cmd := &systemtest.Commander{}
	cmd.On("/etc/init.d/octavia-worker start", "", systemtest.Exit(1, "Starting octavia-worker: failed"))
	s := NewSysV(root, cmd)
	err := s.Start(context.Background(), "octavia-worker")
	var se *Error
	if !errors.As(err, &se) || se.Service != "octavia-worker" || !strings.Contains(err.Error(), "exit status 1") {
		t.Errorf("failing script: error = %v", err)
	}
	err = s.Start(context.Background(), "octavia-api")
	if !errors.As(err, &se) || se.Service != "octavia-api" || !strings.Contains(err.Error(), "no init script /etc/init.d/octavia-api") {
		t.Errorf("missing script: error = %v", err)
	}
	for _, bad := range []string{"", "../../bin/sh", "-x", "a b"} {
		if err := s.Stop(context.Background(), bad); err == nil {
			t.Errorf("Stop(%q): want an error", bad)
		}
	}
	if n := len(cmd.Calls()); n != 1 {
		t.Errorf("ran %q, want only the failing start", cmd.Lines())
	}
}

func touch(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
}
