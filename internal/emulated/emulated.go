// Package emulated runs a packed charm on this machine without Juju: its
// dispatch binary runs hook by hook, with the environment Juju sets, against
// the hook-tool emulator (cmd/jujuc-emulator), which keeps the model in a
// state file and discards a failed hook's writes as Juju does. The local
// demo and the functional tests deploy through it.
package emulated

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"charm-octavia/internal/juju"
	"charm-octavia/internal/juju/jujutest"
)

// ToolNames are the hook tools the emulator answers; each is linked to it.
var ToolNames = []string{
	"config-get", "relation-ids", "relation-list", "relation-get", "relation-set",
	"is-leader", "leader-get", "leader-set", "status-get", "status-set",
	"application-version-set", "open-port", "close-port", "opened-ports", "network-get",
	"unit-get", "juju-log", "action-get", "action-set", "action-log", "action-fail",
	"state-get", "state-set", "state-delete", "resource-get", "secret-add", "secret-set",
	"secret-get", "secret-info-get", "secret-ids", "secret-grant", "secret-revoke", "secret-remove",
	"credential-get",
}

// Unit is the one unit an emulated deployment runs.
const Unit = "octavia/0"

// Deployment is a charm unpacked in Dir with its model in Dir/model.json.
type Deployment struct {
	Dir      string
	State    string
	CharmDir string
	Tools    string
}

// At returns the deployment kept in dir (it may not exist yet).
func At(dir string) *Deployment {
	return &Deployment{
		Dir:      dir,
		State:    filepath.Join(dir, "model.json"),
		CharmDir: filepath.Join(dir, "charm"),
		Tools:    filepath.Join(dir, "tools"),
	}
}

// Exists reports whether the deployment's model was created.
func (d *Deployment) Exists() bool {
	_, err := os.Stat(d.State)
	return err == nil
}

// Unpack (re)places the charm from a .charm archive and links the hook
// tools to the emulator binary.
func (d *Deployment) Unpack(charm, emulator string) error {
	if err := os.MkdirAll(d.Dir, 0o700); err != nil {
		return err
	}
	if err := unzip(charm, d.CharmDir); err != nil {
		return fmt.Errorf("unpack %s: %w", charm, err)
	}
	if err := os.MkdirAll(d.Tools, 0o755); err != nil {
		return err
	}
	abs, err := filepath.Abs(emulator)
	if err != nil {
		return err
	}
	for _, tool := range ToolNames {
		link := filepath.Join(d.Tools, tool)
		if err := os.Remove(link); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		if err := os.Symlink(abs, link); err != nil {
			return err
		}
	}
	return nil
}

// Loopback is a network-get answer for 127.0.0.1.
func Loopback() juju.Network {
	return juju.Network{
		BindAddresses:    []juju.BindAddress{{InterfaceName: "lo", Addresses: []juju.InterfaceAddr{{Value: "127.0.0.1", CIDR: "127.0.0.0/8"}}}},
		IngressAddresses: []string{"127.0.0.1"},
	}
}

// Create writes a new model: application octavia with one leader unit on
// loopback, the charm's config defaults, and the given config values.
func (d *Deployment) Create(config map[string]any) error {
	m := jujutest.NewModel("octavia")
	m.CharmDir = d.CharmDir
	if err := m.LoadConfigDefaults(filepath.Join(d.CharmDir, "config.yaml")); err != nil {
		return err
	}
	m.SetEndpoints("shared-db", "amqp", "identity-service", "ha", "certificates", "neutron-api",
		"neutron-openvswitch", "ovsdb-subordinate", "ovsdb-cms", "nrpe-external-master", "cluster",
		"public", "internal", "admin")
	m.AddPeerRelation("cluster")
	m.AddUnit(Unit, true)
	for _, b := range []string{"shared-db", "amqp", "identity-service", "cluster", "public", "internal", "admin", "neutron-api"} {
		m.SetNetwork(Unit, b, Loopback())
	}
	m.Unit(Unit).PrivateAddress = "127.0.0.1"
	m.Unit(Unit).PublicAddress = "127.0.0.1"
	for k, v := range config {
		if err := m.SetConfig(k, v); err != nil {
			return err
		}
	}
	return jujutest.WriteState(d.State, m)
}

