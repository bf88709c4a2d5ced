package juju

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// SecretOptions are the metadata of a secret being added or updated.
type SecretOptions struct {
	// Label names the secret for its owner, e.g. "octavia-control-plane".
	Label string
	// Description is shown to operators.
	Description string
	// Owner is "application" (the default: only the leader manages it) or
	// "unit". SecretSet ignores it.
	Owner string
}

// SecretGetOptions choose which revision SecretGet reads.
type SecretGetOptions struct {
	// Peek reads the latest revision without moving this unit's pin.
	Peek bool
	// Refresh reads the latest revision and moves the pin to it.
	Refresh bool
}

// SecretInfo is a secret's metadata, as its owner sees it.
type SecretInfo struct {
	ID          string // "secret:..."
	Label       string // the owner's label
	Owner       string // "application" or "unit"
	Description string // free text for operators
	Revision    int    // the latest revision
	Rotation    string // rotation policy, e.g. "monthly"; empty for none
	Expiry      string // RFC 3339 expiry time of the latest revision; empty for none
}

// SecretAdd creates a secret holding content and returns its ID
// ("secret:..."). Values are passed as key#file=PATH arguments, each file
// 0600 inside a private 0700 directory that is removed afterwards; they
// never appear on argv. Keys must follow Juju's rule (lowercase, at least 3
// characters). An application-owned secret needs the leader.
//
// Juju creates the secret when the hook succeeds; the ID is usable at once.
func (t *Tools) SecretAdd(ctx context.Context, content map[string]string, opt SecretOptions) (string, error) {
	const what = "secret-add"
	if len(content) == 0 {
		return "", fmt.Errorf("%s: no content", what)
	}
	files, err := writeSecretFiles(what, content)
	if err != nil {
		return "", err
	}
	defer files.remove()
	args := secretMetaArgs(opt)
	if opt.Owner != "" {
		args = append(args, "--owner", opt.Owner)
	}
	args = append(args, "--")
	args = append(args, files.args...)
	id, err := t.runScalar(ctx, what, "secret-add", args)
	if err != nil {
		return "", err
	}
	if id == "" {
		return "", fmt.Errorf("%s: no secret ID in the output", what)
	}
	return id, nil
}

// SecretSet updates a secret this unit owns: new content (a new revision,
// passed through private files as for SecretAdd) and/or new label and
// description. An application-owned secret needs the leader. Updating
// nothing makes no call.
//
// Juju applies the update when the hook succeeds.
func (t *Tools) SecretSet(ctx context.Context, id string, content map[string]string, opt SecretOptions) error {
	what := "secret-set " + id
	if len(content) == 0 && opt.Label == "" && opt.Description == "" {
		return nil
	}
	args := append([]string{id}, secretMetaArgs(opt)...)
	if len(content) > 0 {
		files, err := writeSecretFiles(what, content)
		if err != nil {
			return err
		}
		defer files.remove()
		args = append(args, "--")
		args = append(args, files.args...)
	}
	_, err := t.run(ctx, what, "secret-set", args, nil)
	return err
}

// secretMetaArgs are the --label and --description flags of opt.
func secretMetaArgs(opt SecretOptions) []string {
	var args []string
	if opt.Label != "" {
		args = append(args, "--label", opt.Label)
	}
	if opt.Description != "" {
		args = append(args, "--description", opt.Description)
	}
	return args
}

// SecretGet reads a secret's content, by ID or by label (either may be
// empty, not both; given both, the label is attached to the ID). A consumer
// reads the revision it is pinned to (the first read pins the latest);
// opt.Refresh moves the pin to the latest, opt.Peek reads the latest once.
func (t *Tools) SecretGet(ctx context.Context, id, label string, opt SecretGetOptions) (map[string]string, error) {
	what := "secret-get " + secretRef(id, label)
	var args []string
	if id != "" {
		args = append(args, id)
	}
	if label != "" {
		args = append(args, "--label", label)
	}
	if opt.Peek {
		args = append(args, "--peek")
	}
	if opt.Refresh {
		args = append(args, "--refresh")
	}
	args = append(args, "--format=json")
	out, err := t.run(ctx, what, "secret-get", args, nil)
	if err != nil {
		return nil, err
	}
	return decodeStringMap(what, out)
}

