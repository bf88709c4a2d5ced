package juju

import "context"

// Log writes msg to the unit's Juju log at level (DEBUG, INFO, WARNING,
// ERROR; INFO when empty).
func (t *Tools) Log(ctx context.Context, level, msg string) error {
	var args []string
	if level != "" {
		args = append(args, "--log-level", level)
	}
	args = append(args, "--", msg)
	_, err := t.run(ctx, "juju-log", "juju-log", args, nil)
	return err
}
