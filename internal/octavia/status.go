package octavia

import "strings"

// Severity orders the reasons a unit is not active.
type Severity int

// Severities, most severe first, as Juju's workload statuses.
const (
	Blocked Severity = iota
	Maintenance
	Waiting
)

// Reason is one thing that keeps the unit from being active.
type Reason struct {
	Severity Severity
	Message  string
}

// Status is a workload status: a Juju code and a message.
type Status struct {
	Code    string
	Message string
}

// Ready is the status of a unit with nothing left to do.
var Ready = Status{Code: "active", Message: "Unit is ready"}

// StatusOf turns reasons into one workload status: the most severe kind
// wins, and its messages are joined with ", " as the upstream charm does.
func StatusOf(reasons []Reason) Status {
	if len(reasons) == 0 {
		return Ready
	}
	top := reasons[0].Severity
	for _, r := range reasons {
		if r.Severity < top {
			top = r.Severity
		}
	}
	var msgs []string
	for _, r := range reasons {
		if r.Severity == top {
			msgs = append(msgs, r.Message)
		}
	}
	code := map[Severity]string{Blocked: "blocked", Maintenance: "maintenance", Waiting: "waiting"}[top]
	return Status{Code: code, Message: strings.Join(msgs, ", ")}
}

// configReason names the bad options, the first two in full.
func configReason(ps []Problem) Reason {
	msg := ps[0].String()
	if len(ps) > 1 {
		msg += "; " + ps[1].String()
	}
	if len(ps) > 2 {
		msg += "; and more"
	}
	return Reason{Blocked, msg}
}

// Paused is the status of a paused unit, word for word as charms.openstack
// sets it: it wins over every other reason until the unit is resumed.
var Paused = Status{Code: "maintenance", Message: "Paused. Use 'resume' action to resume normal service."}
