package users

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

// newRoot returns a directory with account databases in which
// systemd-network is not in group octavia, octavia has octavia as its
// primary group, and haproxy is a listed member.
func newRoot(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(root, "etc", name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("passwd", strings.Join([]string{
		"root:x:0:0:root:/root:/bin/bash",
		"systemd-network:x:998:998:systemd Network Management:/:/usr/sbin/nologin",
		"octavia:x:64060:64060::/var/lib/octavia:/usr/sbin/nologin",
		"haproxy:x:110:115::/var/lib/haproxy:/usr/sbin/nologin",
		"",
	}, "\n"))
	write("group", strings.Join([]string{
		"root:x:0:",
		"systemd-network:x:998:",
		"octavia:x:64060:haproxy,other",
		"oct:x:7:",
		"",
	}, "\n"))
	return root
}

func TestIDs(t *testing.T) {
	root := newRoot(t)
	for _, tc := range []struct {
		lookup func(string, string) (int, error)
		name   string
		want   int
	}{
		{UID, "root", 0},
		{UID, "octavia", 64060},
		{UID, "1234", 1234},
		{GID, "octavia", 64060},
		{GID, "oct", 7},
		{GID, "0", 0},
	} {
		got, err := tc.lookup(root, tc.name)
		if err != nil || got != tc.want {
			t.Errorf("lookup %q = %d, %v; want %d", tc.name, got, err, tc.want)
		}
	}
	var unknown *UnknownError
	if _, err := UID(root, "octa"); !errors.As(err, &unknown) || unknown.Kind != "user" {
		t.Errorf("UID(octa) error = %v, want *UnknownError for a user (no prefix match)", err)
	}
	if _, err := GID(root, "nova"); !errors.As(err, &unknown) || unknown.Kind != "group" {
		t.Errorf("GID(nova) error = %v, want *UnknownError for a group", err)
	}
	for _, bad := range []string{"", "a:b"} {
		if _, err := UID(root, bad); err == nil {
			t.Errorf("UID(%q): want an error", bad)
		}
	}
	if _, err := UID(t.TempDir(), "root"); err == nil {
		t.Error("UID without /etc/passwd: want an error")
	}
}

func TestEnsureMember(t *testing.T) {
	for _, tc := range []struct {
		user, group string
		want        bool
		calls       []string
	}{
		{"systemd-network", "octavia", true, []string{"usermod -a -G octavia systemd-network"}},
		{"haproxy", "octavia", false, nil},
		{"octavia", "octavia", false, nil}, // primary group
	} {
		cmd := &systemtest.Commander{}
		changed, err := New(newRoot(t), cmd).EnsureMember(context.Background(), tc.user, tc.group)
		if err != nil || changed != tc.want {
			t.Errorf("EnsureMember(%s, %s) = %v, %v; want %v, nil", tc.user, tc.group, changed, err, tc.want)
		}
		if got := cmd.Lines(); !reflect.DeepEqual(got, tc.calls) {
			t.Errorf("EnsureMember(%s, %s) ran %q, want %q", tc.user, tc.group, got, tc.calls)
		}
	}
}

func TestEnsureMemberErrors(t *testing.T) {
	cmd := &systemtest.Commander{}
	a := New(newRoot(t), cmd)
	_, err := a.EnsureMember(context.Background(), "systemd-network", "barbican")
	var unknown *UnknownError
	if !errors.As(err, &unknown) || unknown.Kind != "group" || !strings.Contains(err.Error(), `group "barbican" does not exist`) {
		t.Errorf("missing group: error = %v", err)
	}
	if _, err := a.EnsureMember(context.Background(), "nobody", "octavia"); !errors.As(err, &unknown) || unknown.Kind != "user" {
		t.Errorf("missing user: error = %v", err)
	}
	if len(cmd.Calls()) != 0 {
		t.Errorf("ran %q, want nothing", cmd.Lines())
	}
	cmd.On("usermod", "", systemtest.Exit(6, "usermod: group 'octavia' does not exist"))
	if _, err := a.EnsureMember(context.Background(), "systemd-network", "octavia"); err == nil || !strings.Contains(err.Error(), "usermod -a -G octavia systemd-network: exit status 6") {
		t.Errorf("usermod failure: error = %v", err)
	}
}
