package jujutest

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// valueFile writes a secret value file, as the juju package does.
func valueFile(t *testing.T, v string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "v")
	if err := os.WriteFile(p, []byte(v), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSecretAdd(t *testing.T) {
	m, _, _ := newTestModel(t)
	c := m.Context("octavia/0", hook("leader-elected"))
	out := mustExec(t, c, "secret-add", "--label", "cp", "--description", "control plane", "--", "heartbeat-key#file="+valueFile(t, "hb\n"), "passphrase=pp")
	if !regexp.MustCompile(`^secret:[0-9a-v]{20}\n$`).MatchString(out) {
		t.Fatalf("secret-add printed %q, want a URI and a newline", out)
	}
	uri := strings.TrimSpace(out)
	// The new secret is readable in the hook, by ID and by label.
	got := decode[map[string]string](t, mustExec(t, c, "secret-get", uri, "--format=json"))
	if !reflect.DeepEqual(got, map[string]string{"heartbeat-key": "hb\n", "passphrase": "pp"}) {
		t.Errorf("secret-get of a pending secret = %q", got)
	}
	if out := mustExec(t, c, "secret-get", "--label", "cp", "--format=json"); !strings.Contains(out, `"passphrase":"pp"`) {
		t.Errorf("secret-get by label = %q", out)
	}
	// As in Juju, the first argument is always the ID: with --label alone
	// there is no way to name a key.
	mustFail(t, c, 2, `secret URI "passphrase" not valid`, "secret-get", "--label", "cp", "passphrase")
	if out := mustExec(t, c, "secret-get", uri, "passphrase#base64", "--format=json"); out != `"cHA="`+"\n" {
		t.Errorf("key#base64 = %q", out)
	}
	mustFail(t, c, 1, `secret key "nope" not found`, "secret-get", uri, "nope", "--format=json")
	if m.Secret(uri) != nil {
		t.Fatalf("secret created before the hook ends")
	}
	c.Close(true)
	s := m.Secret(uri)
	if s == nil || s.Label != "cp" || s.OwnerKind != "application" || s.Owner != "octavia" || s.LatestRevision() != 1 {
		t.Fatalf("committed secret = %+v", s)
	}
	if content, _ := s.Content(0); content["passphrase"] != "pp" {
		t.Errorf("content = %v", content)
	}

	other := m.Context("octavia/1", hook("config-changed"))
	mustFail(t, other, 1, "this unit is not the leader", "secret-add", "key=v")
	unitOut := mustExec(t, other, "secret-add", "--owner", "unit", "key=v")
	mustFail(t, other, 2, `key "ca" not valid`, "secret-add", "ca=x")
	mustFail(t, other, 2, `key "Key" not valid`, "secret-add", "--owner=unit", "Key=x")
	mustFail(t, other, 2, "missing secret value or filename", "secret-add")
	mustFail(t, other, 2, `secret owner "model" not valid`, "secret-add", "--owner", "model", "key=v")
	mustFail(t, other, 2, `rotate policy "often" not valid`, "secret-add", "--rotate", "often", "key=v")
	mustFail(t, other, 2, `key value "noequals" not valid`, "secret-add", "noequals")
	other.Close(false)
	if m.Secret(strings.TrimSpace(unitOut)) != nil {
		t.Errorf("secret-add survived a failed hook")
	}

	dup := m.Context("octavia/0", hook("config-changed"))
	mustFail(t, dup, 1, `secret with label "cp" already exists`, "secret-add", "--label", "cp", "key=v")
}

func TestSecretSetOwnerAndConsumers(t *testing.T) {
	m, peer, _ := newTestModel(t)
	uri := m.AddSecret("octavia", map[string]string{"key": "v1"}, "cp")
	// The owner's non-leader unit reads the latest revision but cannot set.
	other := m.Context("octavia/1", hook("update-status"))
	if out := mustExec(t, other, "secret-get", uri, "key", "--format=json"); out != `"v1"`+"\n" {
		t.Errorf("owner unit reads %q", out)
	}
	mustFail(t, other, 1, "this unit is not the leader", "secret-set", uri, "key=v2")
	other.Close(true)

	leader := m.Context("octavia/0", hook("config-changed"))
	mustExec(t, leader, "secret-set", uri, "key#file="+valueFile(t, "v2"))
	if out := mustExec(t, leader, "secret-get", uri, "key", "--format=json"); out != `"v1"`+"\n" {
		t.Errorf("plain get sees the committed revision in the hook: %q", out)
	}
	if out := mustExec(t, leader, "secret-get", uri, "key", "--peek", "--format=json"); out != `"v2"`+"\n" {
		t.Errorf("--peek sees the pending revision: %q", out)
	}
	leader.Close(true)
	s := m.Secret(uri)
	if s.LatestRevision() != 2 {
		t.Fatalf("revisions after secret-set: %+v", s.Revisions)
	}
	// Same content again makes no new revision.
	again := m.Context("octavia/0", hook("config-changed"))
	mustExec(t, again, "secret-set", uri, "key=v2", "--description", "d")
	again.Close(true)
	if s.LatestRevision() != 2 || s.Description != "d" {
		t.Errorf("after an identical secret-set: rev %d, description %q", s.LatestRevision(), s.Description)
	}
	if out := mustExec(t, m.Context("octavia/2", hook("update-status")), "secret-get", uri, "key", "--format=json"); out != `"v2"`+"\n" {
		t.Errorf("owner reads latest: %q", out)
	}

	// A remote application's secret, granted to our application.
	remote := m.AddSecret("vault", map[string]string{"token": "t1"}, "")
	c := m.Context("octavia/1", hook("update-status"))
	mustFail(t, c, 1, "permission denied", "secret-get", remote, "--format=json")
	c.Close(true)
	vaultRel := m.AddRelation("secrets", "vault")
	m.GrantSecret(remote, vaultRel.ID, "")
	c = m.Context("octavia/1", hook("update-status"))
	if out := mustExec(t, c, "secret-get", remote, "--label", "vault-token", "token", "--format=json"); out != `"t1"`+"\n" {
		t.Errorf("first read = %q", out)
	}
	c.Close(true)
	if s := m.Secret(remote); s.Consumers["octavia/1"] == nil || s.Consumers["octavia/1"].Revision != 1 {
		t.Fatalf("first read did not pin: %+v", s.Consumers)
	}
	m.SetSecretContent(remote, map[string]string{"token": "t2"})
	c = m.Context("octavia/1", HookEnv{Hook: "secret-changed", SecretID: remote, SecretLabel: "vault-token"})
	if env := c.Env(); env["JUJU_SECRET_ID"] != remote || env["JUJU_SECRET_LABEL"] != "vault-token" {
		t.Errorf("secret env = %v", env)
	}
	if out := mustExec(t, c, "secret-get", "--label", "vault-token", "--format=json"); out != `{"token":"t1"}`+"\n" {
		t.Errorf("pinned read by consumer label = %q", out)
	}
	if out := mustExec(t, c, "secret-get", remote, "token", "--peek", "--format=json"); out != `"t2"`+"\n" {
		t.Errorf("peek = %q", out)
	}
	if out := mustExec(t, c, "secret-get", remote, "token", "--format=json"); out != `"t1"`+"\n" {
		t.Errorf("peek moved the pin: %q", out)
	}
	if out := mustExec(t, c, "secret-get", remote, "token", "--refresh", "--format=json"); out != `"t2"`+"\n" {
		t.Errorf("refresh = %q", out)
	}
	if out := mustExec(t, c, "secret-get", remote, "token", "--format=json"); out != `"t2"`+"\n" {
		t.Errorf("after refresh = %q", out)
	}
	mustFail(t, c, 2, "specify one of --peek or --refresh but not both", "secret-get", remote, "--peek", "--refresh")
	mustFail(t, c, 2, "require either a secret URI or label", "secret-get")
	mustFail(t, c, 2, `secret URI "secret:nope" not valid`, "secret-get", "secret:nope")
	mustFail(t, c, 1, "not emulated", "secret-get", remote)
	// A consumer does not see the secret's metadata.
	mustFail(t, c, 1, "not found", "secret-info-get", remote, "--format=json")
	// Breaking the relation ends the grant.
	m.BreakRelation(vaultRel.ID)
	mustFail(t, c, 1, "permission denied", "secret-get", remote, "--format=json")
	_ = peer
}

func TestSecretMetadataAndGrants(t *testing.T) {
	m, peer, db := newTestModel(t)
	appSecret := m.AddSecret("octavia", map[string]string{"key": "v"}, "cp")
	unitSecret := m.AddSecret("octavia/1", map[string]string{"key": "u"}, "mine")
	leader := m.Context("octavia/0", hook("config-changed"))
	ids := decode[[]string](t, mustExec(t, leader, "secret-ids", "--format=json"))
	if !reflect.DeepEqual(ids, []string{strings.TrimPrefix(appSecret, "secret:")}) {
		t.Errorf("leader secret-ids = %q", ids)
	}
	info := decode[map[string]map[string]any](t, mustExec(t, leader, "secret-info-get", "--label", "cp", "--format=json"))
	md := info[strings.TrimPrefix(appSecret, "secret:")]
	if md["revision"] != 1.0 || md["owner"] != "application" || md["label"] != "cp" {
		t.Errorf("secret-info-get = %v", info)
	}
	mustFail(t, leader, 2, "specify either a secret URI or label but not both", "secret-info-get", appSecret, "--label", "cp")
	mustExec(t, leader, "secret-grant", appSecret, "-r", db.ID)
	mustExec(t, leader, "secret-grant", appSecret, "-r", db.ID)
	mustExec(t, leader, "secret-grant", appSecret, "-r", db.ID, "--unit", "mysql/0")
	mustFail(t, leader, 2, `cannot specify unit "octavia/1" in relation to application "mysql"`, "secret-grant", appSecret, "-r", db.ID, "--unit", "octavia/1")
	mustFail(t, leader, 2, "no relation id specified", "secret-grant", appSecret)
	mustFail(t, leader, 1, "not found", "secret-grant", unitSecret, "-r", db.ID)
	leader.Close(true)
	if s := m.Secret(appSecret); len(s.Grants) != 1 || s.Grants[0].App != "mysql" {
		t.Errorf("grants = %+v", s.Grants)
	}

	other := m.Context("octavia/1", hook("config-changed"))
	if out := mustExec(t, other, "secret-ids", "--format=json"); out != `["`+strings.TrimPrefix(unitSecret, "secret:")+`"]`+"\n" {
		t.Errorf("non-leader secret-ids = %q", out)
	}
	mustFail(t, other, 1, "this unit is not the leader", "secret-grant", appSecret, "-r", peer.ID)
	mustExec(t, other, "secret-grant", unitSecret, "-r", peer.ID, "--unit", "octavia/2")
	mustExec(t, other, "secret-revoke", unitSecret, "--unit", "octavia/2")
	mustExec(t, other, "secret-set", unitSecret, "--label", "renamed")
	if out := mustExec(t, other, "secret-info-get", unitSecret, "--format=json"); !strings.Contains(out, `"label":"renamed"`) || !strings.Contains(out, `"owner":"unit"`) {
		t.Errorf("pending label in secret-info-get: %q", out)
	}
	other.Close(true)
	if s := m.Secret(unitSecret); s.Label != "renamed" || len(s.Grants) != 0 {
		t.Errorf("unit secret after commit: %+v", s)
	}

	// Removal.
	rm := m.Context("octavia/0", hook("secret-remove"))
	mustFail(t, rm, 1, "revision 5 not found", "secret-remove", appSecret, "--revision", "5")
	mustExec(t, rm, "secret-remove", appSecret)
	rm.Close(false)
	if m.Secret(appSecret) == nil {
		t.Errorf("secret-remove applied by a failed hook")
	}
	rm = m.Context("octavia/0", hook("secret-remove"))
	mustExec(t, rm, "secret-remove", appSecret)
	rm.Close(true)
	if m.Secret(appSecret) != nil {
		t.Errorf("secret not removed")
	}
}

func TestSecretAddThenSetInOneHook(t *testing.T) {
	m, _, _ := newTestModel(t)
	c := m.Context("octavia/0", hook("install"))
	uri := strings.TrimSpace(mustExec(t, c, "secret-add", "key=a"))
	mustExec(t, c, "secret-set", uri, "key=b", "--label", "x")
	c.Close(true)
	s := m.Secret(uri)
	if got, _ := s.Content(0); got["key"] != "b" || s.LatestRevision() != 1 || s.Label != "x" {
		t.Errorf("secret = %+v content %v", s, got)
	}
}
