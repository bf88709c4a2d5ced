package jujutest

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"charm-octavia/internal/juju"
)

// TestToolsAgainstModel drives every juju.Tools method through the fake,
// so the argv the charm sends is what the fake (and Juju) accepts.
func TestToolsAgainstModel(t *testing.T) {
	ctx := context.Background()
	m, peer, db := newTestModel(t)
	m.SetEndpoints("shared-db", "public")
	m.SetResource("octavia-image", "/srv/image.qcow2")
	remote := m.AddSecret("vault", map[string]string{"token": "t1"}, "")
	m.GrantSecret(remote, m.AddRelation("secrets", "vault").ID, "")

	c := m.Context("octavia/0", hook("config-changed"))
	counting := juju.NewCounting(c)
	tl := juju.New(counting)

	var cfg struct {
		Workers int     `json:"workers"`
		Ratio   float64 `json:"ratio"`
		Debug   bool    `json:"debug"`
		CA      *string `json:"lb-mgmt-issuing-cacert"`
	}
	if err := tl.ConfigGet(ctx, &cfg); err != nil || cfg.Workers != 4 || cfg.Ratio != 1 || cfg.CA != nil {
		t.Errorf("ConfigGet = %+v, %v", cfg, err)
	}
	if ids, err := tl.RelationIDs(ctx, "shared-db"); err != nil || !reflect.DeepEqual(ids, []string{db.ID}) {
		t.Errorf("RelationIDs = %v, %v", ids, err)
	}
	if units, err := tl.RelationList(ctx, peer.ID); err != nil || !reflect.DeepEqual(units, []string{"octavia/1", "octavia/2"}) {
		t.Errorf("RelationList = %v, %v", units, err)
	}
	if app, err := tl.RelationApp(ctx, db.ID); err != nil || app != "mysql" {
		t.Errorf("RelationApp = %q, %v", app, err)
	}
	if bag, err := tl.RelationGet(ctx, db.ID, "mysql", true); err != nil || bag["endpoints"] != "10.5.0.1:3306" {
		t.Errorf("RelationGet app = %v, %v", bag, err)
	}
	if err := tl.RelationSet(ctx, db.ID, false, map[string]string{"database": "octavia", "password": "-starts-with-dash"}); err != nil {
		t.Fatal(err)
	}
	if err := tl.RelationSet(ctx, peer.ID, true, map[string]string{"ready": "true"}); err != nil {
		t.Fatal(err)
	}
	if bag, err := tl.RelationGet(ctx, db.ID, "octavia/0", false); err != nil || bag["password"] != "-starts-with-dash" {
		t.Errorf("RelationGet own = %v, %v", bag, err)
	}
	if l, err := tl.IsLeader(ctx); err != nil || !l {
		t.Errorf("IsLeader = %v, %v", l, err)
	}
	if err := tl.LeaderSet(ctx, map[string]string{"control-plane-secret": "secret:x"}); err != nil {
		t.Fatal(err)
	}
	if d, err := tl.LeaderGet(ctx); err != nil || d["control-plane-secret"] != "secret:x" {
		t.Errorf("LeaderGet = %v, %v", d, err)
	}
	id, err := tl.SecretAdd(ctx, map[string]string{"heartbeat-key": "hb\n", "passphrase": "-p"}, juju.SecretOptions{Label: "cp", Description: "-d"})
	if err != nil || !strings.HasPrefix(id, "secret:") || strings.ContainsAny(id, "\n ") {
		t.Fatalf("SecretAdd = %q, %v", id, err)
	}
	if got, err := tl.SecretGet(ctx, "", "cp", juju.SecretGetOptions{}); err != nil || got["heartbeat-key"] != "hb\n" || got["passphrase"] != "-p" {
		t.Errorf("SecretGet pending = %v, %v", got, err)
	}
	if err := tl.SecretGrant(ctx, id, db.ID, ""); err != nil {
		t.Error(err)
	}
	if ids, err := tl.SecretIDs(ctx); err != nil || !reflect.DeepEqual(ids, []string{id}) {
		t.Errorf("SecretIDs = %v, %v", ids, err)
	}
	if info, err := tl.SecretInfoGet(ctx, id, ""); err != nil || info.ID != id || info.Label != "cp" || info.Description != "-d" || info.Owner != "application" || info.Revision != 1 {
		t.Errorf("SecretInfoGet = %+v, %v", info, err)
	}
	if got, err := tl.SecretGet(ctx, remote, "", juju.SecretGetOptions{Refresh: true}); err != nil || got["token"] != "t1" {
		t.Errorf("SecretGet consumer = %v, %v", got, err)
	}
	if err := tl.StatusSet(ctx, false, juju.Status{Code: "maintenance", Message: "-installing"}); err != nil {
		t.Error(err)
	}
	if s, err := tl.StatusGet(ctx, false); err != nil || s != (juju.Status{Code: "maintenance", Message: "-installing"}) {
		t.Errorf("StatusGet = %+v, %v", s, err)
	}
	if err := tl.StatusSet(ctx, true, juju.Status{Code: "active"}); err != nil {
		t.Error(err)
	}
	if s, err := tl.StatusGet(ctx, true); err != nil || s.Code != "active" {
		t.Errorf("StatusGet app = %+v, %v", s, err)
	}
	if err := tl.ApplicationVersionSet(ctx, "14.0.0"); err != nil {
		t.Error(err)
	}
	if err := tl.OpenPort(ctx, 9876, "tcp"); err != nil {
		t.Error(err)
	}
	if err := tl.ClosePort(ctx, 9876, ""); err != nil {
		t.Error(err)
	}
	if err := tl.OpenPort(ctx, 5555, "udp"); err != nil {
		t.Error(err)
	}
	if p, err := tl.OpenedPorts(ctx); err != nil || !reflect.DeepEqual(p, []string{"5555/udp"}) {
		t.Errorf("OpenedPorts = %v, %v", p, err)
	}
	if n, err := tl.NetworkGet(ctx, "public"); err != nil || n.PrimaryAddress() != "10.0.0.10" {
		t.Errorf("NetworkGet = %+v, %v", n, err)
	}
	if a, err := tl.UnitGet(ctx, "private-address"); err != nil || a != "10.0.0.10" {
		t.Errorf("UnitGet = %q, %v", a, err)
	}
	if err := tl.Log(ctx, "DEBUG", "-hello"); err != nil {
		t.Error(err)
	}
	if err := tl.StateSet(ctx, map[string]string{"applied": "-x"}); err != nil {
		t.Error(err)
	}
	if err := tl.StateDelete(ctx, "nothing"); err != nil {
		t.Error(err)
	}
	if st, err := tl.StateGet(ctx); err != nil || st["applied"] != "-x" {
		t.Errorf("StateGet = %v, %v", st, err)
	}
	if p, err := tl.ResourceGet(ctx, "octavia-image"); err != nil || p != "/srv/image.qcow2" {
		t.Errorf("ResourceGet = %q, %v", p, err)
	}
	_, err = tl.ResourceGet(ctx, "missing")
	var te *juju.ToolError
	if !errors.As(err, &te) || te.ExitCode != 1 || !strings.HasPrefix(te.Stderr, "ERROR could not download resource") {
		t.Errorf("ResourceGet missing: %v", err)
	}
	c.Close(true)

	if m.Secret(id) == nil || m.Units["octavia/0"].State["applied"] != "-x" || peer.LocalAppData["ready"] != "true" || m.Units["octavia/0"].WorkloadVersion != "14.0.0" {
		t.Errorf("commit lost writes")
	}
	if counting.Total() != sum(c.Calls()) {
		t.Errorf("Counting %d vs context %v", counting.Total(), c.Calls())
	}

	// Another unit reads the app-owned secret and the leader data.
	other := juju.New(m.Context("octavia/1", hook("leader-settings-changed")))
	if got, err := other.SecretGet(ctx, id, "", juju.SecretGetOptions{}); err != nil || got["passphrase"] != "-p" {
		t.Errorf("peer unit SecretGet = %v, %v", got, err)
	}
	if err := other.SecretSet(ctx, id, map[string]string{"passphrase": "q"}, juju.SecretOptions{}); err == nil {
		t.Errorf("non-leader SecretSet succeeded")
	}

	// An action.
	ac := m.Context("octavia/0", HookEnv{Action: "configure-resources", ActionParams: map[string]any{"dry-run": true}})
	at := juju.New(ac)
	var params struct {
		DryRun bool `json:"dry-run"`
	}
	if err := at.ActionGet(ctx, &params); err != nil || !params.DryRun {
		t.Errorf("ActionGet = %+v, %v", params, err)
	}
	if err := at.ActionSet(ctx, map[string]string{"result.network": "lb-mgmt-net", "result.port": "-"}); err != nil {
		t.Error(err)
	}
	if err := at.ActionLog(ctx, "-creating network"); err != nil {
		t.Error(err)
	}
	if err := at.ActionFail(ctx, "-no keystone"); err != nil {
		t.Error(err)
	}
	ac.Close(true)
	a := ac.Action()
	if !a.Failed || a.Message != "-no keystone" || a.Logs[0] != "-creating network" || a.Results["result"].(map[string]any)["network"] != "lb-mgmt-net" {
		t.Errorf("action = %+v", a)
	}
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
