package checklist

import (
	"io/fs"
	"strings"
	"testing"
)

func file(p string, mode fs.FileMode, owner, group string) FileFact {
	return FileFact{Path: p, Exists: true, Mode: mode, Owner: owner, Group: group}
}

// good is a unit as the charm leaves it, with the files the Debian and
// Ubuntu packages ship left as they are.
func good() Facts {
	return Facts{
		APIServesTLS:     true,
		KeystoneURLIsTLS: true,
		AuthStrategy:     "keystone",
		Files: []FileFact{
			file("/etc/octavia", fs.ModeDir|0o750, "root", "octavia"),
			file("/etc/octavia/octavia.conf", 0o640, "root", "octavia"),
			file("/etc/octavia/octavia-api-uwsgi.ini", 0o644, "root", "root"),
			file("/etc/octavia/certs", fs.ModeDir|0o750, "root", "octavia"),
			file("/etc/octavia/certs/issuing_ca.pem", 0o440, "root", "octavia"),
			file("/etc/octavia/certs/issuing_ca_key.pem", 0o440, "root", "octavia"),
			file("/etc/octavia/certs/controller_ca.pem", 0o440, "root", "octavia"),
			file("/etc/octavia/certs/controller_cert.pem", 0o440, "root", "octavia"),
			file("/etc/octavia/policy.d", fs.ModeDir|0o755, "root", "root"),
			file("/etc/octavia/policy.d/00_default_policy.yaml", 0o644, "root", "root"),
			file("/etc/octavia/policy.d/overrides.yaml", 0o640, "root", "octavia"),
			file("/etc/octavia/link", fs.ModeSymlink|0o777, "root", "root"),
			{Path: "/var/lib/charm/octavia/db-client-key.pem", Exists: true, Mode: 0o640, Owner: "root", Group: "octavia", Secret: true},
			{Path: "/etc/octavia/certs/absent.pem"},
		},
	}
}

func byName(rs []Result) map[string]Result {
	m := map[string]Result{}
	for _, r := range rs {
		m[r.Name] = r
	}
	return m
}

var allChecks = []string{
	DebugDisabled, EnablesTLS, FileOwnership, FilePermissions, HeartbeatKeyNotDefault,
	IssuingCAKeyPermissions, OctaviaConfPermissions, PassphrasesNotDefault, UsesKeystone, UsesTLSForKeystone,
}

func TestRunPasses(t *testing.T) {
	rs := Run(good())
	if len(rs) != len(allChecks) {
		t.Fatalf("%d results, want %d", len(rs), len(allChecks))
	}
	for i, r := range rs {
		if r.Name != allChecks[i] {
			t.Errorf("result %d is %s, want %s (sorted by name)", i, r.Name, allChecks[i])
		}
		if !r.Pass {
			t.Errorf("%s failed: %s", r.Name, r.Detail)
		}
		if r.Detail == "" {
			t.Errorf("%s: empty detail", r.Name)
		}
	}
	if p, f := Summary(rs); p != len(allChecks) || f != 0 {
		t.Errorf("Summary = %d, %d", p, f)
	}
	for name, v := range ActionOutput(rs) {
		if v != "PASS" {
			t.Errorf("ActionOutput[%s] = %q", name, v)
		}
	}
}

// set replaces (or adds) the fact for a path.
func set(f *Facts, ff FileFact) {
	for i := range f.Files {
		if f.Files[i].Path == ff.Path {
			f.Files[i] = ff
			return
		}
	}
	f.Files = append(f.Files, ff)
}

func remove(f *Facts, p string) {
	var kept []FileFact
	for _, ff := range f.Files {
		if ff.Path != p {
			kept = append(kept, ff)
		}
	}
	f.Files = kept
}

