package apache

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"charm-octavia/internal/system/systemtest"
)

func TestEnsureOnlyWhenNeeded(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"sites-available", "sites-enabled", "mods-available", "mods-enabled"} {
		if err := os.MkdirAll(filepath.Join(root, "etc/apache2", d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	link := func(dir, name string) {
		if err := os.Symlink("../x/"+name, filepath.Join(root, "etc/apache2", dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	link("sites-enabled", "000-default.conf")
	link("mods-enabled", "wsgi.load")

	cmd := &systemtest.Commander{}
	a := New(root, cmd)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		f    func(context.Context, string) (bool, error)
		arg  string
		want bool
	}{
		{"enable new site", a.EnableSite, "octavia-api", true},
		{"enable enabled site", a.EnableSite, "000-default", false},
		{"disable enabled site", a.DisableSite, "000-default", true},
		{"disable absent site", a.DisableSite, "openstack_https_frontend", false},
		{"enable new module", a.EnableModule, "ssl", true},
		{"enable enabled module", a.EnableModule, "wsgi", false},
	} {
		changed, err := tc.f(ctx, tc.arg)
		if err != nil || changed != tc.want {
			t.Errorf("%s: %v, %v; want %v, nil", tc.name, changed, err, tc.want)
		}
	}
	want := []string{"a2ensite -q octavia-api", "a2dissite -q 000-default", "a2enmod -q ssl"}
	if got := cmd.Lines(); !reflect.DeepEqual(got, want) {
		t.Errorf("ran %q, want %q", got, want)
	}
}

func TestEnsureErrors(t *testing.T) {
	cmd := &systemtest.Commander{}
	cmd.On("a2ensite", "", systemtest.Exit(1, "ERROR: Site octavia-api does not exist!"))
	a := New(t.TempDir(), cmd)
	changed, err := a.EnableSite(context.Background(), "octavia-api")
	if err == nil || changed || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("EnableSite = %v, %v; want the a2ensite error", changed, err)
	}
	for _, bad := range []string{"", "../x", "-f", ".hidden"} {
		if _, err := a.EnableModule(context.Background(), bad); err == nil {
			t.Errorf("EnableModule(%q): want an error", bad)
		}
	}
	if n := len(cmd.Calls()); n != 1 {
		t.Errorf("ran %q, want only the failing a2ensite", cmd.Lines())
	}
}
