//go:build functional

package functional

import (
	"testing"
	"time"

	"charm-octavia/internal/lbapi"
)

// openrcPath holds the bed's Keystone admin credentials.
const openrcPath = "/var/lib/octavia-bed/admin-openrc"

// openrc reads the bed's admin credentials as OS_* variables.
func openrc(t *testing.T) map[string]string {
	t.Helper()
	env, err := lbapi.ReadOpenrcEnv(openrcPath)
	fatalIf(t, err, "read admin openrc")
	return env
}

// client is lbapi's client failing the test on errors.
type client struct {
	*lbapi.Client
	t *testing.T
}

// newClient logs in as the bed's admin and waits for the API to answer.
func newClient(t *testing.T) *client {
	t.Helper()
	creds, err := lbapi.ReadOpenrc(openrcPath)
	fatalIf(t, err, "read admin openrc")
	cl, err := lbapi.Login(creds)
	fatalIf(t, err, "login")
	fatalIf(t, cl.WaitAPI(2*time.Minute), "wait for the API")
	return &client{Client: cl, t: t}
}

// do sends one request to Octavia and decodes the JSON answer into out.
func (c *client) do(method, path string, in, out any) {
	c.t.Helper()
	fatalIf(c.t, c.Do(method, path, in, out), "%s %s", method, path)
}

// waitLB waits until a load balancer is ACTIVE (or gone, for "DELETED").
func (c *client) waitLB(id, want string, timeout time.Duration) {
	c.t.Helper()
	if want == "DELETED" {
		fatalIf(c.t, c.WaitGone(id, timeout), "wait for deletion")
		return
	}
	_, err := c.WaitActive(id, timeout)
	fatalIf(c.t, err, "wait for ACTIVE")
}
