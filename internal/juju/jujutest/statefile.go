package jujutest

import (
	"fmt"
	"io"
	"maps"
)

// StateEnvVar names the state file for cmd/jujuc-emulator.
const StateEnvVar = "JUJU_EMULATOR_STATE"

// UpdateState loads the model saved at statePath, runs fn on it and saves
// it, all under an exclusive lock (statePath + ".lock") shared with the
// emulator. fn's error aborts without saving.
func UpdateState(statePath string, fn func(*Model) error) error {
	unlock, err := lockFile(statePath + ".lock")
	if err != nil {
		return err
	}
	defer unlock()
	m, err := Load(statePath)
	if err != nil {
		return err
	}
	if err := fn(m); err != nil {
		return err
	}
	return m.Save(statePath)
}

// ReadState loads the model saved at statePath under the lock.
func ReadState(statePath string) (*Model, error) {
	unlock, err := lockFile(statePath + ".lock")
	if err != nil {
		return nil, err
	}
	defer unlock()
	return Load(statePath)
}

// WriteState saves m as the state at statePath under the lock.
func WriteState(statePath string, m *Model) error {
	unlock, err := lockFile(statePath + ".lock")
	if err != nil {
		return err
	}
	defer unlock()
	return m.Save(statePath)
}

// BeginContext opens a hook or action context on unit in the state file
// and returns its id, for JUJU_CONTEXT_ID.
func BeginContext(statePath, unit string, env HookEnv) (string, error) {
	var id string
	err := UpdateState(statePath, func(m *Model) error {
		c, err := m.OpenContext(unit, env)
		if err != nil {
			return err
		}
		id = c.ID()
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("begin context: %w", err)
	}
	return id, nil
}

// EndContext closes context ctxID in the state file: success commits its
// deferred writes, failure drops them.
func EndContext(statePath, ctxID string, success bool) error {
	err := UpdateState(statePath, func(m *Model) error {
		c, err := m.ResumeContext(ctxID)
		if err != nil {
			return err
		}
		c.Close(success)
		return nil
	})
	if err != nil {
		return fmt.Errorf("end context: %w", err)
	}
	return nil
}

// ContextEnv returns the environment Juju would give the hook of context
// ctxID, plus JUJU_EMULATOR_STATE. The caller adds PATH (the emulator's
// symlinks first) and the rest of the process environment.
func ContextEnv(statePath, ctxID string) (map[string]string, error) {
	m, err := ReadState(statePath)
	if err != nil {
		return nil, fmt.Errorf("context env: %w", err)
	}
	c, err := m.ResumeContext(ctxID)
	if err != nil {
		return nil, fmt.Errorf("context env: %w", err)
	}
	env := c.Env()
	env[StateEnvVar] = statePath
	return env, nil
}

// ContextCalls returns the per-tool call counts of context ctxID, open or
// closed.
func ContextCalls(statePath, ctxID string) (map[string]int, error) {
	m, err := ReadState(statePath)
	if err != nil {
		return nil, fmt.Errorf("context calls: %w", err)
	}
	if st := m.Contexts[ctxID]; st != nil {
		return maps.Clone(st.Calls), nil
	}
	for i := len(m.History) - 1; i >= 0; i-- {
		if m.History[i].ContextID == ctxID {
			return maps.Clone(m.History[i].Calls), nil
		}
	}
	return nil, fmt.Errorf("context calls: no context %q", ctxID)
}

// RunTool runs one hook tool in context ctxID of the state file, as the
// emulator binary does for each call: under the lock, load, run, save. A
// context that is not open, or that runs on another unit than unit (when
// unit is not empty), gets Juju's answer to an unknown context. The error
// is for failures of the state file itself.
func RunTool(statePath, ctxID, unit, tool string, args []string, stdin io.Reader) (Result, error) {
	var res Result
	err := UpdateState(statePath, func(m *Model) error {
		c, err := m.ResumeContext(ctxID)
		if err != nil || (unit != "" && c.Unit() != unit) {
			res = Result{Stderr: []byte(fmt.Sprintf("ERROR bad request: unknown context id %q\n", ctxID)), Code: 1}
			return nil
		}
		res = c.Exec(tool, args, stdin)
		return nil
	})
	if err != nil {
		return Result{}, fmt.Errorf("run %s: %w", tool, err)
	}
	return res, nil
}
