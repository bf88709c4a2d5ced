package main

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// charmDir is the real charm directory, relative to this package.
const charmDir = "../../charms/octavia"

// fakeDispatch writes an executable stand-in for the dispatch binary.
func fakeDispatch(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "dispatch")
	if err := os.WriteFile(p, []byte("\x7fELF stand-in for the octavia binary"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func packOctavia(t *testing.T, dispatch string) (path string, data []byte) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "octavia.charm")
	var stdout, stderr bytes.Buffer
	if err := run([]string{"-src", charmDir, "-dispatch", dispatch, "-out", out}, &stdout, &stderr); err != nil {
		t.Fatalf("charmpack: %v (stderr %q)", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), out) {
		t.Errorf("stdout %q does not name the archive", stdout.String())
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return out, data
}

func TestPackOctavia(t *testing.T) {
	dispatch := fakeDispatch(t)
	_, data := packOctavia(t, dispatch)
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}

	want := []string{
		"README.md", "actions.yaml", "config.yaml", "dispatch", "icon.svg",
		"lxd-profile.yaml", "manifest.yaml", "metadata.yaml",
	}
	var names []string
	files := map[string][]byte{}
	for _, f := range zr.File {
		names = append(names, f.Name)
		files[f.Name] = read(t, f)
		mode := os.FileMode(0o644)
		if f.Name == "dispatch" {
			mode = 0o755
		}
		if f.Mode() != mode {
			t.Errorf("%s: mode %v, want %v", f.Name, f.Mode(), mode)
		}
		if f.Method != zip.Deflate {
			t.Errorf("%s: not deflated", f.Name)
		}
	}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("archive holds %v, want %v", names, want)
	}

	// Charm files are copied byte for byte, dispatch too.
	for _, name := range want {
		src := filepath.Join(charmDir, name)
		switch name {
		case "manifest.yaml":
			continue
		case "dispatch":
			src = dispatch
		}
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, files[name]) {
			t.Errorf("%s differs from %s", name, src)
		}
	}

	var manifest struct {
		Bases []struct {
			Name          string   `yaml:"name"`
			Channel       string   `yaml:"channel"`
			Architectures []string `yaml:"architectures"`
		} `yaml:"bases"`
	}
	if err := yaml.Unmarshal(files["manifest.yaml"], &manifest); err != nil {
		t.Fatalf("manifest.yaml: %v", err)
	}
	var bases []string
	for _, b := range manifest.Bases {
		bases = append(bases, b.Name+"@"+b.Channel+":"+strings.Join(b.Architectures, ","))
	}
	if got := strings.Join(bases, " "); got != "ubuntu@22.04:amd64 ubuntu@24.04:amd64" {
		t.Errorf("manifest bases %q, want ubuntu 22.04 and 24.04 on amd64", got)
	}
}

func TestPackOctaviaIsReproducible(t *testing.T) {
	dispatch := fakeDispatch(t)
	_, first := packOctavia(t, dispatch)
	_, second := packOctavia(t, dispatch)
	if !bytes.Equal(first, second) {
		t.Error("two builds of the same inputs are not byte-identical")
	}
}

func TestRefusesNonExecutableDispatch(t *testing.T) {
	dispatch := fakeDispatch(t)
	if err := os.Chmod(dispatch, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "octavia.charm")
	err := run([]string{"-src", charmDir, "-dispatch", dispatch, "-out", out}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "not executable") {
		t.Fatalf("err = %v, want a refusal for a non-executable dispatch", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("an archive was written anyway (%v)", err)
	}
}

func TestRefusesMissingDispatch(t *testing.T) {
	out := filepath.Join(t.TempDir(), "octavia.charm")
	err := run([]string{"-src", charmDir, "-dispatch", filepath.Join(t.TempDir(), "nope"), "-out", out}, io.Discard, io.Discard)
	if err == nil {
		t.Fatal("packed without a dispatch")
	}
}

func TestRejectsStrayArguments(t *testing.T) {
	err := run([]string{"-src", charmDir, "extra"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "unexpected arguments") {
		t.Fatalf("err = %v, want unexpected arguments", err)
	}
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
