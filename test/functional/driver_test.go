//go:build functional

// Package functional deploys the packed charm on this machine, for real: its
// dispatch binary runs hook by hook under the hook-tool emulator
// (internal/emulated, cmd/jujuc-emulator), against MariaDB, RabbitMQ and
// Keystone from Debian packages (test/bed), with the provider side of each
// relation played by test/bed/provider exactly as the provider charms
// publish it. Octavia's own packages are installed by the charm, as on a
// real unit. Needs root.
package functional

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"charm-octavia/internal/emulated"
	"charm-octavia/internal/juju/jujutest"
)

// repo is the repository root, from test/functional.
const repo = "../.."

// deployment is one emulated model with the charm unpacked for octavia/0.
type deployment struct {
	*emulated.Deployment
	t   *testing.T
	bin string // the built emulator and provider
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

// newDeployment unpacks octavia.charm and creates the model with one leader
// unit, octavia/0, on loopback.
func newDeployment(t *testing.T, build string) *deployment {
	t.Helper()
	d := &deployment{Deployment: emulated.At(t.TempDir()), t: t, bin: build}
	fatalIf(t, d.Unpack(filepath.Join(repo, "octavia.charm"), filepath.Join(build, "jujuc-emulator")), "unpack")
	fatalIf(t, d.Create(nil), "create model")
	return d
}

// hook runs one hook (or action) and logs what it did.
func (d *deployment) hook(env jujutest.HookEnv) emulated.Result {
	d.t.Helper()
	res, err := d.Hook(env)
	fatalIf(d.t, err, "emulator")
	d.t.Logf("%-40s %4d calls %8.1f ms  status: %s", env.Hook+env.Action, res.Calls, float64(res.Duration.Microseconds())/1000, d.status())
	if res.Duration > 5*time.Second {
		// A slow hook shows what it did (the charm's log has no secrets).
		d.t.Logf("%s log:\n%s", env.Hook+env.Action, res.Output)
	}
	return res
}

// mustHook runs a hook that must succeed.
func (d *deployment) mustHook(env jujutest.HookEnv) emulated.Result {
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
	m, err := d.Model()
	fatalIf(d.t, err, "read model")
	return m
}

func (d *deployment) update(fn func(m *jujutest.Model) error) {
	d.t.Helper()
	fatalIf(d.t, d.Update(fn), "update model")
}

func (d *deployment) status() string { return d.Status() }

// relate adds a relation with one remote unit; the provider answers from
// what the charm published (see emulated.Deployment.Relate).
func (d *deployment) relate(endpoint, remoteApp string, answer func(ours map[string]string) map[string]string) string {
	d.t.Helper()
	id, err := d.Relate(endpoint, remoteApp,
		func(env jujutest.HookEnv) error {
			if res := d.hook(env); res.Err != nil {
				return fmt.Errorf("%v\n%s", res.Err, res.Output)
			}
			return nil
		},
		func(ours map[string]string) (map[string]string, error) { return answer(ours), nil })
	fatalIf(d.t, err, "relate %s", endpoint)
	return id
}

// provider plays a provider charm against the bed and returns its relation data.
func provider(t *testing.T, build string, args ...string) map[string]string {
	t.Helper()
	var data map[string]string
	out := run(t, filepath.Join(build, "provider"), args...)
	fatalIf(t, json.Unmarshal([]byte(strings.TrimSpace(out)), &data), "provider %s", args[0])
	return data
}

func fatalIf(t testing.TB, err error, format string, a ...any) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", fmt.Sprintf(format, a...), err)
	}
}
