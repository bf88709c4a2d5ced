package service

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"charm-octavia/internal/system/systemtest"
)

// fakeProc writes a /proc under root with one process per entry: its argv
// and its state.
func fakeProc(t *testing.T, root string, procs map[int]struct {
	argv  []string
	comm  string
	state byte
}) {
	t.Helper()
	for pid, p := range procs {
		dir := filepath.Join(root, "proc", strconv.Itoa(pid))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		cmdline := ""
		if len(p.argv) > 0 {
			cmdline = strings.Join(p.argv, "\x00") + "\x00"
		}
		stat := strconv.Itoa(pid) + " (" + p.comm + ") " + string(p.state) + " 1 1 1 0 -1"
		if err := os.WriteFile(filepath.Join(dir, "cmdline"), []byte(cmdline), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "stat"), []byte(stat), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Entries that are not processes.
	os.MkdirAll(filepath.Join(root, "proc/self"), 0o755)
	os.WriteFile(filepath.Join(root, "proc/uptime"), []byte("1 1"), 0o644)
}

func TestSysVRunningMatchers(t *testing.T) {
	root := t.TempDir()
	type proc = struct {
		argv  []string
		comm  string
		state byte
	}
	fakeProc(t, root, map[int]proc{
		2:   {nil, "kthreadd", 'S'},
		100: {[]string{"octavia-worker: master process [/usr/bin/octavia-worker --config-file=/etc/octavia/octavia.conf --log-file=/var/log/octavia/octavia-worker.log]"}, "octavia-worker", 'S'},
		101: {[]string{"/usr/bin/python3.11", "-s", "/usr/bin/octavia-health-manager"}, "octavia-health-", 'R'},
		102: {[]string{"/usr/sbin/apache2", "-k", "start"}, "apache2", 'S'},
		103: {[]string{"/usr/sbin/haproxy", "-Ws", "-f", "/etc/haproxy/haproxy.cfg"}, "haproxy", 'Z'},
		104: {[]string{"/usr/sbin/mariadbd", "--user=mysql"}, "mariadbd", 'S'},
		105: {[]string{"memcached-wrapper", "memcached"}, "memcached-wrapp", 'S'},
		106: {[]string{"/usr/bin/octavia-housekeeping"}, "odd) name (x", 'Z'},
		107: {[]string{"/bin/sh", "/usr/bin/octavia-housekeeping"}, "sh", 'S'},
	})
	cmd := &systemtest.Commander{}
	names := []string{"octavia-worker", "octavia-health-manager", "octavia-housekeeping", "apache2", "haproxy", "mariadb", "memcached", "octavia-api"}
	got, err := NewSysV(root, cmd).Running(context.Background(), names)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{
		"octavia-worker":         true,  // title rewritten by setproctitle
		"octavia-health-manager": true,  // python3.11 with an option
		"octavia-housekeeping":   true,  // zombie 106 ignored, sh script 107 counts
		"apache2":                true,  // argv[0]
		"haproxy":                false, // zombie
		"mariadb":                true,  // mariadbd
		"memcached":              false, // argument of a non-interpreter
		"octavia-api":            false,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Running =\n%v\nwant\n%v", got, want)
	}
	if len(cmd.Calls()) != 0 {
		t.Errorf("ran %q, want nothing", cmd.Lines())
	}
	if _, err := NewSysV(t.TempDir(), cmd).Running(context.Background(), []string{"x"}); err == nil {
		t.Error("Running without /proc: want an error")
	}
}

// The real /proc: a child running under a unique program name is found
// while it runs, and neither as a zombie nor once it is gone.
func TestSysVRunningRealProc(t *testing.T) {
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep")
	}
	name := "charm-test-sleep-" + strconv.Itoa(os.Getpid())
	link := filepath.Join(t.TempDir(), name)
	if err := os.Symlink(sleep, link); err != nil {
		t.Fatal(err)
	}
	child := exec.Command(link, "30")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer child.Process.Kill()
	s := NewSysV("/", &systemtest.Commander{})
	ctx := context.Background()

	got, err := s.Running(ctx, []string{name, "charm-test-not-running"})
	if err != nil {
		t.Fatal(err)
	}
	if !got[name] || got["charm-test-not-running"] {
		t.Fatalf("Running = %v, want only %s running", got, name)
	}

	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	statPath := filepath.Join("/proc", strconv.Itoa(child.Process.Pid), "stat")
	for deadline := time.Now().Add(5 * time.Second); ; {
		data, _ := os.ReadFile(statPath)
		if i := strings.LastIndexByte(string(data), ')'); i >= 0 && i+2 < len(data) && data[i+2] == 'Z' {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("child did not become a zombie: %q", data)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if got, err := s.Running(ctx, []string{name}); err != nil || got[name] {
		t.Errorf("zombie: Running = %v, %v; want not running", got, err)
	}
	child.Wait()
	if got, err := s.Running(ctx, []string{name}); err != nil || got[name] {
		t.Errorf("after exit: Running = %v, %v; want not running", got, err)
	}
}

// BenchmarkRunningSysV scans the real /proc for the charm's services, none
// of which runs here: the worst case, a full scan.
func BenchmarkRunningSysV(b *testing.B) {
	s := NewSysV("/", &systemtest.Commander{})
	names := []string{"apache2", "haproxy", "memcached", "octavia-worker", "octavia-health-manager", "octavia-housekeeping"}
	ctx := context.Background()
	for b.Loop() {
		if _, err := s.Running(ctx, names); err != nil {
			b.Fatal(err)
		}
	}
}
