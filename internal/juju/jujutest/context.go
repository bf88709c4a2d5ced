package jujutest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"strconv"
	"strings"

	"charm-octavia/internal/juju"
)

// HookEnv says what a context runs: a hook or an action, and the event's
// relation or secret.
type HookEnv struct {
	// Hook is the hook name ("config-changed", "db-relation-joined").
	Hook string `json:"hook,omitempty"`
	// Action is the action name ("pause"); set Hook or Action, not both.
	Action string `json:"action,omitempty"`
	// ActionParams are the action's parameters (action-get).
	ActionParams map[string]any `json:"action-params,omitempty"`
	// RelationID is the relation of a relation hook ("db:3").
	RelationID string `json:"relation-id,omitempty"`
	// RemoteUnit is JUJU_REMOTE_UNIT (empty in -created and -broken).
	RemoteUnit string `json:"remote-unit,omitempty"`
	// RemoteApp is JUJU_REMOTE_APP; it defaults to the relation's.
	RemoteApp string `json:"remote-app,omitempty"`
	// DepartingUnit is JUJU_DEPARTING_UNIT (-departed hooks).
	DepartingUnit string `json:"departing-unit,omitempty"`
	// SecretID, SecretLabel and SecretRevision describe a secret hook.
	SecretID       string `json:"secret-id,omitempty"`       // "secret:..."
	SecretLabel    string `json:"secret-label,omitempty"`    // the unit's label for it
	SecretRevision int    `json:"secret-revision,omitempty"` // secret-expired, secret-remove
}

// ContextState is an open context as the model keeps it: who runs what,
// the calls made so far, the writes Juju defers until the hook ends, and
// the action's progress.
type ContextState struct {
	ID      string         `json:"id"`               // JUJU_CONTEXT_ID
	Unit    string         `json:"unit"`             // the unit running it
	Env     HookEnv        `json:"env"`              // the hook or action
	Calls   map[string]int `json:"calls,omitempty"`  // tool calls so far, by tool
	Pending Pending        `json:"pending"`          // deferred writes
	Action  *ActionState   `json:"action,omitempty"` // nil in a hook
}

// ActionState is a running or finished action.
type ActionState struct {
	Name    string         `json:"name"`              // e.g. "pause"
	UUID    string         `json:"uuid"`              // JUJU_ACTION_UUID
	Params  map[string]any `json:"params,omitempty"`  // action-get
	Results map[string]any `json:"results,omitempty"` // action-set, nested by dotted keys
	Failed  bool           `json:"failed,omitempty"`  // action-fail, or a failed run
	Message string         `json:"message,omitempty"` // the failure message
	Logs    []string       `json:"logs,omitempty"`    // action-log messages
}

// HookRecord is a closed context.
type HookRecord struct {
	ContextID string         `json:"context-id"`       // JUJU_CONTEXT_ID
	Unit      string         `json:"unit"`             // the unit it ran on
	Hook      string         `json:"hook,omitempty"`   // the hook, or "" for an action
	Action    *ActionState   `json:"action,omitempty"` // the action's outcome
	Success   bool           `json:"success"`          // Close(true)
	Calls     map[string]int `json:"calls,omitempty"`  // tool calls, by tool
}

// Context is one hook or action running on one unit of a Model. Its Run
// method implements juju.Runner.
type Context struct {
	m  *Model
	st *ContextState
}

var _ juju.Runner = (*Context)(nil)

// OpenContext starts a hook or action on unit.
func (m *Model) OpenContext(unit string, env HookEnv) (*Context, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Units[unit] == nil {
		return nil, fmt.Errorf("open context: no unit %q", unit)
	}
	if (env.Hook == "") == (env.Action == "") {
		return nil, fmt.Errorf("open context on %s: set exactly one of Hook and Action", unit)
	}
	env.ActionParams = maps.Clone(env.ActionParams)
	ev := juju.Event{Kind: juju.HookEvent, Name: env.Hook}
	if endpoint, kind, ok := ev.RelationEndpoint(); ok {
		r := m.Relations[env.RelationID]
		if r == nil {
			return nil, fmt.Errorf("open context %s on %s: relation %q not found", env.Hook, unit, env.RelationID)
		}
		if r.Endpoint != endpoint {
			return nil, fmt.Errorf("open context %s on %s: relation %s is on endpoint %q", env.Hook, unit, r.ID, r.Endpoint)
		}
		if r.Broken && kind != "broken" {
			return nil, fmt.Errorf("open context %s on %s: relation %s is broken", env.Hook, unit, r.ID)
		}
		if env.RemoteApp == "" {
			env.RemoteApp = r.RemoteApp
		}
	} else if env.RelationID != "" {
		return nil, fmt.Errorf("open context %s on %s: a relation id needs a relation hook", env.Hook+env.Action, unit)
	}
	id := fmt.Sprintf("%s-%s-%d", unit, env.Hook+env.Action, m.nextSeq())
	st := &ContextState{ID: id, Unit: unit, Env: env, Calls: map[string]int{}}
	if env.Action != "" {
		st.Action = &ActionState{
			Name:    env.Action,
			UUID:    uuidFrom(fmt.Sprintf("%s/action/%d", m.UUID, m.Seq)),
			Params:  env.ActionParams,
			Results: map[string]any{},
		}
	}
	m.Contexts[id] = st
	return &Context{m: m, st: st}, nil
}

