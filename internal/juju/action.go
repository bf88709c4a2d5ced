package juju

import (
	"context"
	"sort"
)

// ActionGet reads the running action's parameters into v.
func (t *Tools) ActionGet(ctx context.Context, v any) error {
	return t.runJSON(ctx, "action-get", "action-get", []string{"--format=json"}, v)
}

// ActionSet adds results to the running action; dotted keys ("a.b") nest.
// Repeated calls merge. Juju's action-set takes key=value arguments only,
// so never put secret material in action results. Setting nothing makes no
// call.
func (t *Tools) ActionSet(ctx context.Context, results map[string]string) error {
	if len(results) == 0 {
		return nil
	}
	keys := make([]string, 0, len(results))
	for k := range results {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	args := []string{"--"}
	for _, k := range keys {
		args = append(args, k+"="+results[k])
	}
	_, err := t.run(ctx, "action-set", "action-set", args, nil)
	return err
}

// ActionLog records a progress message for the running action.
func (t *Tools) ActionLog(ctx context.Context, msg string) error {
	_, err := t.run(ctx, "action-log", "action-log", []string{"--", msg}, nil)
	return err
}

// ActionFail marks the running action failed with msg.
func (t *Tools) ActionFail(ctx context.Context, msg string) error {
	_, err := t.run(ctx, "action-fail", "action-fail", []string{"--", msg}, nil)
	return err
}
