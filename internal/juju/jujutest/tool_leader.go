package jujutest

import "strings"

func isLeaderTool() toolSpec {
	return toolSpec{
		format: "smart",
		run: func(inv *invocation) error {
			if err := checkEmpty(inv.args); err != nil {
				return err
			}
			return inv.write(inv.c.leader())
		},
	}
}

func leaderGetTool() toolSpec {
	return toolSpec{
		format: "smart",
		run: func(inv *invocation) error {
			key := ""
			if len(inv.args) > 0 {
				key = inv.args[0]
				if key == "-" {
					key = ""
				} else if strings.Contains(key, "=") {
					return usagef("invalid key %q", key)
				}
				if err := checkEmpty(inv.args[1:]); err != nil {
					return err
				}
			}
			data := copyMap(inv.c.m.LeaderData)
			if key == "" {
				return inv.write(data)
			}
			if v, ok := data[key]; ok {
				return inv.write(v)
			}
			return inv.write(nil)
		},
	}
}

func leaderSetTool() toolSpec {
	return toolSpec{
		run: func(inv *invocation) error {
			settings, err := parseKeyValues(inv.args)
			if err != nil {
				return err
			}
			if !inv.c.leader() {
				return failf("cannot write leadership settings: cannot write settings: not the leader")
			}
			applyBag(inv.c.m.LeaderData, settings)
			return nil
		},
	}
}
