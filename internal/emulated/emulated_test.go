package emulated

import (
	"archive/zip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"charm-octavia/internal/juju/jujutest"
)

// A shell dispatch under the real emulator: its hook-tool calls reach the
// model, a failing hook's deferred writes are discarded, and Relate delivers
// the provider's answer.
func TestDeploymentRunsDispatchUnderTheEmulator(t *testing.T) {
	dir := t.TempDir()
	emulator := filepath.Join(dir, "jujuc-emulator")
	if out, err := exec.Command("go", "build", "-o", emulator, "../../cmd/jujuc-emulator").CombinedOutput(); err != nil {
		t.Fatalf("build emulator: %v\n%s", err, out)
	}
	charm := filepath.Join(dir, "test.charm")
	writeCharm(t, charm, map[string]string{
		"config.yaml": "options:\n  greeting:\n    type: string\n    default: hello\n",
		"dispatch": `#!/bin/sh
set -e
case "$JUJU_DISPATCH_PATH" in
hooks/fail) relation-set -r "$(relation-ids db)" lost=yes; exit 1 ;;
hooks/*-relation-joined) relation-set -r "$JUJU_RELATION_ID" database=octavia ;;
hooks/*-relation-changed) status-set active "$(relation-get -r "$JUJU_RELATION_ID" password "$JUJU_REMOTE_UNIT")" ;;
*) status-set blocked "$(config-get greeting)" ;;
esac
`,
	})
	d := At(filepath.Join(dir, "deployment"))
	if d.Exists() {
		t.Fatal("a new deployment exists")
	}
	if err := d.Unpack(charm, emulator); err != nil {
		t.Fatal(err)
	}
	if err := d.Create(map[string]any{"greeting": "hi there"}); err != nil {
		t.Fatal(err)
	}
	res, err := d.Hook(jujutest.HookEnv{Hook: "install"})
	if err != nil || res.Err != nil {
		t.Fatalf("install: %v %v\n%s", err, res.Err, res.Output)
	}
	if got := d.Status(); got != "blocked hi there" || res.Calls != 2 {
		t.Fatalf("status %q after %d calls", got, res.Calls)
	}
	run := func(env jujutest.HookEnv) error {
		res, err := d.Hook(env)
		if err == nil {
			err = res.Err
		}
		return err
	}
	id, err := d.Relate("db", "mysql", run, func(ours map[string]string) (map[string]string, error) {
		if ours["database"] != "octavia" {
			t.Errorf("the charm published %v", ours)
		}
		return map[string]string{"password": "pw"}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Status(); got != "active pw" {
		t.Fatalf("status after the relation: %q", got)
	}
	if res, _ := d.Hook(jujutest.HookEnv{Hook: "fail"}); res.Err == nil {
		t.Fatal("the failing hook succeeded")
	}
	m, err := d.Model()
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := m.Relation(id).LocalUnitData(Unit)["lost"]; ok {
		t.Errorf("a failed hook's relation-set was kept: %q", v)
	}
}

func writeCharm(t *testing.T, path string, files map[string]string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for name, body := range files {
		h := &zip.FileHeader{Name: name, Method: zip.Deflate}
		h.SetMode(0o644)
		if strings.HasPrefix(body, "#!") {
			h.SetMode(0o755)
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}
