package juju

import (
	"context"
	"fmt"
)

// RelationIDs lists the ids ("db:3") of the live relations on endpoint.
func (t *Tools) RelationIDs(ctx context.Context, endpoint string) ([]string, error) {
	var ids []string
	if err := t.runJSON(ctx, "relation-ids "+endpoint, "relation-ids", []string{"--format=json", endpoint}, &ids); err != nil {
		return nil, err
	}
	return ids, nil
}

// RelationList lists the remote units in relation relID (for a peer
// relation: the other units of this application).
func (t *Tools) RelationList(ctx context.Context, relID string) ([]string, error) {
	var units []string
	if err := t.runJSON(ctx, "relation-list "+relID, "relation-list", []string{"-r", relID, "--format=json"}, &units); err != nil {
		return nil, err
	}
	return units, nil
}

// RelationApp returns the name of the remote application in relation relID.
func (t *Tools) RelationApp(ctx context.Context, relID string) (string, error) {
	var app string
	if err := t.runJSON(ctx, "relation-list --app "+relID, "relation-list", []string{"-r", relID, "--app", "--format=json"}, &app); err != nil {
		return "", err
	}
	return app, nil
}

// RelationGet reads a whole data bag of relation relID: a unit's bag, or an
// application's bag when app is true. The local unit's own bag includes the
// writes made earlier in this hook.
func (t *Tools) RelationGet(ctx context.Context, relID, unitOrApp string, app bool) (map[string]string, error) {
	what := fmt.Sprintf("relation-get %s %s", relID, unitOrApp)
	args := []string{"-r", relID, "--format=json"}
	if app {
		args = append(args, "--app")
	}
	args = append(args, "-", unitOrApp)
	out, err := t.run(ctx, what, "relation-get", args, nil)
	if err != nil {
		return nil, err
	}
	return decodeStringMap(what, out)
}

// RelationSet writes this unit's bag in relation relID, or the
// application's bag when app is true (the leader only). An empty value
// deletes its key. The data travels as JSON on stdin (--file -), never on
// argv. Writing nothing makes no call.
//
// Juju applies the write when the hook succeeds.
func (t *Tools) RelationSet(ctx context.Context, relID string, app bool, data map[string]string) error {
	if len(data) == 0 {
		return nil
	}
	what := "relation-set " + relID
	stdin, err := jsonStdin(what, data)
	if err != nil {
		return err
	}
	args := []string{"-r", relID}
	if app {
		args = append(args, "--app")
	}
	args = append(args, "--file", "-")
	_, err = t.run(ctx, what, "relation-set", args, stdin)
	return err
}