// SecretGrant lets the remote application of relation relID read a secret
// this unit owns, or only one of its units when unit is not empty.
//
// Juju applies the grant when the hook succeeds.
func (t *Tools) SecretGrant(ctx context.Context, id, relID, unit string) error {
	args := []string{id, "-r", relID}
	if unit != "" {
		args = append(args, "--unit", unit)
	}
	_, err := t.run(ctx, "secret-grant "+id, "secret-grant", args, nil)
	return err
}

// SecretRevoke withdraws a grant: from the remote application of relation
// relID, or from one unit. Juju applies it when the hook succeeds.
func (t *Tools) SecretRevoke(ctx context.Context, id, relID, unit string) error {
	args := []string{id}
	if relID != "" {
		args = append(args, "-r", relID)
	}
	if unit != "" {
		args = append(args, "--unit", unit)
	}
	_, err := t.run(ctx, "secret-revoke "+id, "secret-revoke", args, nil)
	return err
}

// SecretRemove removes a secret this unit owns, or only one of its
// revisions when revision > 0. Juju applies it when the hook succeeds.
func (t *Tools) SecretRemove(ctx context.Context, id string, revision int) error {
	args := []string{id}
	if revision > 0 {
		args = append(args, "--revision", strconv.Itoa(revision))
	}
	_, err := t.run(ctx, "secret-remove "+id, "secret-remove", args, nil)
	return err
}

// SecretIDs lists the IDs ("secret:...") of the secrets this unit owns, and
// of the application's secrets when it is the leader.
func (t *Tools) SecretIDs(ctx context.Context) ([]string, error) {
	var ids []string
	if err := t.runJSON(ctx, "secret-ids", "secret-ids", []string{"--format=json"}, &ids); err != nil {
		return nil, err
	}
	for i, id := range ids {
		ids[i] = canonicalSecretID(id)
	}
	sort.Strings(ids)
	return ids, nil
}

// SecretInfoGet reads the metadata of a secret this unit owns, by ID or by
// label (exactly one of them).
func (t *Tools) SecretInfoGet(ctx context.Context, id, label string) (SecretInfo, error) {
	what := "secret-info-get " + secretRef(id, label)
	args := []string{"--format=json"}
	if id != "" {
		args = append(args, id)
	}
	if label != "" {
		args = append(args, "--label", label)
	}
	var all map[string]struct {
		Revision    int    `json:"revision"`
		Label       string `json:"label"`
		Owner       string `json:"owner"`
		Description string `json:"description"`
		Rotation    string `json:"rotation"`
		Expiry      string `json:"expiry"`
	}
	out, err := t.run(ctx, what, "secret-info-get", args, nil)
	if err != nil {
		return SecretInfo{}, err
	}
	if err := json.Unmarshal(out, &all); err != nil {
		return SecretInfo{}, fmt.Errorf("%s: decode output: %w", what, err)
	}
	if len(all) != 1 {
		return SecretInfo{}, fmt.Errorf("%s: want one secret in the output, got %d", what, len(all))
	}
	var info SecretInfo
	for k, v := range all {
		info = SecretInfo{
			ID:          canonicalSecretID(k),
			Label:       v.Label,
			Owner:       v.Owner,
			Description: v.Description,
			Revision:    v.Revision,
			Rotation:    v.Rotation,
			Expiry:      v.Expiry,
		}
	}
	return info, nil
}

// canonicalSecretID turns a bare secret ID, as secret-ids and
// secret-info-get print it, into the "secret:<id>" URI form.
func canonicalSecretID(id string) string {
	if id == "" || strings.HasPrefix(id, "secret:") {
		return id
	}
	return "secret:" + id
}

// secretRef names a secret in error messages.
func secretRef(id, label string) string {
	if id != "" {
		return id
	}
	return "label " + label
}