// Context is OpenContext for tests: it panics when the context cannot be
// opened (an unknown unit or relation, or neither hook nor action).
func (m *Model) Context(unit string, env HookEnv) *Context {
	c, err := m.OpenContext(unit, env)
	if err != nil {
		panic("jujutest: " + err.Error())
	}
	return c
}

// ResumeContext returns the open context id (the emulator reopens one per
// tool call).
func (m *Model) ResumeContext(id string) (*Context, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st := m.Contexts[id]
	if st == nil {
		return nil, fmt.Errorf("resume context: no open context %q", id)
	}
	return &Context{m: m, st: st}, nil
}

// ID is the context id (JUJU_CONTEXT_ID).
func (c *Context) ID() string { return c.st.ID }

// Unit is the unit the context runs on.
func (c *Context) Unit() string { return c.st.Unit }

// Calls returns how many times each tool was called in this context.
func (c *Context) Calls() map[string]int {
	c.m.mu.Lock()
	defer c.m.mu.Unlock()
	return maps.Clone(c.st.Calls)
}

// Pending returns the context's deferred writes (a copy is not made: read
// only).
func (c *Context) Pending() *Pending { return &c.st.Pending }

// Action returns the action's state (nil in a hook).
func (c *Context) Action() *ActionState { return c.st.Action }

// Run runs one hook tool as Juju would in this context. A failure returns a
// *juju.ToolError with Juju's exit status and "ERROR ..." message.
func (c *Context) Run(ctx context.Context, tool string, args []string, stdin []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, &juju.ToolError{Tool: tool, Args: append([]string(nil), args...), ExitCode: -1, Err: err}
	}
	var in io.Reader
	if stdin != nil {
		in = bytes.NewReader(stdin)
	}
	res := c.Exec(tool, args, in)
	if res.Code != 0 {
		return res.Stdout, &juju.ToolError{
			Tool:     tool,
			Args:     append([]string(nil), args...),
			ExitCode: res.Code,
			Stderr:   strings.TrimSpace(string(res.Stderr)),
		}
	}
	return res.Stdout, nil
}

// Result is a tool run's outcome, as a process would report it.
type Result struct {
	Stdout []byte // what the tool printed
	Stderr []byte // "ERROR ..." on failure, and warnings
	Code   int    // exit status: 0, 1 (failure) or 2 (bad invocation)
}

// Exec runs one hook tool and returns what a process would print and its
// exit status. stdin is read only by tools given "--file -".
func (c *Context) Exec(tool string, args []string, stdin io.Reader) Result {
	c.m.mu.Lock()
	defer c.m.mu.Unlock()
	c.st.Calls[tool]++
	var stdout, stderr bytes.Buffer
	if c.m.Contexts[c.st.ID] != c.st || c.m.Units[c.st.Unit] == nil {
		return Result{Stderr: []byte("ERROR bad request: unknown context id " + strconv.Quote(c.st.ID) + "\n"), Code: 1}
	}
	err := c.dispatch(tool, args, stdin, &stdout, &stderr)
	if err == errHelp {
		return Result{Stdout: []byte("Usage: " + tool + " [flags]\n"), Code: 0}
	}
	if err != nil {
		fmt.Fprintf(&stderr, "ERROR %s\n", err)
		return Result{Stdout: stdout.Bytes(), Stderr: stderr.Bytes(), Code: exitCode(err)}
	}
	return Result{Stdout: stdout.Bytes(), Stderr: stderr.Bytes()}
}

