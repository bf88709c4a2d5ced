//go:build functional

package functional

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

func decodeBag(s string) (map[string]string, error) {
	var m map[string]string
	err := json.Unmarshal([]byte(strings.TrimSpace(s)), &m)
	return m, err
}

// openrc reads the bed's admin credentials (export KEY=VALUE lines).
func openrc(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open("/var/lib/octavia-bed/admin-openrc")
	fatalIf(t, err, "read admin openrc")
	defer f.Close()
	env := map[string]string{}
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := strings.TrimPrefix(strings.TrimSpace(s.Text()), "export ")
		k, v, ok := strings.Cut(line, "=")
		if ok && strings.HasPrefix(k, "OS_") {
			env[k] = strings.Trim(v, `"'`)
		}
	}
	return env
}

// client talks to Keystone and Octavia on loopback with a token.
type client struct {
	t     *testing.T
	http  *http.Client
	token string
	lbURL string
}

func newClient(t *testing.T) *client {
	t.Helper()
	env := openrc(t)
	body := fmt.Sprintf(`{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":%q,"domain":{"name":%q},"password":%q}}},
		"scope":{"project":{"name":%q,"domain":{"name":%q}}}}}`,
		env["OS_USERNAME"], env["OS_USER_DOMAIN_NAME"], env["OS_PASSWORD"], env["OS_PROJECT_NAME"], env["OS_PROJECT_DOMAIN_NAME"])
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{Proxy: nil}}
	resp, err := hc.Post(env["OS_AUTH_URL"]+"/auth/tokens", "application/json", strings.NewReader(body))
	fatalIf(t, err, "keystone token")
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("keystone token: %s", resp.Status)
	}
	var cat struct {
		Token struct {
			Catalog []struct {
				Type      string `json:"type"`
				Endpoints []struct {
					Interface, URL string
				} `json:"endpoints"`
			} `json:"catalog"`
		} `json:"token"`
	}
	fatalIf(t, json.NewDecoder(resp.Body).Decode(&cat), "decode catalog")
	c := &client{t: t, http: hc, token: resp.Header.Get("X-Subject-Token")}
	for _, s := range cat.Token.Catalog {
		if s.Type != "load-balancer" {
			continue
		}
		for _, e := range s.Endpoints {
			if e.Interface == "public" {
				c.lbURL = strings.TrimSuffix(e.URL, "/")
			}
		}
	}
	if c.lbURL == "" {
		t.Fatal("no public load-balancer endpoint in the Keystone catalog")
	}
	c.waitAPI(2 * time.Minute)
	return c
}

// waitAPI waits until the API answers through haproxy: right after the
// services start, Apache's WSGI processes are still importing Octavia and
// haproxy closes connections to a backend that is not ready.
func (c *client) waitAPI(timeout time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	var last string
	for time.Now().Before(deadline) {
		req, _ := http.NewRequest("GET", c.lbURL+"/v2/lbaas/loadbalancers", nil)
		req.Header.Set("X-Auth-Token", c.token)
		resp, err := c.http.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		time.Sleep(time.Second)
	}
	c.t.Fatalf("the Octavia API did not answer within %v: %s", timeout, last)
}

// do sends one request to Octavia and decodes the JSON answer into out.
func (c *client) do(method, path string, in, out any) int {
	c.t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.lbURL+path, body)
	fatalIf(c.t, err, "request")
	req.Header.Set("X-Auth-Token", c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	fatalIf(c.t, err, "%s %s", method, path)
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		c.t.Fatalf("%s %s: %s\n%s", method, path, resp.Status, data)
	}
	if out != nil && len(data) > 0 {
		fatalIf(c.t, json.Unmarshal(data, out), "decode %s %s", method, path)
	}
	return resp.StatusCode
}

// waitLB polls a load balancer until its provisioning status is want (or it
// is gone, for want == "DELETED").
func (c *client) waitLB(id, want string, timeout time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	last := ""
	for time.Now().Before(deadline) {
		req, _ := http.NewRequest("GET", c.lbURL+"/v2/lbaas/loadbalancers/"+id, nil)
		req.Header.Set("X-Auth-Token", c.token)
		resp, err := c.http.Do(req)
		if err == nil {
			var lb struct {
				LB struct {
					ProvisioningStatus string `json:"provisioning_status"`
				} `json:"loadbalancer"`
			}
			data, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusNotFound && want == "DELETED" {
				return
			}
			if json.Unmarshal(data, &lb) == nil {
				last = lb.LB.ProvisioningStatus
				if last == want {
					return
				}
				if last == "ERROR" {
					c.t.Fatalf("load balancer %s went to ERROR (see /var/log/octavia/octavia-worker.log)", id)
				}
			}
		}
		time.Sleep(500 * time.Millisecond)
	}
	c.t.Fatalf("load balancer %s is %q after %v, want %s", id, last, timeout, want)
}