// TestRunEachFails breaks one thing at a time: exactly one check fails, with
// a detail that says what was found.
func TestRunEachFails(t *testing.T) {
	tests := []struct {
		name   string
		breaks func(*Facts)
		check  string
		detail string
	}{
		{"debug on", func(f *Facts) { f.DebugEnabled = true }, DebugDisabled, "debug is on"},
		{"plain http API", func(f *Facts) { f.APIServesTLS = false }, EnablesTLS, "plain http"},
		{"keystone over http", func(f *Facts) { f.KeystoneURLIsTLS = false }, UsesTLSForKeystone, "Keystone is reached over plain http"},
		{"keystone insecure", func(f *Facts) { f.KeystoneInsecure = true }, UsesTLSForKeystone, "not verified"},
		{"noauth", func(f *Facts) { f.AuthStrategy = "noauth" }, UsesKeystone, `auth_strategy is "noauth", not keystone`},
		{"auth_strategy unset", func(f *Facts) { f.AuthStrategy = "" }, UsesKeystone, "auth_strategy is not set"},
		{"heartbeat key default", func(f *Facts) { f.HeartbeatKeyInsecure = true }, HeartbeatKeyNotDefault, "heartbeat_key is empty or a published default"},
		{"server certs passphrase default", func(f *Facts) { f.ServerCertsKeyPassphraseInsecure = true }, PassphrasesNotDefault, "[certificates] server_certs_key_passphrase: empty"},
		{"CA passphrase default", func(f *Facts) { f.CAKeyPassphraseInsecure = true }, PassphrasesNotDefault, "[certificates] ca_private_key_passphrase: empty"},
		{"octavia.conf world readable", func(f *Facts) {
			set(f, file(ConfPath, 0o644, "root", "octavia"))
		}, OctaviaConfPermissions, "/etc/octavia/octavia.conf: mode 0644, want 0640 or stricter"},
		{"octavia.conf group writable", func(f *Facts) {
			set(f, file(ConfPath, 0o660, "root", "octavia"))
		}, OctaviaConfPermissions, "mode 0660"},
		{"octavia.conf missing", func(f *Facts) { remove(f, ConfPath) }, OctaviaConfPermissions, "octavia.conf not found"},
		{"octavia.conf a symlink", func(f *Facts) {
			set(f, file(ConfPath, fs.ModeSymlink|0o777, "root", "octavia"))
		}, OctaviaConfPermissions, "not a regular file"},
		{"CA key 0640", func(f *Facts) {
			set(f, file(IssuingCAKeyPath, 0o640, "root", "octavia"))
		}, IssuingCAKeyPermissions, "issuing_ca_key.pem: mode 0640, want 0440 or stricter"},
		{"CA key world readable", func(f *Facts) {
			set(f, file(IssuingCAKeyPath, 0o444, "root", "octavia"))
		}, IssuingCAKeyPermissions, "mode 0444"},
		{"config dir 0755", func(f *Facts) {
			set(f, file(ConfigDir, fs.ModeDir|0o755, "root", "octavia"))
		}, FilePermissions, "/etc/octavia: mode 0755, want 0750 or stricter"},
		{"world writable file", func(f *Facts) {
			set(f, file("/etc/octavia/octavia-api-uwsgi.ini", 0o646, "root", "root"))
		}, FilePermissions, "octavia-api-uwsgi.ini: mode 0646 is group or world writable"},
		{"group writable policy", func(f *Facts) {
			set(f, file("/etc/octavia/policy.d/overrides.yaml", 0o660, "root", "octavia"))
		}, FilePermissions, "overrides.yaml: mode 0660 is group or world writable"},
		{"secret outside readable", func(f *Facts) {
			set(f, FileFact{Path: "/var/lib/charm/octavia/db-client-key.pem", Exists: true, Mode: 0o644, Owner: "root", Group: "octavia", Secret: true})
		}, FilePermissions, "db-client-key.pem: mode 0644, want 0640 or stricter (secret)"},
		{"service owns a file", func(f *Facts) {
			set(f, file("/etc/octavia/policy.d/overrides.yaml", 0o640, "octavia", "octavia"))
		}, FileOwnership, "overrides.yaml: owner octavia, want root"},
		{"conf group root", func(f *Facts) {
			set(f, file(ConfPath, 0o640, "root", "root"))
		}, FileOwnership, "octavia.conf: group root, want octavia"},
		{"CA key other group", func(f *Facts) {
			set(f, file(IssuingCAKeyPath, 0o440, "root", "adm"))
		}, FileOwnership, "issuing_ca_key.pem: group adm, want octavia"},
		{"config dir group root", func(f *Facts) {
			set(f, file(ConfigDir, fs.ModeDir|0o750, "root", "root"))
		}, FileOwnership, "/etc/octavia: group root, want octavia"},
		{"plain file other group", func(f *Facts) {
			set(f, file("/etc/octavia/octavia-api-uwsgi.ini", 0o644, "root", "www-data"))
		}, FileOwnership, "group www-data, want octavia or root"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := good()
			tt.breaks(&f)
			rs := Run(f)
			for _, r := range rs {
				switch {
				case r.Name == tt.check && r.Pass:
					t.Errorf("%s passed: %s", r.Name, r.Detail)
				case r.Name == tt.check && !strings.Contains(r.Detail, tt.detail):
					t.Errorf("%s detail %q, want it to contain %q", r.Name, r.Detail, tt.detail)
				case r.Name != tt.check && !r.Pass:
					t.Errorf("%s failed too: %s", r.Name, r.Detail)
				}
			}
			if p, fl := Summary(rs); p != len(allChecks)-1 || fl != 1 {
				t.Errorf("Summary = %d passed, %d failed", p, fl)
			}
			if got := ActionOutput(rs)[tt.check]; !strings.HasPrefix(got, "FAIL - ") {
				t.Errorf("ActionOutput[%s] = %q", tt.check, got)
			}
		})
	}
}

// TestConfigDirMissing: without /etc/octavia both file checks fail (and
// octavia.conf with it).
func TestConfigDirMissing(t *testing.T) {
	rs := byName(Run(Facts{AuthStrategy: "keystone", APIServesTLS: true, KeystoneURLIsTLS: true}))
	for _, name := range []string{FileOwnership, FilePermissions, OctaviaConfPermissions} {
		if rs[name].Pass || !strings.Contains(rs[name].Detail, "not found") {
			t.Errorf("%s = %+v", name, rs[name])
		}
	}
	if !rs[IssuingCAKeyPermissions].Pass {
		t.Errorf("absent CA key should pass: %+v", rs[IssuingCAKeyPermissions])
	}
}

func TestDetailShowsFirstFew(t *testing.T) {
	f := good()
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		set(&f, file("/etc/octavia/"+n, 0o666, "root", "root"))
	}
	r := byName(Run(f))[FilePermissions]
	if r.Pass || !strings.HasSuffix(r.Detail, "; and 2 more") || !strings.HasPrefix(r.Detail, "/etc/octavia/a: mode 0666") {
		t.Errorf("detail = %q", r.Detail)
	}
}

func TestInsecureDefault(t *testing.T) {
	for v, want := range map[string]bool{
		"":                                 true,
		"insecure":                         true,
		"insecure-key-do-not-use-this-key": true,
		"not-secure-passphrase":            true,
		"9f2c1e0b7d4a4c3e8b6a5d2f1e0c9b8a": false,
	} {
		if got := InsecureDefault(v); got != want {
			t.Errorf("InsecureDefault(%q) = %v", v, got)
		}
	}
}