// Close ends the context: success commits the deferred writes, failure
// drops them (a failed action is marked failed). Closing twice does
// nothing.
func (c *Context) Close(success bool) {
	c.m.mu.Lock()
	defer c.m.mu.Unlock()
	if c.m.Contexts[c.st.ID] != c.st {
		return
	}
	delete(c.m.Contexts, c.st.ID)
	if success {
		c.commit()
	} else if a := c.st.Action; a != nil && !a.Failed {
		a.Failed = true
		if a.Message == "" {
			a.Message = "exit status 1"
		}
	}
	c.m.History = append(c.m.History, HookRecord{
		ContextID: c.st.ID,
		Unit:      c.st.Unit,
		Hook:      c.st.Env.Hook,
		Action:    c.st.Action,
		Success:   success,
		Calls:     maps.Clone(c.st.Calls),
	})
	c.m.History = keepLast(c.m.History, maxHistory)
}

// The model keeps the latest records only, so that a long functional run
// does not make every emulated tool call slower.
const (
	maxHistory  = 256
	maxLogLines = 4096
)

// keepLast drops the oldest entries beyond n.
func keepLast[T any](s []T, n int) []T {
	if len(s) <= n {
		return s
	}
	return append(s[:0:0], s[len(s)-n:]...)
}

// Env returns the JUJU_* variables Juju would set for this context.
func (c *Context) Env() map[string]string {
	m, st := c.m, c.st
	u := m.Units[st.Unit]
	env := map[string]string{
		"JUJU_CONTEXT_ID":        st.ID,
		"JUJU_UNIT_NAME":         st.Unit,
		"JUJU_MODEL_NAME":        m.Name,
		"JUJU_MODEL_UUID":        m.UUID,
		"JUJU_VERSION":           m.JujuVersion,
		"JUJU_CHARM_DIR":         m.CharmDir,
		"CHARM_DIR":              m.CharmDir,
		"JUJU_HOOK_NAME":         st.Env.Hook,
		"JUJU_PRINCIPAL_UNIT":    "",
		"JUJU_API_ADDRESSES":     "",
		"JUJU_CHARM_HTTP_PROXY":  "",
		"JUJU_CHARM_HTTPS_PROXY": "",
		"JUJU_CHARM_FTP_PROXY":   "",
		"JUJU_CHARM_NO_PROXY":    "",
	}
	if u != nil {
		env["JUJU_MACHINE_ID"] = u.MachineID
		env["JUJU_AVAILABILITY_ZONE"] = u.AvailabilityZone
	}
	if st.Env.Hook != "" {
		env["JUJU_DISPATCH_PATH"] = "hooks/" + st.Env.Hook
	} else {
		env["JUJU_DISPATCH_PATH"] = "actions/" + st.Env.Action
		env["JUJU_ACTION_NAME"] = st.Env.Action
		env["JUJU_ACTION_UUID"] = st.Action.UUID
		env["JUJU_ACTION_TAG"] = "action-" + st.Action.UUID
	}
	if r := m.Relations[st.Env.RelationID]; r != nil {
		env["JUJU_RELATION"] = r.Endpoint
		env["JUJU_RELATION_ID"] = r.ID
		env["JUJU_REMOTE_UNIT"] = st.Env.RemoteUnit
		env["JUJU_REMOTE_APP"] = st.Env.RemoteApp
		if st.Env.DepartingUnit != "" {
			env["JUJU_DEPARTING_UNIT"] = st.Env.DepartingUnit
		}
	}
	if st.Env.SecretID != "" {
		env["JUJU_SECRET_ID"] = st.Env.SecretID
		env["JUJU_SECRET_LABEL"] = st.Env.SecretLabel
		if st.Env.SecretRevision > 0 {
			env["JUJU_SECRET_REVISION"] = strconv.Itoa(st.Env.SecretRevision)
		}
	}
	return env
}

// leader reports whether the context's unit leads now.
func (c *Context) leader() bool { return c.m.Leader == c.st.Unit }

// hookRelation is the relation of a relation hook, or nil.
func (c *Context) hookRelation() *Relation { return c.m.Relations[c.st.Env.RelationID] }

// relationByNumber finds a relation the context can address: a live one,
// or the hook's own relation even when broken.
func (c *Context) relationByNumber(n int) *Relation {
	for _, r := range c.m.Relations {
		if r.number() == n && (!r.Broken || r.ID == c.st.Env.RelationID) {
			return r
		}
	}
	return nil
}
