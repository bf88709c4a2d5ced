package jujutest

// Juju's quota on charm state (core/quota).
const (
	maxStateKeySize   = 256
	maxStateValueSize = 64 * 1024
)

// state is the unit's charm state with this hook's pending writes.
func (c *Context) state() map[string]string {
	out := copyMap(c.m.Units[c.st.Unit].State)
	for k, v := range c.st.Pending.State {
		if v == nil {
			delete(out, k)
		} else {
			out[k] = *v
		}
	}
	return out
}

func stateGetTool() toolSpec {
	return toolSpec{
		format: "smart",
		flags: func(*Context) []flagDef {
			return []flagDef{{names: []string{"strict"}, kind: boolFlag}}
		},
		run: func(inv *invocation) error {
			key := ""
			if len(inv.args) > 0 {
				if key = inv.args[0]; key == "-" {
					key = ""
				}
				if err := checkEmpty(inv.args[1:]); err != nil {
					return err
				}
			}
			state := inv.c.state()
			if key == "" {
				if len(state) == 0 {
					return inv.write(map[string]string(nil))
				}
				return inv.write(state)
			}
			v, ok := state[key]
			if !ok && inv.flags.bool("strict") {
				return failf("%q not found", key)
			}
			return inv.write(v)
		},
	}
}

func stateSetTool() toolSpec {
	return toolSpec{
		flags: func(*Context) []flagDef {
			return []flagDef{{names: []string{"file"}, kind: stringFlag}}
		},
		run: func(inv *invocation) error {
			values, err := parseKeyValues(inv.args)
			if err != nil {
				return err
			}
			if inv.flags.has("file") {
				fromFile, err := inv.readSettingsFile(inv.flags.str("file"))
				if err != nil {
					return err
				}
				for k, v := range values {
					fromFile[k] = v
				}
				values = fromFile
			}
			for _, k := range sortedKeys(values) {
				v := values[k]
				if len(k) > maxStateKeySize {
					return failf("key too large: %d bytes (max %d)", len(k), maxStateKeySize)
				}
				if len(v) > maxStateValueSize {
					return failf("value too large: %d bytes (max %d)", len(v), maxStateValueSize)
				}
				if inv.c.st.Pending.State == nil {
					inv.c.st.Pending.State = map[string]*string{}
				}
				inv.c.st.Pending.State[k] = &v
			}
			return nil
		},
	}
}

func stateDeleteTool() toolSpec {
	return toolSpec{
		run: func(inv *invocation) error {
			if len(inv.args) == 0 {
				return nil
			}
			if err := checkEmpty(inv.args[1:]); err != nil {
				return err
			}
			if key := inv.args[0]; key != "" {
				if inv.c.st.Pending.State == nil {
					inv.c.st.Pending.State = map[string]*string{}
				}
				inv.c.st.Pending.State[key] = nil
			}
			return nil
		},
	}
}

func resourceGetTool() toolSpec {
	return toolSpec{
		run: func(inv *invocation) error {
			if len(inv.args) < 1 {
				return usagef("missing required resource name")
			}
			if err := checkEmpty(inv.args[1:]); err != nil {
				return err
			}
			path, ok := inv.c.m.Resources[inv.args[0]]
			if !ok {
				return failf("could not download resource: resource %q not found", inv.args[0])
			}
			inv.stdout.WriteString(path)
			return nil
		},
	}
}
