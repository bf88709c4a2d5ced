package charmpack

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// minimalCharm is the smallest charm directory Pack accepts.
var minimalCharm = map[string]string{
	"metadata.yaml": `name: demo
summary: a demo
description: a demo charm
requires:
  db:
    interface: mysql-shared
provides:
  nrpe:
    interface: nrpe-external-master
    scope: container
peers:
  cluster:
    interface: openstack-ha
`,
	"config.yaml": `options:
  s: {type: string, default: x}
  i: {type: int, default: 3}
  f: {type: float, default: 1}
  b: {type: boolean, default: false}
  none: {type: int}
  nulled: {type: string, default: }
`,
	"actions.yaml":     "pause:\n  description: stop\nresume: {}\n",
	"lxd-profile.yaml": "config:\n  linux.kernel_modules: openvswitch\n",
	"icon.svg":         `<svg xmlns="http://www.w3.org/2000/svg"><circle r="1"/></svg>`,
	"README.md":        "# demo\n",
}

// fixture writes a charm directory with files (nil values are left out) and
// an executable dispatch, and returns their paths.
func fixture(t *testing.T, files map[string]string) (dir, dispatch string) {
	t.Helper()
	root := t.TempDir()
	dir = filepath.Join(root, "charm")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dispatch = filepath.Join(root, "dispatch")
	if err := os.WriteFile(dispatch, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir, dispatch
}

// with returns minimalCharm with name replaced by body, or removed if body
// is "-".
func with(name, body string) map[string]string {
	files := map[string]string{}
	for k, v := range minimalCharm {
		files[k] = v
	}
	if body == "-" {
		delete(files, name)
	} else {
		files[name] = body
	}
	return files
}

func pack(t *testing.T, dir, dispatch string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Pack(&buf, dir, dispatch); err != nil {
		t.Fatalf("Pack: %v", err)
	}
	return buf.Bytes()
}

func TestPackEntries(t *testing.T) {
	dir, dispatch := fixture(t, minimalCharm)
	data := pack(t, dir, dispatch)
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}

	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		wantMode := os.FileMode(0o644)
		if f.Name == "dispatch" {
			wantMode = 0o755
		}
		if f.Mode() != wantMode {
			t.Errorf("%s: mode %v, want %v", f.Name, f.Mode(), wantMode)
		}
		if f.Method != zip.Deflate {
			t.Errorf("%s: method %d, want Deflate", f.Name, f.Method)
		}
		if !f.Modified.Equal(ModTime) {
			t.Errorf("%s: modified %v, want %v", f.Name, f.Modified, ModTime)
		}
		body := read(t, f)
		if src, ok := minimalCharm[f.Name]; ok && string(body) != src {
			t.Errorf("%s: archived content differs from the source", f.Name)
		}
	}
	want := []string{"README.md", "actions.yaml", "config.yaml", "dispatch", "icon.svg", "lxd-profile.yaml", "manifest.yaml", "metadata.yaml"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("entries %v, want %v", names, want)
	}

	manifest := read(t, find(t, zr, "manifest.yaml"))
	var m struct {
		Bases []Base `yaml:"bases"`
	}
	if err := yaml.Unmarshal(manifest, &m); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m.Bases, Bases) {
		t.Errorf("manifest bases %+v, want %+v", m.Bases, Bases)
	}
	// Juju reads the channel as a string: unquoted, 22.04 would be a float.
	if !strings.Contains(string(manifest), `channel: "22.04"`) {
		t.Errorf("manifest channel is not a quoted string:\n%s", manifest)
	}
}

