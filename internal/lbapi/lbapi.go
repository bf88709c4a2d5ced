// Package lbapi is a small client of the Octavia v2 API with a Keystone
// token, for the local demo and the functional tests: log in, find the
// load-balancer endpoint in the catalog, create objects and wait for them.
package lbapi

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

// Credentials are a Keystone user scoped to a project.
type Credentials struct {
	AuthURL, Username, Password, UserDomain, Project, ProjectDomain string
}

// ReadOpenrcEnv reads the "export OS_*=value" lines of an openrc file.
func ReadOpenrcEnv(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	env := map[string]string{}
	s := bufio.NewScanner(f)
	for s.Scan() {
		k, v, ok := strings.Cut(strings.TrimPrefix(strings.TrimSpace(s.Text()), "export "), "=")
		if ok && strings.HasPrefix(k, "OS_") {
			env[k] = strings.Trim(v, `"'`)
		}
	}
	return env, s.Err()
}

// ReadOpenrc reads the credentials of an openrc file.
func ReadOpenrc(path string) (Credentials, error) {
	env, err := ReadOpenrcEnv(path)
	return Credentials{
		AuthURL: env["OS_AUTH_URL"], Username: env["OS_USERNAME"], Password: env["OS_PASSWORD"],
		UserDomain: env["OS_USER_DOMAIN_NAME"], Project: env["OS_PROJECT_NAME"], ProjectDomain: env["OS_PROJECT_DOMAIN_NAME"],
	}, err
}

// Client holds a token and the public load-balancer endpoint.
type Client struct {
	http  *http.Client
	token string
	// Endpoint is the public load-balancer URL from the catalog.
	Endpoint string
}

// Login gets a project-scoped token and finds the load-balancer endpoint.
func Login(c Credentials) (*Client, error) {
	body, _ := json.Marshal(map[string]any{"auth": map[string]any{
		"identity": map[string]any{"methods": []string{"password"}, "password": map[string]any{
			"user": map[string]any{"name": c.Username, "domain": map[string]string{"name": c.UserDomain}, "password": c.Password}}},
		"scope": map[string]any{"project": map[string]any{"name": c.Project, "domain": map[string]string{"name": c.ProjectDomain}}},
	}})
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{Proxy: nil}}
	resp, err := hc.Post(strings.TrimSuffix(c.AuthURL, "/")+"/auth/tokens", "application/json", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("keystone login: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return nil, fmt.Errorf("keystone login: %s", resp.Status)
	}
	var cat struct {
		Token struct {
			Catalog []struct {
				Type      string `json:"type"`
				Endpoints []struct{ Interface, URL string }
			} `json:"catalog"`
		} `json:"token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&cat); err != nil {
		return nil, fmt.Errorf("keystone catalog: %w", err)
	}
	cl := &Client{http: hc, token: resp.Header.Get("X-Subject-Token")}
	for _, s := range cat.Token.Catalog {
		for _, e := range s.Endpoints {
			if s.Type == "load-balancer" && e.Interface == "public" {
				cl.Endpoint = strings.TrimSuffix(e.URL, "/")
			}
		}
	}
	if cl.Endpoint == "" {
		return nil, errors.New("no public load-balancer endpoint in the Keystone catalog")
	}
	return cl, nil
}

// StatusError is an API answer of 300 or more.
type StatusError struct {
	Method, Path string
	Code         int
	Body         string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%s %s: %d %s", e.Method, e.Path, e.Code, strings.TrimSpace(e.Body))
}

// Do sends one request and decodes the JSON answer into out (when not nil).
func (c *Client) Do(method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.Endpoint+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("X-Auth-Token", c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return &StatusError{Method: method, Path: path, Code: resp.StatusCode, Body: string(data)}
	}
	if out != nil && len(data) > 0 {
		return json.Unmarshal(data, out)
	}
	return nil
}

// WaitAPI waits until the API answers: right after the services start,
// Apache's WSGI processes are still importing Octavia.
func (c *Client) WaitAPI(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		err := c.Do("GET", "/v2/lbaas/loadbalancers", nil, nil)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the Octavia API did not answer within %v: %w", timeout, err)
		}
		time.Sleep(time.Second)
	}
}

// LoadBalancer is the part of a load balancer the callers read.
type LoadBalancer struct {
	ID                 string `json:"id"`
	Name               string `json:"name"`
	VIPAddress         string `json:"vip_address"`
	ProvisioningStatus string `json:"provisioning_status"`
}

// FindLoadBalancer returns the load balancer with this name, or nil.
func (c *Client) FindLoadBalancer(name string) (*LoadBalancer, error) {
	var out struct {
		LBs []LoadBalancer `json:"loadbalancers"`
	}
	if err := c.Do("GET", "/v2/lbaas/loadbalancers?name="+name, nil, &out); err != nil {
		return nil, err
	}
	for _, lb := range out.LBs {
		if lb.Name == name {
			return &lb, nil
		}
	}
	return nil, nil
}

// WaitActive polls a load balancer until it is ACTIVE; ERROR or a timeout
// is an error. Children (listeners, pools, ...) move their load balancer
// through PENDING_UPDATE, so waiting on it covers them.
func (c *Client) WaitActive(id string, timeout time.Duration) (*LoadBalancer, error) {
	deadline := time.Now().Add(timeout)
	for {
		var out struct {
			LB LoadBalancer `json:"loadbalancer"`
		}
		err := c.Do("GET", "/v2/lbaas/loadbalancers/"+id, nil, &out)
		if err == nil {
			switch out.LB.ProvisioningStatus {
			case "ACTIVE":
				return &out.LB, nil
			case "ERROR":
				return nil, fmt.Errorf("load balancer %s went to ERROR (see /var/log/octavia/octavia-worker.log)", id)
			}
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("load balancer %s is not ACTIVE after %v (last: %q, %v)", id, timeout, out.LB.ProvisioningStatus, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// WaitGone polls until a load balancer no longer exists.
func (c *Client) WaitGone(id string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		err := c.Do("GET", "/v2/lbaas/loadbalancers/"+id, nil, nil)
		var se *StatusError
		if errors.As(err, &se) && se.Code == http.StatusNotFound {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("load balancer %s still exists after %v", id, timeout)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// Create POSTs one object ({kind: body}) under /v2/lbaas/<collection> and
// returns its id.
func (c *Client) Create(collection, kind string, body map[string]any) (string, error) {
	var out map[string]struct {
		ID string `json:"id"`
	}
	if err := c.Do("POST", "/v2/lbaas/"+collection, map[string]any{kind: body}, &out); err != nil {
		return "", err
	}
	return out[kind].ID, nil
}
