package juju

import "context"

// ConfigGet reads every config option (config-get --all --format=json) into
// v, typically a struct with json tags or a map[string]any. Options without
// a value or a default come back as JSON null.
func (t *Tools) ConfigGet(ctx context.Context, v any) error {
	return t.runJSON(ctx, "config-get", "config-get", []string{"--all", "--format=json"}, v)
}
