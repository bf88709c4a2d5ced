//go:build functional

// Package functional deploys the packed charm on this machine, for real: its
// dispatch binary runs hook by hook under the hook-tool emulator
// (cmd/jujuc-emulator), against MariaDB, RabbitMQ and Keystone from Debian
// packages (test/bed), with the provider side of each relation played by
// test/bed/provider exactly as the provider charms publish it. Octavia's own
// packages are installed by the charm, as on a real unit. Needs root.
package functional

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"charm-octavia/internal/juju"
	"charm-octavia/internal/juju/jujutest"
)

// repo is the repository root, from test/functional.
const repo = "../.."

// toolNames are the hook tools the emulator answers, linked on PATH.
var toolNames = []string{
	"config-get", "relation-ids", "relation-list", "relation-get", "relation-set",
	"is-leader", "leader-get", "leader-set", "status-get", "status-set",
	"application-version-set", "open-port", "close-port", "opened-ports", "network-get",
	"unit-get", "juju-log", "action-get", "action-set", "action-log", "action-fail",
	"state-get", "state-set", "state-delete", "resource-get", "secret-add", "secret-set",
	"secret-get", "secret-info-get", "secret-ids", "secret-grant", "secret-revoke", "secret-remove",
	"credential-get",
}

// deployment is one emulated model with the charm unpacked for one unit.
type deployment struct {
	t        *testing.T
	dir      string
	state    string
	charmDir string
	tools    string
	bin      string // the built emulator and provider
}

// run executes a command and fails the test with its output on error.
func run(t testing.TB, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out.String())
	}
	return out.String()
}

// loopback is a network-get answer for 127.0.0.1: everything on the bed
// listens there.
func loopback() juju.Network {
	return juju.Network{
		BindAddresses:    []juju.BindAddress{{InterfaceName: "lo", Addresses: []juju.InterfaceAddr{{Value: "127.0.0.1", CIDR: "127.0.0.0/8"}}}},
		IngressAddresses: []string{"127.0.0.1"},
	}
}