// Result is what one hook did.
type Result struct {
	// Calls counts hook-tool calls; PerTool splits them by tool.
	Calls    int
	PerTool  map[string]int
	Duration time.Duration
	Output   string
	Err      error
}

// Hook runs the charm's dispatch for one hook or action and commits or
// discards its deferred writes as Juju does. The returned error is about
// the emulator; the hook's own failure is in Result.Err.
func (d *Deployment) Hook(env jujutest.HookEnv) (Result, error) {
	id, err := jujutest.BeginContext(d.State, Unit, env)
	if err != nil {
		return Result{}, err
	}
	vars, err := jujutest.ContextEnv(d.State, id)
	if err != nil {
		return Result{}, err
	}
	cmd := exec.Command(filepath.Join(d.CharmDir, "dispatch"))
	cmd.Dir = d.CharmDir
	cmd.Env = []string{"PATH=" + d.Tools + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"LANG=C.UTF-8", "DEBIAN_FRONTEND=noninteractive", "APT_LISTCHANGES_FRONTEND=none"}
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	runErr := cmd.Run()
	res := Result{Duration: time.Since(start), Output: out.String(), Err: runErr}
	if err := jujutest.EndContext(d.State, id, runErr == nil); err != nil {
		return res, err
	}
	calls, err := jujutest.ContextCalls(d.State, id)
	if err != nil {
		return res, err
	}
	res.PerTool = calls
	for _, n := range calls {
		res.Calls += n
	}
	return res, nil
}

// Model reads the model.
func (d *Deployment) Model() (*jujutest.Model, error) { return jujutest.ReadState(d.State) }

// Update changes the model between hooks.
func (d *Deployment) Update(fn func(m *jujutest.Model) error) error {
	return jujutest.UpdateState(d.State, fn)
}

// Status is the unit's workload status as "code message".
func (d *Deployment) Status() string {
	m, err := d.Model()
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	st := m.Unit(Unit).Status
	return st.Code + " " + st.Message
}

// Relate adds a relation with one remote unit, runs -created and -joined so
// the charm publishes its request, asks answer for the provider's data from
// what the charm published, and runs -changed with it. run runs each hook.
func (d *Deployment) Relate(endpoint, remoteApp string, run func(jujutest.HookEnv) error, answer func(ours map[string]string) (map[string]string, error)) (string, error) {
	var id string
	remote := remoteApp + "/0"
	if err := d.Update(func(m *jujutest.Model) error {
		id = m.AddRelation(endpoint, remoteApp).ID
		return nil
	}); err != nil {
		return "", err
	}
	if err := run(jujutest.HookEnv{Hook: endpoint + "-relation-created", RelationID: id}); err != nil {
		return id, err
	}
	if err := d.Update(func(m *jujutest.Model) error {
		m.Relation(id).AddRemoteUnit(remote, map[string]string{"private-address": "127.0.0.1"})
		return nil
	}); err != nil {
		return id, err
	}
	if err := run(jujutest.HookEnv{Hook: endpoint + "-relation-joined", RelationID: id, RemoteUnit: remote}); err != nil {
		return id, err
	}
	m, err := d.Model()
	if err != nil {
		return id, err
	}
	data, err := answer(m.Relation(id).LocalUnitData(Unit))
	if err != nil {
		return id, fmt.Errorf("%s provider: %w", endpoint, err)
	}
	if err := d.Update(func(m *jujutest.Model) error {
		m.Relation(id).SetRemoteUnitData(remote, data)
		return nil
	}); err != nil {
		return id, err
	}
	return id, run(jujutest.HookEnv{Hook: endpoint + "-relation-changed", RelationID: id, RemoteUnit: remote})
}

func unzip(archive, dst string) error {
	r, err := zip.OpenReader(archive)
	if err != nil {
		return err
	}
	defer r.Close()
	for _, f := range r.File {
		path := filepath.Join(dst, filepath.Clean("/"+f.Name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := extract(f, path); err != nil {
			return err
		}
	}
	return nil
}

func extract(f *zip.File, path string) error {
	in, err := f.Open()
	if err != nil {
		return err
	}
	defer in.Close()
	tmp := path + ".new"
	out, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, f.Mode())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	// Rename so that a running dispatch is never overwritten in place.
	return os.Rename(tmp, path)
}
