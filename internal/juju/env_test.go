package juju

import "testing"

func TestEvent(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want Event
	}{
		{map[string]string{"JUJU_DISPATCH_PATH": "hooks/config-changed", "JUJU_HOOK_NAME": "config-changed"}, Event{HookEvent, "config-changed"}},
		{map[string]string{"JUJU_DISPATCH_PATH": "actions/pause", "JUJU_ACTION_NAME": "pause"}, Event{ActionEvent, "pause"}},
		{map[string]string{"JUJU_DISPATCH_PATH": "./hooks/install"}, Event{HookEvent, "install"}},
		{map[string]string{"JUJU_HOOK_NAME": "start"}, Event{HookEvent, "start"}},
		{map[string]string{"JUJU_ACTION_NAME": "resume"}, Event{ActionEvent, "resume"}},
		{map[string]string{}, Event{}},
	}
	for _, tt := range tests {
		e := ReadEnv(func(k string) string { return tt.env[k] })
		if got := e.Event(); got != tt.want {
			t.Errorf("Event(%v) = %+v, want %+v", tt.env, got, tt.want)
		}
	}
}

func TestReadEnv(t *testing.T) {
	vars := map[string]string{
		"CHARM_DIR":           "/legacy",
		"JUJU_UNIT_NAME":      "octavia/2",
		"JUJU_RELATION":       "shared-db",
		"JUJU_RELATION_ID":    "shared-db:3",
		"JUJU_REMOTE_UNIT":    "mysql/0",
		"JUJU_REMOTE_APP":     "mysql",
		"JUJU_DEPARTING_UNIT": "mysql/1",
		"JUJU_SECRET_ID":      "secret:x",
		"JUJU_CONTEXT_ID":     "octavia/2-x-1",
		"JUJU_CHARM_NO_PROXY": "10.0.0.0/8",
	}
	e := ReadEnv(func(k string) string { return vars[k] })
	if e.CharmDir != "/legacy" || e.AppName() != "octavia" || e.RelationID != "shared-db:3" || e.RemoteUnit != "mysql/0" ||
		e.DepartingUnit != "mysql/1" || e.SecretID != "secret:x" || e.ContextID != "octavia/2-x-1" || e.NoProxy != "10.0.0.0/8" {
		t.Errorf("ReadEnv = %+v", e)
	}
}

func TestRelationEndpoint(t *testing.T) {
	tests := []struct {
		ev       Event
		endpoint string
		kind     string
		ok       bool
	}{
		{Event{HookEvent, "shared-db-relation-changed"}, "shared-db", "changed", true},
		{Event{HookEvent, "cluster-relation-departed"}, "cluster", "departed", true},
		{Event{HookEvent, "a-relation-b-relation-joined"}, "a-relation-b", "joined", true},
		{Event{HookEvent, "config-changed"}, "", "", false},
		{Event{HookEvent, "db-relation-weird"}, "", "", false},
		{Event{ActionEvent, "db-relation-changed"}, "", "", false},
	}
	for _, tt := range tests {
		ep, kind, ok := tt.ev.RelationEndpoint()
		if ep != tt.endpoint || kind != tt.kind || ok != tt.ok || tt.ev.IsRelation() != tt.ok {
			t.Errorf("%v: got %q %q %v", tt.ev, ep, kind, ok)
		}
	}
}
