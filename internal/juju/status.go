package juju

import "context"

// Status is a workload status: Code is "active", "blocked", "waiting" or
// "maintenance" (status-get may also report "unknown" or "error").
type Status struct {
	Code    string `json:"code"`              // active, blocked, waiting, maintenance
	Message string `json:"message,omitempty"` // shown next to the code in juju status
}

// statusDetails is status-get's JSON with --include-data.
type statusDetails struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

// StatusGet reads this unit's workload status, or the application's when
// app is true (the leader only).
func (t *Tools) StatusGet(ctx context.Context, app bool) (Status, error) {
	if app {
		var out struct {
			App statusDetails `json:"application-status"`
		}
		if err := t.runJSON(ctx, "status-get --application", "status-get", []string{"--application", "--include-data", "--format=json"}, &out); err != nil {
			return Status{}, err
		}
		return Status{Code: out.App.Status, Message: out.App.Message}, nil
	}
	var out statusDetails
	if err := t.runJSON(ctx, "status-get", "status-get", []string{"--include-data", "--format=json"}, &out); err != nil {
		return Status{}, err
	}
	return Status{Code: out.Status, Message: out.Message}, nil
}

// StatusSet sets this unit's workload status, or the application's when app
// is true (the leader only). Juju applies it at once, even if the hook
// later fails.
func (t *Tools) StatusSet(ctx context.Context, app bool, s Status) error {
	var args []string
	if app {
		args = append(args, "--application")
	}
	args = append(args, "--", s.Code)
	if s.Message != "" {
		args = append(args, s.Message)
	}
	_, err := t.run(ctx, "status-set "+s.Code, "status-set", args, nil)
	return err
}

// ApplicationVersionSet shows v as the workload version in juju status.
// Juju applies it at once.
func (t *Tools) ApplicationVersionSet(ctx context.Context, v string) error {
	_, err := t.run(ctx, "application-version-set", "application-version-set", []string{"--", v}, nil)
	return err
}
