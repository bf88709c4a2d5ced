package apt

import (
	"context"
	"errors"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"

	"charm-octavia/internal/system"
	"charm-octavia/internal/system/systemtest"
)

const queryCall = `dpkg-query -W -f=${Package}\t${db:Status-Abbrev}\t${Version}\n`

func TestMissing(t *testing.T) {
	cmd := &systemtest.Commander{}
	cmd.On("dpkg-query", strings.Join([]string{
		"octavia-api\tii \t1:11.0.0-3",
		"octavia-worker\trc \t1:11.0.0-3", // removed, configuration kept
		"haproxy\thi \t2.6.12-1",          // held
		"apache2\tiU \t2.4.62-1",          // unpacked, not configured
		"memcached\tiiR\t1.6.18-1",        // reinstallation required
		"libc6\tii \t2.36-9",              // two architectures
		"libc6\tun \t",
		"",
	}, "\n"), systemtest.Exit(1, "dpkg-query: no packages found matching python3-nope\ndpkg-query: no packages found matching nope2"))
	p := New(cmd)
	names := []string{"octavia-api", "octavia-worker", "python3-nope", "haproxy", "apache2", "memcached", "libc6:amd64", "nope2"}
	got, err := p.Missing(context.Background(), names)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"octavia-worker", "python3-nope", "apache2", "memcached", "nope2"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Missing = %q, want %q", got, want)
	}
	lines := cmd.Lines()
	if len(lines) != 1 || lines[0] != queryCall+" "+strings.Join(names, " ") {
		t.Errorf("calls = %q, want one dpkg-query for all names", lines)
	}
}

func TestMissingNothingToAsk(t *testing.T) {
	cmd := &systemtest.Commander{}
	got, err := New(cmd).Missing(context.Background(), nil)
	if err != nil || got != nil || len(cmd.Calls()) != 0 {
		t.Errorf("Missing(nil) = %q, %v after %q; want nothing run", got, err, cmd.Lines())
	}
}

func TestMissingErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		stdout string
		err    error
	}{
		{"exit 2", "", systemtest.Exit(2, "dpkg-query: error: --showformat needs a value")},
		{"exit 1 for another reason", "bash\tii \t5\n", systemtest.Exit(1, "dpkg-query: error: parsing file '/var/lib/dpkg/status'")},
		{"not started", "", &system.CommandError{Name: "dpkg-query", ExitCode: -1, Err: errors.New("not found")}},
		{"garbage", "what is this\n", nil},
	} {
		cmd := &systemtest.Commander{}
		cmd.On("dpkg-query", tc.stdout, tc.err)
		if got, err := New(cmd).Missing(context.Background(), []string{"bash"}); err == nil {
			t.Errorf("%s: Missing = %q, want an error", tc.name, got)
		}
	}
	for _, bad := range []string{"octavia-*", "-a", "Octavia", "x", "a b", "pkg:", "pkg:am/d64"} {
		cmd := &systemtest.Commander{}
		if _, err := New(cmd).Missing(context.Background(), []string{"bash", bad}); err == nil || len(cmd.Calls()) != 0 {
			t.Errorf("Missing(%q) = %v after %q; want an error and nothing run", bad, err, cmd.Lines())
		}
	}
}

func TestVersion(t *testing.T) {
	cmd := &systemtest.Commander{}
	cmd.On("dpkg-query", "octavia-common\tii \t1:11.0.0-3\n", nil)
	cmd.On("dpkg-query", "octavia-common\trc \t1:11.0.0-3\n", nil)
	cmd.On("dpkg-query", "", systemtest.Exit(1, "dpkg-query: no packages found matching octavia-common"))
	p := New(cmd)
	for _, want := range []string{"1:11.0.0-3", "", ""} {
		if got, err := p.Version(context.Background(), "octavia-common"); err != nil || got != want {
			t.Errorf("Version = %q, %v; want %q", got, err, want)
		}
	}
}

// The real dpkg-query, where there is one: checks the format string and the
// exit status for unknown packages.
func TestMissingRealDpkg(t *testing.T) {
	if _, err := exec.LookPath("dpkg-query"); err != nil {
		t.Skip("no dpkg-query")
	}
	p := New(system.Exec{TempDir: t.TempDir()})
	got, err := p.Missing(context.Background(), []string{"dpkg", "charm-octavia-no-such-package"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"charm-octavia-no-such-package"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Missing = %q, want %q", got, want)
	}
	v, err := p.Version(context.Background(), "dpkg")
	if err != nil || v == "" || strings.ContainsAny(v, "\t\n") {
		t.Errorf("Version(dpkg) = %q, %v", v, err)
	}
}

const aptOpts = "apt-get -o Dpkg::Options::=--force-confold -o Dpkg::Options::=--force-confdef -y "

func TestAptGetCommands(t *testing.T) {
	cmd := &systemtest.Commander{}
	p := New(cmd)
	ctx := context.Background()
	if err := p.Install(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if err := p.Install(ctx, []string{"octavia-api", "python3-memcache"}); err != nil {
		t.Fatal(err)
	}
	if err := p.Update(ctx); err != nil {
		t.Fatal(err)
	}
	if err := p.Upgrade(ctx); err != nil {
		t.Fatal(err)
	}
	want := []string{
		aptOpts + "install octavia-api python3-memcache",
		"apt-get -q update",
		aptOpts + "dist-upgrade",
	}
	if got := cmd.Lines(); !reflect.DeepEqual(got, want) {
		t.Errorf("ran\n%q\nwant\n%q", got, want)
	}
	for _, c := range cmd.Calls() {
		if !reflect.DeepEqual(c.Env, []string{"DEBIAN_FRONTEND=noninteractive"}) {
			t.Errorf("%s: env %q", c, c.Env)
		}
	}
	if err := p.Install(ctx, []string{"ok", "--allow-unauthenticated"}); err == nil || len(cmd.Calls()) != 3 {
		t.Errorf("Install with an option as a name = %v; want an error and nothing run", err)
	}
}

func TestAptGetRetriesOnceOnLock(t *testing.T) {
	lock := "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (apt-get)\n" +
		"E: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), is another process using it?"
	for _, tc := range []struct {
		name    string
		replies []error
		calls   int
		wantErr bool
	}{
		{"lock then success", []error{systemtest.Exit(100, lock), nil}, 2, false},
		{"lock twice", []error{systemtest.Exit(100, lock), systemtest.Exit(100, lock)}, 2, true},
		{"other failure", []error{systemtest.Exit(100, "E: Unable to locate package nope")}, 1, true},
	} {
		cmd := &systemtest.Commander{}
		for _, r := range tc.replies {
			cmd.On("apt-get", "", r)
		}
		p := New(cmd)
		p.LockRetryDelay = time.Millisecond
		err := p.Install(context.Background(), []string{"octavia-api"})
		if (err != nil) != tc.wantErr || len(cmd.Calls()) != tc.calls {
			t.Errorf("%s: Install = %v after %d calls; want error %v after %d", tc.name, err, len(cmd.Calls()), tc.wantErr, tc.calls)
		}
	}

	cmd := &systemtest.Commander{}
	cmd.On("apt-get", "", systemtest.Exit(100, "E: Could not get lock /var/lib/apt/lists/lock"))
	p := New(cmd)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.Update(ctx); err == nil || !errors.Is(err, context.Canceled) || len(cmd.Calls()) != 1 {
		t.Errorf("Update with a cancelled context = %v after %d calls; want context.Canceled after 1", err, len(cmd.Calls()))
	}
}
