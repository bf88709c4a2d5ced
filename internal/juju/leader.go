package juju

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// IsLeader reports whether this unit is the application's leader (for at
// least the next 30 seconds).
func (t *Tools) IsLeader(ctx context.Context) (bool, error) {
	var leader bool
	if err := t.runJSON(ctx, "is-leader", "is-leader", []string{"--format=json"}, &leader); err != nil {
		return false, err
	}
	return leader, nil
}

// LeaderGet reads the application's leader settings.
func (t *Tools) LeaderGet(ctx context.Context) (map[string]string, error) {
	out, err := t.run(ctx, "leader-get", "leader-get", []string{"--format=json"}, nil)
	if err != nil {
		return nil, err
	}
	return decodeStringMap("leader-get", out)
}

// LeaderSet writes leader settings (the leader only); an empty value
// deletes its key. Juju applies it at once, even if the hook later fails.
// Writing nothing makes no call.
//
// Juju's leader-set has no --file option: it takes key=value arguments only
// (checked in juju/juju internal/worker/uniter/runner/jujuc/leader-set.go),
// so the values are visible on argv. Never put secret material in leader
// settings: share it as a Juju secret and put the secret's ID here.
func (t *Tools) LeaderSet(ctx context.Context, data map[string]string) error {
	if len(data) == 0 {
		return nil
	}
	keys := make([]string, 0, len(data))
	for k := range data {
		if k == "" || strings.ContainsAny(k, "= \t\n") {
			return fmt.Errorf("leader-set: invalid key %q", k)
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	args := make([]string, 0, len(keys)+1)
	args = append(args, "--")
	for _, k := range keys {
		args = append(args, k+"="+data[k])
	}
	_, err := t.run(ctx, "leader-set", "leader-set", args, nil)
	return err
}
