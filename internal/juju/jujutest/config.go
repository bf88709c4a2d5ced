package jujutest

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// ConfigOption is one option declared in the charm's config.yaml.
type ConfigOption struct {
	// Type is "string", "int", "float", "boolean" or "secret".
	Type string `json:"type"`
	// Default is the typed default (string, int, float64 or bool), nil for
	// none.
	Default any `json:"default,omitempty"`
}

// LoadConfigDefaults declares the options of a charm's config.yaml
// ("options: {name: {type, default}}"), keeping typed defaults. Options
// without a default read as null in config-get --all.
func (m *Model) LoadConfigDefaults(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("load config defaults: %w", err)
	}
	var doc struct {
		Options map[string]struct {
			Type    string `yaml:"type"`
			Default any    `yaml:"default"`
		} `yaml:"options"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("load config defaults %s: %w", path, err)
	}
	opts := make(map[string]ConfigOption, len(doc.Options))
	for name, o := range doc.Options {
		typ := o.Type
		if typ == "" {
			typ = "string"
		}
		switch typ {
		case "string", "int", "float", "boolean", "secret":
		default:
			return fmt.Errorf("load config defaults %s: option %q has unknown type %q", path, name, o.Type)
		}
		var def any
		if o.Default != nil {
			if def, err = coerceConfig(typ, o.Default); err != nil {
				return fmt.Errorf("load config defaults %s: option %q default: %w", path, name, err)
			}
		}
		opts[name] = ConfigOption{Type: typ, Default: def}
	}
	m.ConfigOptions = opts
	return nil
}

// SetConfig sets option name as "juju config" would. The value is typed
// (string, int, float64, bool) or, for a non-string option, a string to
// parse ("5", "true"). nil unsets the option (back to its default). With
// declared options, unknown names and wrong types are errors.
func (m *Model) SetConfig(name string, value any) error {
	if value == nil {
		delete(m.Config, name)
		return nil
	}
	if m.Config == nil {
		m.Config = map[string]any{}
	}
	if len(m.ConfigOptions) == 0 {
		m.Config[name] = value
		return nil
	}
	opt, ok := m.ConfigOptions[name]
	if !ok {
		return fmt.Errorf("set config: unknown option %q", name)
	}
	v, err := coerceConfig(opt.Type, value)
	if err != nil {
		return fmt.Errorf("set config %q: %w", name, err)
	}
	m.Config[name] = v
	return nil
}

// configValues are the settings config-get sees: every declared option
// (value, default or nil) plus undeclared values set without a schema.
func (m *Model) configValues() map[string]any {
	out := map[string]any{}
	for name, opt := range m.ConfigOptions {
		out[name] = opt.Default
	}
	for name, v := range m.Config {
		out[name] = v
	}
	return out
}

// coerceConfig checks v against an option type, parsing strings for
// non-string types, and returns the typed value.
func coerceConfig(typ string, v any) (any, error) {
	switch typ {
	case "string", "secret":
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("expected string, got %T", v)
		}
		return s, nil
	case "boolean":
		switch x := v.(type) {
		case bool:
			return x, nil
		case string:
			b, err := strconv.ParseBool(x)
			if err != nil {
				return nil, fmt.Errorf("expected boolean, got %q", x)
			}
			return b, nil
		}
		return nil, fmt.Errorf("expected boolean, got %T", v)
	case "int":
		switch x := v.(type) {
		case int:
			return x, nil
		case int64:
			return int(x), nil
		case float64:
			if x != math.Trunc(x) {
				return nil, fmt.Errorf("expected int, got %v", x)
			}
			return int(x), nil
		case json.Number:
			n, err := x.Int64()
			if err != nil {
				return nil, fmt.Errorf("expected int, got %s", x)
			}
			return int(n), nil
		case string:
			n, err := strconv.ParseInt(x, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("expected int, got %q", x)
			}
			return int(n), nil
		}
		return nil, fmt.Errorf("expected int, got %T", v)
	case "float":
		switch x := v.(type) {
		case float64:
			return x, nil
		case int:
			return float64(x), nil
		case int64:
			return float64(x), nil
		case json.Number:
			f, err := x.Float64()
			if err != nil {
				return nil, fmt.Errorf("expected float, got %s", x)
			}
			return f, nil
		case string:
			f, err := strconv.ParseFloat(x, 64)
			if err != nil {
				return nil, fmt.Errorf("expected float, got %q", x)
			}
			return f, nil
		}
		return nil, fmt.Errorf("expected float, got %T", v)
	}
	return nil, fmt.Errorf("unknown option type %q", typ)
}
