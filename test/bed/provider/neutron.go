package main

// The Neutron side of the bed (../components/neutron.sh): what the
// neutron-api charm publishes on the neutron-load-balancer relation and what
// the neutron-openvswitch subordinate publishes on neutron-plugin
// (relation-interfaces.md §8 and §9), checked against the real Neutron.
//
//	provider neutron-api            {"neutron-api-ready": "True"}
//	provider neutron-openvswitch    {"host": "<host of the alive OVS agent>"}
//
// Both only read: nothing is created, so a second run prints the same.

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"
)

// Neutron as started by components/neutron.sh (neutron-server, eventlet).
const neutronURL = "http://" + bedHost + ":9696"

var localHTTP = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{Proxy: nil}}

// neutronUp checks that Neutron answers its unauthenticated version document.
func neutronUp() error {
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{Proxy: nil}}
	resp, err := client.Get(neutronURL + "/")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var doc struct {
		Versions []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"versions"`
	}
	if resp.StatusCode != 200 {
		return fmt.Errorf("GET %s/: %s", neutronURL, resp.Status)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&doc); err != nil || len(doc.Versions) == 0 {
		return fmt.Errorf("GET %s/: not a Neutron version document", neutronURL)
	}
	return nil
}

// keystoneToken gets a project-scoped token with one API call (the password
// travels in the request body, not on a command line).
func keystoneToken(user, password, project string) (string, error) {
	body, _ := json.Marshal(map[string]any{"auth": map[string]any{
		"identity": map[string]any{"methods": []string{"password"}, "password": map[string]any{
			"user": map[string]any{"name": user, "domain": map[string]string{"id": "default"}, "password": password}}},
		"scope": map[string]any{"project": map[string]any{"name": project, "domain": map[string]string{"id": "default"}}},
	}})
	resp, err := localHTTP.Post(keystoneURL+"/auth/tokens", "application/json", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != 201 || resp.Header.Get("X-Subject-Token") == "" {
		return "", fmt.Errorf("POST /v3/auth/tokens as %s: %s", user, resp.Status)
	}
	return resp.Header.Get("X-Subject-Token"), nil
}

func neutronGet(token, path string, v any) error {
	req, err := http.NewRequest("GET", neutronURL+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("X-Auth-Token", token)
	req.Header.Set("Accept", "application/json")
	resp, err := localHTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 1<<22)).Decode(v)
}

// neutronAPI: the neutron-api charm's side of neutron-load-balancer. The
// charm sends neutron-api-ready=True (str() of a Python bool) from its joined
// and changed hooks; the bed sends it once Neutron answers.
func neutronAPI(args []string) map[string]string {
	fs := flag.NewFlagSet("neutron-api", flag.ExitOnError)
	fs.Parse(args)
	if fs.NArg() > 0 {
		fatalf("neutron-api: takes no arguments")
	}
	if err := neutronUp(); err != nil {
		fatalf("neutron-api: Neutron is down; run test/bed/bed.sh up (%s)", oneLine(err))
	}
	return map[string]string{"neutron-api-ready": "True"}
}

// neutronOpenvswitch: the neutron-openvswitch subordinate's side of
// neutron-plugin. Its `host` is the name its OVS agent registers with, which
// Octavia uses as binding:host_id of the health-manager port. The bed reads
// it from Neutron's agent list rather than guessing it from the hostname.
func neutronOpenvswitch(args []string) map[string]string {
	fs := flag.NewFlagSet("neutron-openvswitch", flag.ExitOnError)
	fs.Parse(args)
	if fs.NArg() > 0 {
		fatalf("neutron-openvswitch: takes no arguments")
	}
	if err := neutronUp(); err != nil {
		fatalf("neutron-openvswitch: Neutron is down; run test/bed/bed.sh up (%s)", oneLine(err))
	}
	if err := keystoneUp(); err != nil {
		fatalf("neutron-openvswitch: Keystone is down; run test/bed/bed.sh up (%s)", oneLine(err))
	}
	adminPW, err := os.ReadFile(stateDir + "/keystone-admin.pw")
	if err != nil {
		fatalf("neutron-openvswitch: no Keystone admin password (%v); run test/bed/bed.sh up", err)
	}
	token, err := keystoneToken("admin", strings.TrimSpace(string(adminPW)), "admin")
	if err != nil {
		fatalf("neutron-openvswitch: %s", oneLine(err))
	}
	var list struct {
		Agents []struct {
			Host         string `json:"host"`
			Alive        bool   `json:"alive"`
			AdminStateUp bool   `json:"admin_state_up"`
		} `json:"agents"`
	}
	if err := neutronGet(token, "/v2.0/agents?agent_type="+url.QueryEscape("Open vSwitch agent"), &list); err != nil {
		fatalf("neutron-openvswitch: %s", oneLine(err))
	}
	var hosts []string
	for _, a := range list.Agents {
		if a.Alive && a.AdminStateUp && !contains(hosts, a.Host) {
			hosts = append(hosts, a.Host)
		}
	}
	if len(hosts) == 0 {
		fatalf("neutron-openvswitch: no alive Open vSwitch agent in Neutron; run test/bed/bed.sh up")
	}
	// One machine, one agent. Should there be more, prefer this machine's.
	sort.Strings(hosts)
	host := hosts[0]
	if len(hosts) > 1 {
		if h, err := os.Hostname(); err == nil && contains(hosts, h) {
			host = h
		}
		fmt.Fprintf(os.Stderr, "provider: warning: alive OVS agents on %s, using %s\n", strings.Join(hosts, ", "), host)
	}
	return map[string]string{"host": host}
}

func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
