package jujutest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// toolSpec describes one hook tool: its flags, its default output format
// ("" when it has no --format), and what it does.
type toolSpec struct {
	format  string
	formats []string
	flags   func(c *Context) []flagDef
	run     func(inv *invocation) error
}

// invocation is one call of a tool.
type invocation struct {
	c      *Context
	tool   string
	spec   toolSpec
	flags  parsedFlags
	args   []string
	stdin  io.Reader
	stdout *bytes.Buffer
	stderr *bytes.Buffer
}

// notEmulated reports the real hook tools this emulator does not
// implement.
func notEmulated(name string) bool {
	switch name {
	case "credential-get", "goal-state", "juju-reboot", "storage-get", "storage-list",
		"storage-add", "payload-register", "payload-unregister", "payload-status-set",
		"relation-model-get", "add-metric", "pod-spec-get", "pod-spec-set",
		"k8s-spec-get", "k8s-spec-set", "k8s-raw-get", "k8s-raw-set":
		return true
	}
	return false
}

// dispatch parses args for tool and runs it. The caller holds the lock.
func (c *Context) dispatch(tool string, args []string, stdin io.Reader, stdout, stderr *bytes.Buffer) error {
	spec, ok := lookupTool(tool)
	if !ok {
		if notEmulated(tool) {
			return failf("jujuc-emulator: %s is not emulated", tool)
		}
		return usagef("unknown command: %q", tool)
	}
	var defs []flagDef
	if spec.flags != nil {
		defs = spec.flags(c)
	}
	if spec.format != "" {
		formats := spec.formats
		if formats == nil {
			formats = defaultFormats()
		}
		defs = append(defs, outputFlags(formats...)...)
	}
	flags, positional, err := parseFlags(args, defs)
	if err == errHelp {
		return errHelp
	}
	if err != nil {
		return usagef("%v", err)
	}
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	inv := &invocation{c: c, tool: tool, spec: spec, flags: flags, args: positional, stdin: stdin, stdout: stdout, stderr: stderr}
	return spec.run(inv)
}

// lookupTool returns the spec of an emulated tool.
func lookupTool(name string) (toolSpec, bool) {
	switch name {
	case "config-get":
		return configGetTool(), true
	case "relation-ids":
		return relationIDsTool(), true
	case "relation-list":
		return relationListTool(), true
	case "relation-get":
		return relationGetTool(), true
	case "relation-set":
		return relationSetTool(), true
	case "is-leader":
		return isLeaderTool(), true
	case "leader-get":
		return leaderGetTool(), true
	case "leader-set":
		return leaderSetTool(), true
	case "status-get":
		return statusGetTool(), true
	case "status-set":
		return statusSetTool(), true
	case "application-version-set":
		return appVersionSetTool(), true
	case "open-port":
		return portTool(true), true
	case "close-port":
		return portTool(false), true
	case "opened-ports":
		return openedPortsTool(), true
	case "network-get":
		return networkGetTool(), true
	case "unit-get":
		return unitGetTool(), true
	case "juju-log":
		return jujuLogTool(), true
	case "action-get":
		return actionGetTool(), true
	case "action-set":
		return actionSetTool(), true
	case "action-log":
		return actionLogTool(), true
	case "action-fail":
		return actionFailTool(), true
	case "state-get":
		return stateGetTool(), true
	case "state-set":
		return stateSetTool(), true
	case "state-delete":
		return stateDeleteTool(), true
	case "resource-get":
		return resourceGetTool(), true
	case "secret-add":
		return secretAddTool(), true
	case "secret-set":
		return secretSetTool(), true
	case "secret-get":
		return secretGetTool(), true
	case "secret-info-get":
		return secretInfoGetTool(), true
	case "secret-ids":
		return secretIDsTool(), true
	case "secret-grant":
		return secretGrantTool(), true
	case "secret-revoke":
		return secretRevokeTool(), true
	case "secret-remove":
		return secretRemoveTool(), true
	}
	return toolSpec{}, false
}

// checkEmpty is Juju's cmd.CheckEmpty: no arguments may be left.
func checkEmpty(args []string) error {
	if len(args) == 0 {
		return nil
	}
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = strconv.Quote(a)
	}
	return usagef("unrecognized args: [%s]", strings.Join(q, " "))
}

// relationFlag is -r/--relation: a relation id, checked against the
// context as Juju does ("db:3", or anything ending in ":3", or "3").
func relationFlag(c *Context) flagDef {
	return flagDef{names: []string{"r", "relation"}, kind: stringFlag, set: func(v string) (string, error) {
		n, err := strconv.Atoi(v[strings.LastIndex(v, ":")+1:])
		if err != nil {
			return "", fmt.Errorf("invalid relation id")
		}
		r := c.relationByNumber(n)
		if r == nil {
			return "", fmt.Errorf("unknown relation id")
		}
		return r.ID, nil
	}}
}

// relation is the -r relation, else the hook's; nil when neither.
func (inv *invocation) relation() *Relation {
	if id := inv.flags.str("r"); id != "" {
		return inv.c.m.Relations[id]
	}
	return inv.c.hookRelation()
}

// parseKeyValues is Juju's keyvalues.Parse with empty values allowed:
// "k=v" arguments, trimmed, no duplicates.
func parseKeyValues(args []string) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range args {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, usagef("expected \"key=value\", got %q", kv)
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if k == "" {
			return nil, usagef("expected \"key=value\", got \"%s=%s\"", k, v)
		}
		if _, dup := out[k]; dup {
			return nil, usagef("key %q specified more than once", k)
		}
		out[k] = v
	}
	return out, nil
}

// readSettingsFile reads a --file argument ("-" for stdin) holding a map of
// strings. Juju reads YAML; the emulator reads JSON (a YAML subset), which
// is what the charm sends. Numbers and booleans become their text, null an
// empty (deleting) value, as YAML decoding into strings would.
func (inv *invocation) readSettingsFile(path string) (map[string]string, error) {
	var b []byte
	var err error
	if path == "-" {
		b, err = io.ReadAll(inv.stdin)
	} else {
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, failf("%v", err)
	}
	out := map[string]string{}
	if len(bytes.TrimSpace(b)) == 0 {
		return out, nil
	}
	var raw map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return nil, failf("jujuc-emulator: %s must be a JSON object of strings: %v", path, err)
	}
	for k, v := range raw {
		switch x := v.(type) {
		case string:
			out[k] = x
		case json.Number:
			out[k] = x.String()
		case bool:
			out[k] = strconv.FormatBool(x)
		case nil:
			out[k] = ""
		default:
			return nil, failf("cannot unmarshal %T into string for key %q", v, k)
		}
	}
	return out, nil
}
