package jujutest

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
)

// outputFlags are the --format, -o and --output flags of Juju's cmd.Output.
func outputFlags(formats ...string) []flagDef {
	return []flagDef{
		{names: []string{"format"}, kind: stringFlag, set: func(v string) (string, error) {
			for _, f := range formats {
				if v == f {
					return v, nil
				}
			}
			return "", fmt.Errorf("unknown format %q", v)
		}},
		{names: []string{"o", "output"}, kind: stringFlag},
	}
}

// defaultFormats are Juju's DefaultFormatters.
func defaultFormats() []string { return []string{"smart", "yaml", "json"} }

// format renders v as Juju's cmd.Output does: json is json.Marshal plus a
// newline; smart prints strings, booleans (True/False), numbers and string
// lists plainly. YAML (yaml, and smart for maps) is not emulated: the charm
// always asks for JSON, and a YAML request fails loudly rather than print
// something the real tool would not.
func format(name string, v any) ([]byte, error) {
	switch name {
	case "json":
		b, err := json.Marshal(v)
		if err != nil {
			return nil, failf("cannot marshal output: %v", err)
		}
		return append(b, '\n'), nil
	case "smart":
		if v == nil {
			return nil, nil
		}
		rv := reflect.ValueOf(v)
		switch rv.Kind() {
		case reflect.String:
			return []byte(rv.String() + "\n"), nil
		case reflect.Bool:
			if rv.Bool() {
				return []byte("True\n"), nil
			}
			return []byte("False\n"), nil
		case reflect.Float32, reflect.Float64:
			return []byte(strconv.FormatFloat(rv.Float(), 'f', -1, 64) + "\n"), nil
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			return []byte(strconv.FormatInt(rv.Int(), 10) + "\n"), nil
		case reflect.Slice:
			if s, ok := v.([]string); ok {
				return []byte(strings.Join(s, "\n") + "\n"), nil
			}
		}
	}
	return nil, failf("jujuc-emulator: %s output of %T is not emulated; use --format=json", name, v)
}

// write renders v in the invocation's format, to stdout or to the -o file.
func (inv *invocation) write(v any) error {
	b, err := format(inv.flags.strOr("format", inv.spec.format), v)
	if err != nil {
		return err
	}
	if path := inv.flags.str("o"); path != "" {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			return failf("%v", err)
		}
		return nil
	}
	inv.stdout.Write(b)
	return nil
}
