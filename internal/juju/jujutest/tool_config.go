package jujutest

func configGetTool() toolSpec {
	return toolSpec{
		format: "smart",
		flags: func(*Context) []flagDef {
			return []flagDef{{names: []string{"a", "all"}, kind: boolFlag}}
		},
		run: func(inv *invocation) error {
			key := ""
			if len(inv.args) > 0 {
				key = inv.args[0]
				if key != "" && inv.flags.bool("a") {
					return usagef("cannot use argument --all together with key %q", key)
				}
				if err := checkEmpty(inv.args[1:]); err != nil {
					return err
				}
			}
			settings := inv.c.m.configValues()
			if key != "" {
				return inv.write(settings[key])
			}
			if !inv.flags.bool("a") {
				for k, v := range settings {
					if v == nil {
						delete(settings, k)
					}
				}
			}
			return inv.write(settings)
		},
	}
}