func TestPackIsDeterministic(t *testing.T) {
	dir, dispatch := fixture(t, minimalCharm)
	first := pack(t, dir, dispatch)

	// New modification times and a dispatch at another path change nothing.
	later := time.Now().Add(time.Hour)
	for name := range minimalCharm {
		if err := os.Chtimes(filepath.Join(dir, name), later, later); err != nil {
			t.Fatal(err)
		}
	}
	moved := filepath.Join(t.TempDir(), "octavia")
	body, _ := os.ReadFile(dispatch)
	if err := os.WriteFile(moved, body, 0o700); err != nil {
		t.Fatal(err)
	}
	second := pack(t, dir, moved)
	if !bytes.Equal(first, second) {
		t.Error("two packs of the same inputs differ")
	}

	// And the archive does follow its inputs.
	if err := os.WriteFile(filepath.Join(dir, "README.md"), []byte("# changed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(first, pack(t, dir, dispatch)) {
		t.Error("changing README.md did not change the archive")
	}
}

func TestPackRefuses(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		// dispatch adjusts the dispatch file; nil leaves it executable.
		dispatch func(t *testing.T, path string)
		want     string
	}{
		{"dispatch missing", minimalCharm, func(t *testing.T, p string) { must(t, os.Remove(p)) }, "dispatch"},
		{"dispatch not executable", minimalCharm, func(t *testing.T, p string) { must(t, os.Chmod(p, 0o644)) }, "not executable"},
		{"dispatch empty", minimalCharm, func(t *testing.T, p string) { must(t, os.WriteFile(p, nil, 0o755)) }, "empty"},
		{"dispatch is a directory", minimalCharm, func(t *testing.T, p string) {
			must(t, os.Remove(p))
			must(t, os.Mkdir(p, 0o755))
		}, "not a regular file"},

		{"no metadata", with("metadata.yaml", "-"), nil, "metadata.yaml"},
		{"no config", with("config.yaml", "-"), nil, "config.yaml"},
		{"no actions", with("actions.yaml", "-"), nil, "actions.yaml"},
		{"no lxd profile", with("lxd-profile.yaml", "-"), nil, "lxd-profile.yaml"},
		{"no icon", with("icon.svg", "-"), nil, "icon.svg"},
		{"no readme", with("README.md", "-"), nil, "README.md"},

		{"metadata not yaml", with("metadata.yaml", "name: [x"), nil, "metadata.yaml"},
		{"metadata not a mapping", with("metadata.yaml", "- a\n"), nil, "metadata.yaml"},
		{"metadata empty", with("metadata.yaml", ""), nil, "empty document"},
		{"no name", with("metadata.yaml", "summary: s\ndescription: d\n"), nil, "name: required"},
		{"no summary", with("metadata.yaml", "name: n\ndescription: d\n"), nil, "summary: required"},
		{"blank description", with("metadata.yaml", "name: n\nsummary: s\ndescription: ' '\n"), nil, "description: required"},
		{"series", with("metadata.yaml", "name: n\nsummary: s\ndescription: d\nseries: [jammy]\n"), nil, "series"},
		{"min-juju-version", with("metadata.yaml", "name: n\nsummary: s\ndescription: d\nmin-juju-version: 3.1.0\n"), nil, "min-juju-version"},
		{"endpoint without interface", with("metadata.yaml", "name: n\nsummary: s\ndescription: d\nrequires:\n  db: {scope: container}\n"), nil, "requires.db: interface"},
		{"endpoint bad scope", with("metadata.yaml", "name: n\nsummary: s\ndescription: d\nrequires:\n  db: {interface: x, scope: machine}\n"), nil, "scope"},
		{"endpoint declared twice", with("metadata.yaml", "name: n\nsummary: s\ndescription: d\nrequires:\n  db: {interface: x}\nprovides:\n  db: {interface: x}\n"), nil, "also declared"},

		{"config without options", with("config.yaml", "other: {}\n"), nil, "options: required"},
		{"config unknown type", with("config.yaml", "options:\n  x: {type: integer}\n"), nil, `unknown type "integer"`},
		{"config int default string", with("config.yaml", "options:\n  x: {type: int, default: ten}\n"), nil, "does not match type int"},
		{"config bool default string", with("config.yaml", "options:\n  x: {type: boolean, default: 'yes'}\n"), nil, "does not match type boolean"},
		{"config string default int", with("config.yaml", "options:\n  x: {type: string, default: 24}\n"), nil, "does not match type string"},

		{"action bad name", with("actions.yaml", "Pause: {}\n"), nil, "not a valid action name"},
		{"action reserved name", with("actions.yaml", "juju-run: {}\n"), nil, "not a valid action name"},
		{"action not a mapping", with("actions.yaml", "pause: stop\n"), nil, "must be a mapping"},

		{"lxd limits", with("lxd-profile.yaml", "config:\n  limits.cpu: '2'\n"), nil, "limits.cpu"},
		{"lxd boot", with("lxd-profile.yaml", "config:\n  boot.autostart: 'true'\n"), nil, "boot.autostart"},
		{"lxd nic device", with("lxd-profile.yaml", "devices:\n  eth1: {type: nic}\n"), nil, `type "nic"`},
		{"lxd empty", with("lxd-profile.yaml", "description: nothing\n"), nil, "empty profile"},

		{"icon not svg", with("icon.svg", "<html></html>"), nil, "want svg"},
		{"icon not xml", with("icon.svg", "<svg><g></svg>"), nil, "well-formed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir, dispatch := fixture(t, tc.files)
			if tc.dispatch != nil {
				tc.dispatch(t, dispatch)
			}
			var buf bytes.Buffer
			err := Pack(&buf, dir, dispatch)
			if err == nil {
				t.Fatal("Pack succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
			if buf.Len() != 0 {
				t.Errorf("Pack wrote %d bytes before failing", buf.Len())
			}
		})
	}
}

func TestPackFile(t *testing.T) {
	dir, dispatch := fixture(t, minimalCharm)
	outDir := t.TempDir()
	out := filepath.Join(outDir, "demo.charm")

	if err := PackFile(out, dir, dispatch); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o644 {
		t.Errorf("archive mode %v, want 0644", info.Mode().Perm())
	}
	got, _ := os.ReadFile(out)
	if !bytes.Equal(got, pack(t, dir, dispatch)) {
		t.Error("PackFile and Pack disagree")
	}

	// A refused pack leaves the previous archive alone and no temporary file.
	must(t, os.Chmod(dispatch, 0o644))
	if err := PackFile(out, dir, dispatch); err == nil {
		t.Fatal("PackFile succeeded with a non-executable dispatch")
	}
	after, _ := os.ReadFile(out)
	if !bytes.Equal(after, got) {
		t.Error("a refused pack changed the existing archive")
	}
	entries, _ := os.ReadDir(outDir)
	if len(entries) != 1 {
		t.Errorf("output directory holds %d entries, want only the archive", len(entries))
	}
}

func find(t *testing.T, zr *zip.Reader, name string) *zip.File {
	t.Helper()
	for _, f := range zr.File {
		if f.Name == name {
			return f
		}
	}
	t.Fatalf("%s not in archive", name)
	return nil
}

func read(t *testing.T, f *zip.File) []byte {
	t.Helper()
	rc, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
