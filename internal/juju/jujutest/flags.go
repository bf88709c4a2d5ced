package jujutest

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// flagKind is how a flag takes its value.
type flagKind int

const (
	boolFlag   flagKind = iota // no value; "--x=false" allowed
	stringFlag                 // one value: "--x v", "--x=v", "-xv"
	intFlag                    // one integer value
)

// flagDef declares one flag under one or more names ("r", "relation").
// The first name is the canonical one.
type flagDef struct {
	names []string
	kind  flagKind
	// set validates and normalises a value (e.g. a relation id); nil
	// accepts any value.
	set func(value string) (string, error)
}

// parsedFlags are the flags a tool was called with, by canonical name.
type parsedFlags struct {
	values map[string]string
}

func (p parsedFlags) has(name string) bool   { _, ok := p.values[name]; return ok }
func (p parsedFlags) str(name string) string { return p.values[name] }
func (p parsedFlags) bool(name string) bool  { return p.values[name] == "true" }
func (p parsedFlags) int(name string) int    { n, _ := strconv.Atoi(p.values[name]); return n }
func (p parsedFlags) strOr(name, d string) string {
	if v, ok := p.values[name]; ok {
		return v
	}
	return d
}

// errHelp is returned when -h or --help asks for usage.
var errHelp = errors.New("help requested")

// parseFlags parses args the way Juju's gnuflag does for hook tools: flags
// and positional arguments may be interspersed; "--" ends the flags; "-"
// alone is positional; "--name=value" and "--name value" set long flags;
// "-abc" is a run of single-letter flags where a value flag takes the rest
// of the word verbatim (so "-r=db:3" gives "=db:3", as in Juju) or the next
// argument. Errors read as gnuflag's do.
func parseFlags(args []string, defs []flagDef) (parsedFlags, []string, error) {
	byName := map[string]*flagDef{}
	for i := range defs {
		for _, n := range defs[i].names {
			byName[n] = &defs[i]
		}
	}
	p := parsedFlags{values: map[string]string{}}
	var positional []string
	for len(args) > 0 {
		a := args[0]
		args = args[1:]
		switch {
		case a == "-" || a == "" || a[0] != '-':
			positional = append(positional, a)
			continue
		case a == "--":
			positional = append(positional, args...)
			return p, positional, nil
		case a[1] == '-':
			name, value, hasValue := strings.Cut(a[2:], "=")
			if hasValue && name == "" {
				return p, nil, fmt.Errorf("empty flag in argument %q", a)
			}
			var err error
			args, err = applyFlag(p, byName, name, value, hasValue, args)
			if err != nil {
				return p, nil, err
			}
		default:
			rest := a[1:]
			for rest != "" {
				_, n := utf8.DecodeRuneInString(rest)
				name := rest[:n]
				rest = rest[n:]
				def := byName[name]
				if def != nil && def.kind == boolFlag && !strings.HasPrefix(rest, "=") {
					p.values[def.names[0]] = "true"
					continue
				}
				var err error
				args, err = applyFlag(p, byName, name, rest, rest != "", args)
				if err != nil {
					return p, nil, err
				}
				rest = ""
			}
		}
	}
	return p, positional, nil
}

// applyFlag sets one flag, taking its value from inline (after "=" for a
// long flag, the rest of the word for a short one) or from the next
// argument, and returns the arguments left.
func applyFlag(p parsedFlags, byName map[string]*flagDef, name, inline string, hasInline bool, args []string) ([]string, error) {
	def := byName[name]
	if def == nil {
		if name == "help" || name == "h" {
			return args, errHelp
		}
		return args, fmt.Errorf("flag provided but not defined: %s", flagWithMinus(name))
	}
	canonical := def.names[0]
	if def.kind == boolFlag {
		if !hasInline {
			p.values[canonical] = "true"
			return args, nil
		}
		// A long flag's value follows "="; a short flag's is the rest of
		// the word, "=" included, so "-a=true" fails as in gnuflag.
		v := inline
		b, err := strconv.ParseBool(v)
		if err != nil {
			return args, fmt.Errorf("invalid value %q for flag %s: parse error", v, flagWithMinus(name))
		}
		p.values[canonical] = strconv.FormatBool(b)
		return args, nil
	}
	value := inline
	if !hasInline {
		if len(args) == 0 {
			return args, fmt.Errorf("flag needs an argument: %s", flagWithMinus(name))
		}
		value, args = args[0], args[1:]
	}
	if def.kind == intFlag {
		if _, err := strconv.ParseInt(value, 0, 64); err != nil {
			return args, fmt.Errorf("invalid value %q for flag %s: parse error", value, flagWithMinus(name))
		}
	}
	if def.set != nil {
		v, err := def.set(value)
		if err != nil {
			return args, fmt.Errorf("invalid value %q for flag %s: %v", value, flagWithMinus(name), err)
		}
		value = v
	}
	p.values[canonical] = value
	return args, nil
}

func flagWithMinus(name string) string {
	if len(name) > 1 {
		return "--" + name
	}
	return "-" + name
}
