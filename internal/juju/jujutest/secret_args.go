package jujutest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"
)

// secretKeyPattern is Juju's rule for secret content keys
// (core/secrets/createsecret.go).
var secretKeyPattern = regexp.MustCompile(`^([a-z](?:-?[a-z0-9]){2,})$`)

// secretIDPattern is an xid: 20 characters of base32hex, lowercase.
var secretIDPattern = regexp.MustCompile(`^[0-9a-v]{20}$`)

// Juju's limits on secret content (core/secrets/createsecret.go).
const (
	maxSecretValueSize   = 1000 * 1000
	maxSecretContentSize = 1000 * 1000
)

// parseSecretURI accepts "secret:<id>", "secret://<model-uuid>/<id>" or a
// bare id, and returns the bare id.
func parseSecretURI(s string) (string, error) {
	id := s
	if rest, ok := strings.CutPrefix(s, "secret:"); ok {
		id = rest
		if strings.HasPrefix(rest, "//") {
			id = rest[strings.LastIndex(rest, "/")+1:]
		}
	}
	if !secretIDPattern.MatchString(id) {
		return "", fmt.Errorf("secret URI %q not valid", s)
	}
	return id, nil
}

// secretUpsert are the flags secret-add and secret-set share.
func secretUpsertFlags(*Context) []flagDef {
	return []flagDef{
		{names: []string{"expire"}, kind: stringFlag},
		{names: []string{"rotate"}, kind: stringFlag},
		{names: []string{"description"}, kind: stringFlag},
		{names: []string{"label"}, kind: stringFlag},
		{names: []string{"file"}, kind: stringFlag},
		{names: []string{"owner"}, kind: stringFlag},
	}
}

// secretUpsert is a parsed secret-add or secret-set.
type secretUpsert struct {
	owner       string
	label       string
	description string
	rotate      string
	expire      string
	// content has base64 values, as Juju stores them; nil when none given.
	content map[string]string
}

// parseSecretUpsert validates the shared flags and reads the content
// arguments (key=value, key#base64=value, key#file=path) and --file, as
// Juju's secretUpsertCommand.Init does. All its errors are usage errors.
func parseSecretUpsert(inv *invocation, args []string) (*secretUpsert, error) {
	u := &secretUpsert{
		owner:       inv.flags.strOr("owner", "application"),
		label:       inv.flags.str("label"),
		description: inv.flags.str("description"),
		rotate:      inv.flags.str("rotate"),
	}
	if spec := inv.flags.str("expire"); spec != "" {
		t, err := time.Parse(time.RFC3339, spec)
		if err != nil {
			t, err = time.Parse("2006-01-02T15:04:05", spec)
		}
		if err != nil {
			d, derr := time.ParseDuration(spec)
			if derr != nil {
				return nil, usagef("expire time or duration %q not valid", spec)
			}
			if d <= 0 {
				return nil, usagef("negative expire duration %q not valid", spec)
			}
			t = time.Now().Add(d)
		}
		u.expire = t.UTC().Format(time.RFC3339)
	}
	switch u.rotate {
	case "", "never", "hourly", "daily", "weekly", "monthly", "quarterly", "yearly":
	default:
		return nil, usagef("rotate policy %q not valid", u.rotate)
	}
	if u.owner != "application" && u.owner != "unit" {
		return nil, usagef("secret owner %q not valid", u.owner)
	}
	raw := map[string]string{}
	for _, val := range args {
		stripped := strings.TrimRight(val, "=")
		idx := strings.Index(stripped, "=")
		if idx < 1 {
			return nil, usagef("key value %q not valid", val)
		}
		key, value := val[:idx], val[idx+1:]
		if k, ok := strings.CutSuffix(key, "#file"); ok {
			b, err := os.ReadFile(value)
			if err != nil {
				return nil, usagef("reading content for secret key %q: %v", k, err)
			}
			if len(b) > maxSecretValueSize {
				return nil, usagef("secret content in file %q too large: %d bytes", value, len(b))
			}
			key, value = k, string(b)
		}
		raw[key] = value
	}
	if path := inv.flags.str("file"); path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, usagef("%v", err)
		}
		var fromFile map[string]string
		if err := json.Unmarshal(b, &fromFile); err != nil {
			return nil, usagef("jujuc-emulator: %s must be a JSON object of strings (Juju also reads YAML): %v", path, err)
		}
		for k, v := range fromFile {
			raw[k] = v
		}
	}
	if len(args) > 0 || inv.flags.str("file") != "" {
		content, err := encodeSecretData(raw)
		if err != nil {
			return nil, err
		}
		u.content = content
	}
	return u, nil
}

// encodeSecretData base64-encodes values (keeping "#base64" ones as
// given) and checks keys and sizes, as Juju's encodeBase64 does.
func encodeSecretData(in map[string]string) (map[string]string, error) {
	out := make(map[string]string, len(in))
	total := 0
	for key, value := range in {
		if k, ok := strings.CutSuffix(key, "#base64"); ok {
			key = k
		} else {
			value = base64.StdEncoding.EncodeToString([]byte(value))
		}
		if !secretKeyPattern.MatchString(key) {
			return nil, usagef("key %q not valid", key)
		}
		if len(value) > maxSecretValueSize {
			return nil, usagef("base64 encoded secret content for key %q too large: %d bytes", key, len(value))
		}
		out[key] = value
		total += len(value)
	}
	if total > maxSecretContentSize {
		return nil, usagef("base64 encoded secret content too large: %d bytes", total)
	}
	return out, nil
}
