package juju

import "strings"

// EventKind tells a hook from an action.
type EventKind int

const (
	// HookEvent is a hook such as "install" or "db-relation-changed".
	HookEvent EventKind = iota + 1
	// ActionEvent is an action run by an operator, such as "pause".
	ActionEvent
)

// String returns "hook", "action" or "none".
func (k EventKind) String() string {
	switch k {
	case HookEvent:
		return "hook"
	case ActionEvent:
		return "action"
	default:
		return "none"
	}
}

// Event is the hook or action being run.
type Event struct {
	Kind EventKind // hook or action
	Name string    // "config-changed", "pause"
}

// RelationEndpoint splits a relation hook name "<endpoint>-relation-<kind>"
// into its endpoint and kind ("created", "joined", "changed", "departed" or
// "broken"). ok is false for anything else, including actions.
func (e Event) RelationEndpoint() (endpoint, kind string, ok bool) {
	if e.Kind != HookEvent {
		return "", "", false
	}
	i := strings.LastIndex(e.Name, "-relation-")
	if i <= 0 {
		return "", "", false
	}
	endpoint, kind = e.Name[:i], e.Name[i+len("-relation-"):]
	switch kind {
	case "created", "joined", "changed", "departed", "broken":
		return endpoint, kind, true
	}
	return "", "", false
}

// IsRelation reports whether the event is a relation hook.
func (e Event) IsRelation() bool {
	_, _, ok := e.RelationEndpoint()
	return ok
}

// IsAction reports whether the event is an action.
func (e Event) IsAction() bool { return e.Kind == ActionEvent }

// String returns "hook config-changed" or "action pause".
func (e Event) String() string {
	return e.Kind.String() + " " + e.Name
}
