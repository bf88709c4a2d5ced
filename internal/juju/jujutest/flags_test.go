package jujutest

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseFlags(t *testing.T) {
	defs := func() []flagDef {
		return []flagDef{
			{names: []string{"r", "relation"}, kind: stringFlag},
			{names: []string{"app"}, kind: boolFlag},
			{names: []string{"a", "all"}, kind: boolFlag},
			{names: []string{"format"}, kind: stringFlag},
			{names: []string{"n"}, kind: intFlag},
		}
	}
	tests := []struct {
		args   []string
		values map[string]string
		pos    []string
		err    string
	}{
		{[]string{"-r", "db:3", "--format", "json"}, map[string]string{"r": "db:3", "format": "json"}, nil, ""},
		{[]string{"-r=db:3", "--format=json"}, map[string]string{"r": "=db:3", "format": "json"}, nil, ""},
		{[]string{"-rdb:3"}, map[string]string{"r": "db:3"}, nil, ""},
		{[]string{"--relation=db:3", "--app"}, map[string]string{"r": "db:3", "app": "true"}, nil, ""},
		{[]string{"key", "--app", "-", "mysql/0"}, map[string]string{"app": "true"}, []string{"key", "-", "mysql/0"}, ""},
		{[]string{"--", "-r", "x"}, map[string]string{}, []string{"-r", "x"}, ""},
		{[]string{"-ar", "db:1"}, map[string]string{"a": "true", "r": "db:1"}, nil, ""},
		{[]string{"--app=false"}, map[string]string{"app": "false"}, nil, ""},
		{[]string{"-a=true"}, nil, nil, `invalid value "=true" for flag -a: parse error`},
		{[]string{"--bogus"}, nil, nil, "flag provided but not defined: --bogus"},
		{[]string{"-x"}, nil, nil, "flag provided but not defined: -x"},
		{[]string{"-r"}, nil, nil, "flag needs an argument: -r"},
		{[]string{"-n", "x"}, nil, nil, `invalid value "x" for flag -n: parse error`},
		{[]string{"--=x"}, nil, nil, `empty flag in argument "--=x"`},
	}
	for _, tt := range tests {
		p, pos, err := parseFlags(tt.args, defs())
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("%q: error %v, want %q", tt.args, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.args, err)
			continue
		}
		if !reflect.DeepEqual(p.values, tt.values) || !reflect.DeepEqual(pos, tt.pos) {
			t.Errorf("%q: got %v %q, want %v %q", tt.args, p.values, pos, tt.values, tt.pos)
		}
	}
	if _, _, err := parseFlags([]string{"--help"}, defs()); !errors.Is(err, errHelp) {
		t.Errorf("--help: %v", err)
	}
}

func TestRelationFlagLikeJuju(t *testing.T) {
	m, _, db := newTestModel(t)
	c := m.Context("octavia/0", hook("update-status"))
	n := strings.TrimPrefix(db.ID, "shared-db:")
	for _, args := range [][]string{
		{"-r", db.ID}, {"-r=" + db.ID}, {"-r" + db.ID}, {"--relation", db.ID}, {"--relation=" + db.ID},
		{"-r", n}, {"-r", "whatever:" + n},
	} {
		out := mustExec(t, c, "relation-list", append(args, "--format=json")...)
		if out != "[\"mysql/0\"]\n" {
			t.Errorf("%q: %q", args, out)
		}
	}
	// "-r=3" gives the value "=3", which is no relation id, as in Juju.
	mustFail(t, c, 2, `invalid value "=`+n+`" for flag -r: invalid relation id`, "relation-list", "-r="+n)
	mustFail(t, c, 2, `invalid value "db:99" for flag -r: unknown relation id`, "relation-list", "-r", "db:99")
	mustFail(t, c, 2, "no relation id specified", "relation-list")
	mustFail(t, c, 2, "flag provided but not defined: --bogus", "relation-list", "--bogus")
	mustFail(t, c, 2, `invalid value "xml" for flag --format: unknown format "xml"`, "relation-list", "-r", db.ID, "--format=xml")
	mustFail(t, c, 2, `unrecognized args: ["extra"]`, "relation-list", "-r", db.ID, "extra")
}

func TestUnknownTool(t *testing.T) {
	m, _, _ := newTestModel(t)
	c := m.Context("octavia/0", hook("install"))
	mustFail(t, c, 2, `unknown command: "frobnicate"`, "frobnicate")
	mustFail(t, c, 1, "credential-get is not emulated", "credential-get")
	if c.Calls()["frobnicate"] != 1 {
		t.Errorf("calls %v", c.Calls())
	}
}
