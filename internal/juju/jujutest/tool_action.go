package jujutest

import (
	"regexp"
	"strings"
)

// actionKeyPattern is Juju's rule for action result keys (one dotted
// segment).
var actionKeyPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$`)

// action returns the running action, or Juju's error outside actions.
func (inv *invocation) action() (*ActionState, error) {
	if inv.c.st.Action == nil {
		return nil, failf("not running an action")
	}
	return inv.c.st.Action, nil
}

func actionGetTool() toolSpec {
	return toolSpec{
		format: "smart",
		run: func(inv *invocation) error {
			var keys []string
			if len(inv.args) > 0 {
				if err := checkEmpty(inv.args[1:]); err != nil {
					return err
				}
				keys = strings.Split(inv.args[0], ".")
			}
			a, err := inv.action()
			if err != nil {
				return err
			}
			if len(keys) == 0 {
				if a.Params == nil {
					return inv.write(map[string]any{})
				}
				return inv.write(a.Params)
			}
			var v any = a.Params
			for _, k := range keys {
				m, ok := v.(map[string]any)
				if !ok {
					v = nil
					break
				}
				v = m[k]
			}
			return inv.write(v)
		},
	}
}

func actionSetTool() toolSpec {
	return toolSpec{
		run: func(inv *invocation) error {
			type result struct {
				keys  []string
				value string
			}
			var results []result
			for _, arg := range inv.args {
				k, v, ok := strings.Cut(arg, "=")
				if !ok {
					return usagef("argument %q must be of the form key...=value", arg)
				}
				keys := strings.Split(k, ".")
				for _, key := range keys {
					if !actionKeyPattern.MatchString(key) {
						return usagef("key %q must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric, hyphens and periods", key)
					}
					switch key {
					case "stdout", "stdout-encoding", "stderr", "stderr-encoding":
						return usagef("cannot set reserved action key \"%s\"", key)
					}
				}
				results = append(results, result{keys, v})
			}
			a, err := inv.action()
			if err != nil {
				return err
			}
			if a.Results == nil {
				a.Results = map[string]any{}
			}
			for _, r := range results {
				addValueToMap(r.keys, r.value, a.Results)
			}
			return nil
		},
	}
}

// addValueToMap sets a nested value, replacing a scalar in the way by a
// map, as Juju's action results do.
func addValueToMap(keys []string, value any, target map[string]any) {
	next := target
	for i, k := range keys {
		if i == len(keys)-1 {
			next[k] = value
			return
		}
		if m, ok := next[k].(map[string]any); ok {
			next = m
			continue
		}
		m := map[string]any{}
		next[k] = m
		next = m
	}
}

func actionLogTool() toolSpec {
	return toolSpec{
		run: func(inv *invocation) error {
			if len(inv.args) == 0 {
				return usagef("no message specified")
			}
			a, err := inv.action()
			if err != nil {
				return err
			}
			a.Logs = append(a.Logs, strings.Join(inv.args, " "))
			return nil
		},
	}
}

func actionFailTool() toolSpec {
	return toolSpec{
		run: func(inv *invocation) error {
			msg := "action failed without reason given, check action for errors"
			if len(inv.args) > 0 {
				msg = inv.args[0]
				if err := checkEmpty(inv.args[1:]); err != nil {
					return err
				}
			}
			a, err := inv.action()
			if err != nil {
				return err
			}
			a.Message, a.Failed = msg, true
			return nil
		},
	}
}
