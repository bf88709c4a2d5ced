package juju

import "context"

// StateGet reads this unit's server-side charm state.
func (t *Tools) StateGet(ctx context.Context) (map[string]string, error) {
	out, err := t.run(ctx, "state-get", "state-get", []string{"--format=json"}, nil)
	if err != nil {
		return nil, err
	}
	return decodeStringMap("state-get", out)
}

// StateSet writes keys of this unit's charm state. The values travel as JSON
// on stdin (--file -), never on argv. Writing nothing makes no call.
// Juju applies it when the hook succeeds.
func (t *Tools) StateSet(ctx context.Context, data map[string]string) error {
	if len(data) == 0 {
		return nil
	}
	stdin, err := jsonStdin("state-set", data)
	if err != nil {
		return err
	}
	_, err = t.run(ctx, "state-set", "state-set", []string{"--file", "-"}, stdin)
	return err
}

// StateDelete deletes one key of this unit's charm state. Juju applies it
// when the hook succeeds.
func (t *Tools) StateDelete(ctx context.Context, key string) error {
	_, err := t.run(ctx, "state-delete "+key, "state-delete", []string{"--", key}, nil)
	return err
}