// newDeployment unpacks octavia.charm and creates the model with one leader
// unit, octavia/0, on loopback.
func newDeployment(t *testing.T, build string) *deployment {
	t.Helper()
	dir := t.TempDir()
	d := &deployment{t: t, bin: build, dir: dir, state: filepath.Join(dir, "model.json"), charmDir: filepath.Join(dir, "charm"), tools: filepath.Join(dir, "tools")}
	unzip(t, filepath.Join(repo, "octavia.charm"), d.charmDir)
	if err := os.MkdirAll(d.tools, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tool := range toolNames {
		if err := os.Symlink(filepath.Join(build, "jujuc-emulator"), filepath.Join(d.tools, tool)); err != nil {
			t.Fatal(err)
		}
	}
	m := jujutest.NewModel("octavia")
	m.CharmDir = d.charmDir
	if err := m.LoadConfigDefaults(filepath.Join(d.charmDir, "config.yaml")); err != nil {
		t.Fatal(err)
	}
	m.SetEndpoints("shared-db", "amqp", "identity-service", "ha", "certificates", "neutron-api",
		"neutron-openvswitch", "ovsdb-subordinate", "ovsdb-cms", "nrpe-external-master", "cluster",
		"public", "internal", "admin")
	m.AddPeerRelation("cluster")
	m.AddUnit("octavia/0", true)
	for _, b := range []string{"shared-db", "amqp", "identity-service", "cluster", "public", "internal", "admin", "neutron-api"} {
		m.SetNetwork("octavia/0", b, loopback())
	}
	m.Unit("octavia/0").PrivateAddress = "127.0.0.1"
	m.Unit("octavia/0").PublicAddress = "127.0.0.1"
	if err := jujutest.WriteState(d.state, m); err != nil {
		t.Fatal(err)
	}
	return d
}

func unzip(t *testing.T, archive, dst string) {
	t.Helper()
	r, err := zip.OpenReader(archive)
	if err != nil {
		t.Fatalf("open %s (run make charm): %v", archive, err)
	}
	defer r.Close()
	for _, f := range r.File {
		path := filepath.Join(dst, f.Name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		in, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		out, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, f.Mode())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(out, in); err != nil {
			t.Fatal(err)
		}
		in.Close()
		out.Close()
	}
}

// hookResult is what one hook did.
type hookResult struct {
	Calls    int
	Duration time.Duration
	Output   string
	Err      error
}

// hook runs the charm's dispatch for one hook (or action) with the
// environment Juju sets, then commits or discards its deferred writes as
// Juju does.
func (d *deployment) hook(env jujutest.HookEnv) hookResult {
	d.t.Helper()
	id, err := jujutest.BeginContext(d.state, "octavia/0", env)
	if err != nil {
		d.t.Fatal(err)
	}
	vars, err := jujutest.ContextEnv(d.state, id)
	if err != nil {
		d.t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(d.charmDir, "dispatch"))
	cmd.Dir = d.charmDir
	cmd.Env = []string{"PATH=" + d.tools + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"LANG=C.UTF-8", "DEBIAN_FRONTEND=noninteractive", "APT_LISTCHANGES_FRONTEND=none"}
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	runErr := cmd.Run()
	res := hookResult{Duration: time.Since(start), Output: out.String(), Err: runErr}
	if err := jujutest.EndContext(d.state, id, runErr == nil); err != nil {
		d.t.Fatal(err)
	}
	calls, err := jujutest.ContextCalls(d.state, id)
	if err != nil {
		d.t.Fatal(err)
	}
	for _, n := range calls {
		res.Calls += n
	}
	name := env.Hook + env.Action
	d.t.Logf("%-40s %4d calls %8.1f ms  status: %s", name, res.Calls, float64(res.Duration.Microseconds())/1000, d.status())
	return res
}

// mustHook runs a hook that must succeed.
func (d *deployment) mustHook(env jujutest.HookEnv) hookResult {
	d.t.Helper()
	res := d.hook(env)
	if res.Err != nil {
		d.t.Fatalf("%s%s failed: %v\n%s", env.Hook, env.Action, res.Err, res.Output)
	}
	return res
}

// model reads the model; update changes it between hooks.
func (d *deployment) model() *jujutest.Model {
	d.t.Helper()
	m, err := jujutest.ReadState(d.state)
	if err != nil {
		d.t.Fatal(err)
	}
	return m
}

func (d *deployment) update(fn func(m *jujutest.Model) error) {
	d.t.Helper()
	if err := jujutest.UpdateState(d.state, fn); err != nil {
		d.t.Fatal(err)
	}
}

func (d *deployment) status() string {
	st := d.model().Unit("octavia/0").Status
	return st.Code + " " + st.Message
}

// relate adds a relation with one remote unit and runs -created and -joined,
// so the charm publishes its request; the provider then answers from what it
// published, and -changed delivers the answer.
func (d *deployment) relate(endpoint, remoteApp string, answer func(ours map[string]string) map[string]string) string {
	d.t.Helper()
	var id string
	remote := remoteApp + "/0"
	d.update(func(m *jujutest.Model) error {
		id = m.AddRelation(endpoint, remoteApp).ID
		return nil
	})
	d.mustHook(jujutest.HookEnv{Hook: endpoint + "-relation-created", RelationID: id})
	d.update(func(m *jujutest.Model) error {
		m.Relation(id).AddRemoteUnit(remote, map[string]string{"private-address": "127.0.0.1"})
		return nil
	})
	d.mustHook(jujutest.HookEnv{Hook: endpoint + "-relation-joined", RelationID: id, RemoteUnit: remote})
	ours := d.model().Relation(id).LocalUnitData("octavia/0")
	data := answer(ours)
	d.update(func(m *jujutest.Model) error {
		m.Relation(id).SetRemoteUnitData(remote, data)
		return nil
	})
	d.mustHook(jujutest.HookEnv{Hook: endpoint + "-relation-changed", RelationID: id, RemoteUnit: remote})
	return id
}

// provider plays a provider charm against the bed and returns its relation data.
func provider(t *testing.T, build string, args ...string) map[string]string {
	t.Helper()
	out := run(t, filepath.Join(build, "provider"), args...)
	data, err := decodeBag(out)
	if err != nil {
		t.Fatalf("provider %s: %v", args[0], err)
	}
	return data
}

func fatalIf(t testing.TB, err error, format string, a ...any) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", fmt.Sprintf(format, a...), err)
	}
}
