package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"charm-octavia/internal/juju"
	"charm-octavia/internal/juju/jujutest"
)

// buildEmulator builds the binary and symlinks it as tools in a bin dir.
func buildEmulator(t *testing.T, tools ...string) string {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "jujuc-emulator")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, tool := range tools {
		if err := os.Symlink(bin, filepath.Join(dir, tool)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestEmulatorBinary(t *testing.T) {
	tools := []string{"config-get", "relation-get", "relation-set", "is-leader", "secret-add", "secret-get", "status-set", "state-get", "state-set", "juju-log"}
	bin := buildEmulator(t, tools...)

	m := jujutest.NewModel("octavia")
	m.AddUnit("octavia/0", true)
	if err := m.SetConfig("region", "RegionTwo"); err != nil {
		t.Fatal(err)
	}
	db := m.AddRelation("shared-db", "mysql").AddRemoteUnit("mysql/0", map[string]string{"db_host": "10.5.0.1"})
	state := filepath.Join(t.TempDir(), "state.json")
	if err := jujutest.WriteState(state, m); err != nil {
		t.Fatal(err)
	}
	ctxID, err := jujutest.BeginContext(state, "octavia/0", jujutest.HookEnv{Hook: "shared-db-relation-changed", RelationID: db.ID, RemoteUnit: "mysql/0"})
	if err != nil {
		t.Fatal(err)
	}
	vars, err := jujutest.ContextEnv(state, ctxID)
	if err != nil {
		t.Fatal(err)
	}
	env := []string{"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH")}
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	run := func(stdin, tool string, args ...string) (string, string, int) {
		cmd := exec.Command(filepath.Join(bin, tool), args...)
		cmd.Env = env
		cmd.Stdin = strings.NewReader(stdin)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return stdout.String(), stderr.String(), code
	}

	if out, _, code := run("", "config-get", "--format=json", "region"); code != 0 || out != `"RegionTwo"`+"\n" {
		t.Errorf("config-get = %q, %d", out, code)
	}
	if out, _, code := run("", "relation-get", "db_host"); code != 0 || out != "10.5.0.1\n" {
		t.Errorf("relation-get = %q, %d", out, code)
	}
	if _, stderr, code := run(`{"database":"octavia"}`, "relation-set", "--file", "-"); code != 0 {
		t.Errorf("relation-set: %d %s", code, stderr)
	}
	if _, stderr, code := run("", "relation-get", "--bogus"); code != 2 || stderr != "ERROR flag provided but not defined: --bogus\n" {
		t.Errorf("bad flag: %d %q", code, stderr)
	}
	if _, stderr, code := run("", "status-set", "active", "-- oops"); code != 2 || !strings.HasPrefix(stderr, "ERROR ") {
		t.Errorf("status-set with a dash message: %d %q", code, stderr)
	}
	// Called by its own name, the first argument is the tool.
	if out, _, code := run("", "jujuc-emulator", "is-leader", "--format=json"); code != 0 || out != "true\n" {
		t.Errorf("jujuc-emulator is-leader = %q, %d", out, code)
	}

	// The production runner, through PATH.
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	for k, v := range vars {
		t.Setenv(k, v)
	}
	tl := juju.New(juju.ExecRunner{})
	ctx := context.Background()
	id, err := tl.SecretAdd(ctx, map[string]string{"heartbeat-key": "hb"}, juju.SecretOptions{Label: "cp"})
	if err != nil || !strings.HasPrefix(id, "secret:") {
		t.Fatalf("SecretAdd = %q, %v", id, err)
	}
	if got, err := tl.SecretGet(ctx, id, "", juju.SecretGetOptions{}); err != nil || got["heartbeat-key"] != "hb" {
		t.Errorf("SecretGet = %v, %v", got, err)
	}
	if err := tl.StateSet(ctx, map[string]string{"k": "v"}); err != nil {
		t.Error(err)
	}
	if err := tl.Log(ctx, "INFO", "-from the binary"); err != nil {
		t.Error(err)
	}
	_, err = tl.RelationGet(ctx, db.ID, "mysql/9", false)
	var te *juju.ToolError
	if !errors.As(err, &te) || te.ExitCode != 1 {
		t.Errorf("RelationGet of a stranger: %v", err)
	}
	if _, err := tl.IsLeader(ctx); err != nil {
		t.Error(err)
	}

	calls, err := jujutest.ContextCalls(state, ctxID)
	if err != nil || calls["secret-add"] != 1 || calls["relation-get"] != 3 {
		t.Errorf("calls = %v, %v", calls, err)
	}
	if err := jujutest.EndContext(state, ctxID, true); err != nil {
		t.Fatal(err)
	}
	after, err := jujutest.ReadState(state)
	if err != nil {
		t.Fatal(err)
	}
	if after.Relation(db.ID).LocalUnitData("octavia/0")["database"] != "octavia" || after.Secret(id) == nil || after.Units["octavia/0"].State["k"] != "v" {
		t.Errorf("writes not committed: %+v", after.Relation(db.ID).LocalUnits)
	}
	if lines := after.LogLines("octavia/0"); len(lines) != 1 || lines[0] != db.ID+": -from the binary" {
		t.Errorf("log = %q", lines)
	}
	// The context is closed: tools now fail as for an unknown context.
	if _, stderr, code := run("", "is-leader"); code != 1 || !strings.Contains(stderr, "unknown context id") {
		t.Errorf("closed context: %d %q", code, stderr)
	}
}

func TestRunWithoutEnvironment(t *testing.T) {
	var stdout, stderr bytes.Buffer
	getenv := func(string) string { return "" }
	if code := run([]string{"/x/config-get"}, getenv, nil, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), jujutest.StateEnvVar) {
		t.Errorf("no state: %d %q", code, stderr.String())
	}
	stderr.Reset()
	if code := run([]string{"jujuc-emulator"}, getenv, nil, &stdout, &stderr); code != 2 {
		t.Errorf("no tool: %d %q", code, stderr.String())
	}
}
