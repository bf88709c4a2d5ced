package jujutest

import (
	"testing"
)

func TestConfigGet(t *testing.T) {
	m, _, _ := newTestModel(t)
	if err := m.SetConfig("workers", "8"); err != nil {
		t.Fatal(err)
	}
	c := m.Context("octavia/1", hook("config-changed"))
	all := decode[map[string]any](t, mustExec(t, c, "config-get", "--all", "--format=json"))
	want := map[string]any{"debug": false, "workers": 8.0, "ratio": 1.0, "region": "RegionOne", "lb-mgmt-issuing-cacert": nil, "tls-key": nil}
	if len(all) != len(want) {
		t.Fatalf("config-get --all = %v", all)
	}
	for k, v := range want {
		if got, ok := all[k]; !ok || got != v {
			t.Errorf("%s = %#v (present %v), want %#v", k, got, ok, v)
		}
	}
	some := decode[map[string]any](t, mustExec(t, c, "config-get", "--format", "json"))
	if _, ok := some["lb-mgmt-issuing-cacert"]; ok || len(some) != 4 {
		t.Errorf("config-get without --all = %v", some)
	}
	if out := mustExec(t, c, "config-get", "region"); out != "RegionOne\n" {
		t.Errorf("smart key = %q", out)
	}
	if out := mustExec(t, c, "config-get", "debug"); out != "False\n" {
		t.Errorf("smart bool = %q", out)
	}
	if out := mustExec(t, c, "config-get", "workers", "--format=json"); out != "8\n" {
		t.Errorf("json key = %q", out)
	}
	if out := mustExec(t, c, "config-get", "lb-mgmt-issuing-cacert", "--format=json"); out != "null\n" {
		t.Errorf("unset key = %q", out)
	}
	mustFail(t, c, 2, `cannot use argument --all together with key "region"`, "config-get", "-a", "region")
	mustFail(t, c, 1, "not emulated", "config-get", "--format=yaml")
}

func TestSetConfigChecksTypes(t *testing.T) {
	m, _, _ := newTestModel(t)
	for _, tt := range []struct {
		name string
		v    any
		ok   bool
	}{
		{"workers", 3, true}, {"workers", "x", false}, {"workers", 1.5, false},
		{"ratio", "0.5", true}, {"debug", "true", true}, {"debug", 1, false},
		{"region", 5, false}, {"nope", "x", false}, {"region", nil, true},
	} {
		if err := m.SetConfig(tt.name, tt.v); (err == nil) != tt.ok {
			t.Errorf("SetConfig(%q, %#v) = %v", tt.name, tt.v, err)
		}
	}
}
