package jujutest

import "fmt"

func relationIDsTool() toolSpec {
	return toolSpec{
		format: "smart",
		run: func(inv *invocation) error {
			name := ""
			if r := inv.c.hookRelation(); r != nil {
				name = r.Endpoint
			}
			args := inv.args
			if len(args) > 0 {
				name, args = args[0], args[1:]
			} else if name == "" {
				return usagef("no endpoint name specified")
			}
			if err := checkEmpty(args); err != nil {
				return err
			}
			ids := []string{}
			for _, id := range sortedKeys(inv.c.m.Relations) {
				if r := inv.c.m.Relations[id]; r.Endpoint == name && !r.Broken {
					ids = append(ids, id)
				}
			}
			return inv.write(ids)
		},
	}
}

func relationListTool() toolSpec {
	return toolSpec{
		format: "smart",
		flags: func(c *Context) []flagDef {
			return []flagDef{relationFlag(c), {names: []string{"app"}, kind: boolFlag}}
		},
		run: func(inv *invocation) error {
			r := inv.relation()
			if r == nil {
				return usagef("no relation id specified")
			}
			if err := checkEmpty(inv.args); err != nil {
				return err
			}
			if inv.flags.bool("app") {
				return inv.write(r.RemoteApp)
			}
			units := r.members(inv.c.st.Unit)
			if units == nil {
				units = []string{}
			}
			return inv.write(units)
		},
	}
}

func relationGetTool() toolSpec {
	return toolSpec{
		format: "smart",
		flags: func(c *Context) []flagDef {
			return []flagDef{relationFlag(c), {names: []string{"app"}, kind: boolFlag}}
		},
		run: func(inv *invocation) error {
			r := inv.relation()
			if r == nil {
				return usagef("no relation id specified")
			}
			args := inv.args
			key := ""
			if len(args) > 0 {
				if key = args[0]; key == "-" {
					key = ""
				}
				args = args[1:]
			}
			app := inv.flags.bool("app")
			target := ""
			switch {
			case len(args) > 0:
				target, args = args[0], args[1:]
				if app {
					if validUnitName(target) {
						target = unitApp(target)
					} else if !validAppName(target) {
						return usagef("invalid application name %q", target)
					}
				} else if !validUnitName(target) {
					if validAppName(target) {
						return usagef("expected unit name, got application name %q", target)
					}
					return usagef("invalid unit name %q", target)
				}
			case app:
				if target = inv.c.st.Env.RemoteApp; target == "" {
					return usagef("no unit or application specified")
				}
			case inv.c.st.Env.RemoteUnit != "":
				target = inv.c.st.Env.RemoteUnit
			case inv.c.st.Env.RemoteApp != "":
				target, app = inv.c.st.Env.RemoteApp, true
			default:
				return usagef("no unit or application specified")
			}
			if err := checkEmpty(args); err != nil {
				return err
			}
			bag, err := inv.c.readBag(r, target, app)
			if err != nil {
				return err
			}
			if key == "" {
				return inv.write(bag)
			}
			if v, ok := bag[key]; ok {
				return inv.write(v)
			}
			return inv.write(nil)
		},
	}
}

// readBag reads one data bag of r as unit would: its own bag and (for the
// leader) its application's bag include this hook's pending writes; other
// bags are read as committed, and only those Juju lets it read.
func (c *Context) readBag(r *Relation, target string, app bool) (map[string]string, error) {
	unit, myApp := c.st.Unit, c.m.App
	if app {
		switch {
		case target == myApp && (c.leader() || r.Peer):
			return overlay(r.LocalAppData, c.st.Pending.AppData[r.ID]), nil
		case target == myApp:
			return nil, failf("permission denied")
		case target == r.RemoteApp:
			return overlay(r.RemoteAppData, nil), nil
		}
		return nil, failf("cannot read application settings for %q in relation %q: permission denied", target, r.ID)
	}
	if target == unit {
		return overlay(r.LocalUnits[unit], c.st.Pending.UnitData[r.ID]), nil
	}
	if unitApp(target) == myApp {
		if bag, ok := r.LocalUnits[target]; ok && r.Peer {
			return overlay(bag, nil), nil
		}
		if bag, ok := r.DepartedUnits[target]; ok && r.Peer {
			return overlay(bag, nil), nil
		}
		if !r.Peer {
			return nil, failf("permission denied")
		}
	}
	if bag, ok := r.RemoteUnits[target]; ok {
		return overlay(bag, nil), nil
	}
	if bag, ok := r.DepartedUnits[target]; ok {
		return overlay(bag, nil), nil
	}
	return nil, failf("cannot read settings for unit %q in relation %q: %s", target, r.ID, fmt.Sprintf("unit %q: settings not found", target))
}

func relationSetTool() toolSpec {
	return toolSpec{
		flags: func(c *Context) []flagDef {
			return []flagDef{
				relationFlag(c),
				{names: []string{"app"}, kind: boolFlag},
				{names: []string{"file"}, kind: stringFlag},
				{names: []string{"format"}, kind: stringFlag},
			}
		},
		run: func(inv *invocation) error {
			r := inv.relation()
			if r == nil {
				return usagef("no relation id specified")
			}
			settings, err := parseKeyValues(inv.args)
			if err != nil {
				return err
			}
			if inv.flags.has("format") {
				fmt.Fprintf(inv.stderr, "--format flag deprecated for command %q", inv.tool)
			}
			if inv.flags.has("file") {
				fromFile, err := inv.readSettingsFile(inv.flags.str("file"))
				if err != nil {
					return err
				}
				for k, v := range settings {
					fromFile[k] = v
				}
				settings = fromFile
			}
			p := &inv.c.st.Pending
			target := &p.UnitData
			if inv.flags.bool("app") {
				if !inv.c.leader() {
					return failf("cannot write relation settings")
				}
				target = &p.AppData
			}
			if *target == nil {
				*target = map[string]map[string]string{}
			}
			if (*target)[r.ID] == nil {
				(*target)[r.ID] = map[string]string{}
			}
			for k, v := range settings {
				(*target)[r.ID][k] = v
			}
			return nil
		},
	}
}
