package jujutest

import (
	"charm-octavia/internal/juju"
)

func statusSetTool() toolSpec {
	return toolSpec{
		flags: func(*Context) []flagDef {
			return []flagDef{{names: []string{"application"}, kind: boolFlag}}
		},
		run: func(inv *invocation) error {
			if len(inv.args) < 1 {
				return usagef("invalid args, require <status> [message]")
			}
			switch inv.args[0] {
			case "maintenance", "blocked", "waiting", "active":
			default:
				return usagef("invalid status %q, expected one of [maintenance blocked waiting active]", inv.args[0])
			}
			s := juju.Status{Code: inv.args[0]}
			if len(inv.args) > 1 {
				s.Message = inv.args[1]
				if err := checkEmpty(inv.args[2:]); err != nil {
					return err
				}
			}
			if inv.flags.bool("application") {
				if !inv.c.leader() {
					return failf(errNotLeader)
				}
				inv.c.m.AppStatus = s
				return nil
			}
			inv.c.m.Units[inv.c.st.Unit].Status = s
			return nil
		},
	}
}

func statusGetTool() toolSpec {
	return toolSpec{
		format: "smart",
		flags: func(*Context) []flagDef {
			return []flagDef{
				{names: []string{"include-data"}, kind: boolFlag},
				{names: []string{"application"}, kind: boolFlag},
			}
		},
		run: func(inv *invocation) error {
			if err := checkEmpty(inv.args); err != nil {
				return err
			}
			withData := inv.flags.bool("include-data")
			smart := inv.flags.strOr("format", "smart") == "smart"
			details := func(s juju.Status) map[string]any {
				d := map[string]any{"status": s.Code}
				if withData {
					d["message"] = s.Message
					d["status-data"] = map[string]any{}
				}
				return d
			}
			if !inv.flags.bool("application") {
				s := inv.c.m.Units[inv.c.st.Unit].Status
				if !withData && smart {
					return inv.write(s.Code)
				}
				return inv.write(details(s))
			}
			if !inv.c.leader() {
				return failf("finding application status: %s", errNotLeader)
			}
			if !withData && smart {
				return inv.write(inv.c.m.AppStatus.Code)
			}
			d := details(inv.c.m.AppStatus)
			units := map[string]any{}
			for name, u := range inv.c.m.Units {
				units[name] = details(u.Status)
			}
			d["units"] = units
			return inv.write(map[string]any{"application-status": d})
		},
	}
}

func appVersionSetTool() toolSpec {
	return toolSpec{
		run: func(inv *invocation) error {
			if len(inv.args) < 1 {
				return usagef("no version specified")
			}
			if err := checkEmpty(inv.args[1:]); err != nil {
				return err
			}
			inv.c.m.Units[inv.c.st.Unit].WorkloadVersion = inv.args[0]
			return nil
		},
	}
}
