package jujutest

import "strings"

// logLevels are loggo's levels, which juju-log accepts.
func validLogLevel(l string) (string, bool) {
	switch u := strings.ToUpper(l); u {
	case "TRACE", "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL":
		return u, true
	case "WARN":
		return "WARNING", true
	}
	return "", false
}

func jujuLogTool() toolSpec {
	return toolSpec{
		flags: func(*Context) []flagDef {
			return []flagDef{
				{names: []string{"debug"}, kind: boolFlag},
				{names: []string{"l", "log-level"}, kind: stringFlag},
				{names: []string{"format"}, kind: stringFlag},
			}
		},
		run: func(inv *invocation) error {
			if len(inv.args) == 0 {
				return usagef("no message specified")
			}
			level := "INFO"
			if inv.flags.bool("debug") {
				level = "DEBUG"
			} else if l := inv.flags.str("l"); l != "" {
				if v, ok := validLogLevel(l); ok {
					level = v
				} else {
					inv.c.log("WARNING", "Specified log level of \""+l+"\" is not valid")
				}
			}
			msg := strings.Join(inv.args, " ")
			if r := inv.c.hookRelation(); r != nil {
				msg = r.ID + ": " + msg
			}
			inv.c.log(level, msg)
			return nil
		},
	}
}

// log records a juju-log line.
func (c *Context) log(level, msg string) {
	line := LogLine{Unit: c.st.Unit, Context: c.st.ID, Level: level, Message: msg}
	c.m.Log = keepLast(append(c.m.Log, line), maxLogLines)
}
