package jujutest

import (
	"fmt"
	"strings"
)

// ownedSecret finds a secret the context's unit owns: created in this hook
// (pending is true) or committed. It returns nil if there is none.
func (c *Context) ownedSecret(id string) (s *Secret, pending bool) {
	for _, p := range c.st.Pending.SecretCreates {
		if p.ID == id {
			return p, true
		}
	}
	if s := c.m.Secrets[id]; s != nil && s.ownedBy(c.st.Unit) {
		return s, false
	}
	return nil, false
}

// checkManage is Juju's check before changing an owned secret: an
// application secret needs the leader.
func (c *Context) checkManage(id string) (*Secret, bool, error) {
	s, pending := c.ownedSecret(id)
	if s == nil {
		if c.m.Secrets[id] != nil {
			return nil, false, failf("permission denied")
		}
		return nil, false, failf("secret %q not found", id)
	}
	if s.OwnerKind == "application" && !c.leader() {
		return nil, false, failf(errNotLeader)
	}
	return s, pending, nil
}

// secretMetadata are the secrets whose metadata the unit sees (secret-ids,
// secret-info-get): its own unit secrets, the application's when it leads,
// and those created in this hook, with pending label and description
// changes applied.
func (c *Context) secretMetadata() map[string]Secret {
	out := map[string]Secret{}
	for id, s := range c.m.Secrets {
		if !s.ownedBy(c.st.Unit) || (s.OwnerKind == "application" && !c.leader()) {
			continue
		}
		md := *s
		if up := c.st.Pending.SecretUpdates[id]; up != nil {
			setIf(&md.Label, up.Label)
			setIf(&md.Description, up.Description)
			setIf(&md.Rotate, up.Rotate)
			setIf(&md.Expire, up.Expire)
		}
		out[id] = md
	}
	for _, s := range c.st.Pending.SecretCreates {
		out[s.ID] = *s
	}
	return out
}

// checkLabel refuses a label another secret of the same owner has.
func (c *Context) checkLabel(label, ownerKind, owner, except string) error {
	if label == "" {
		return nil
	}
	all := append([]*Secret(nil), c.st.Pending.SecretCreates...)
	for _, s := range c.m.Secrets {
		all = append(all, s)
	}
	for _, s := range all {
		lbl := s.Label
		if up := c.st.Pending.SecretUpdates[s.ID]; up != nil && up.Label != nil {
			lbl = *up.Label
		}
		if s.ID != except && s.OwnerKind == ownerKind && s.Owner == owner && lbl == label {
			return failf("secret with label %q already exists", label)
		}
	}
	return nil
}

func secretAddTool() toolSpec {
	return toolSpec{
		flags: secretUpsertFlags,
		run: func(inv *invocation) error {
			if len(inv.args) < 1 && inv.flags.str("file") == "" {
				return usagef("missing secret value or filename")
			}
			u, err := parseSecretUpsert(inv, inv.args)
			if err != nil {
				return err
			}
			if len(u.content) == 0 {
				return failf("empty secret value not valid")
			}
			c := inv.c
			s := &Secret{OwnerKind: u.owner, Owner: c.m.App, Label: u.label, Description: u.description, Rotate: u.rotate, Expire: u.expire}
			if u.owner == "unit" {
				s.Owner = c.st.Unit
			} else if !c.leader() {
				return failf(errNotLeader)
			}
			if err := c.checkLabel(u.label, s.OwnerKind, s.Owner, ""); err != nil {
				return err
			}
			s.ID = c.m.newSecretID()
			s.Revisions = []SecretRevision{{Revision: 1, Content: u.content}}
			c.st.Pending.SecretCreates = append(c.st.Pending.SecretCreates, s)
			fmt.Fprintln(inv.stdout, s.URI())
			return nil
		},
	}
}

func secretSetTool() toolSpec {
	return toolSpec{
		flags: secretUpsertFlags,
		run: func(inv *invocation) error {
			id, err := inv.secretURI()
			if err != nil {
				return err
			}
			u, err := parseSecretUpsert(inv, inv.args[1:])
			if err != nil {
				return err
			}
			c := inv.c
			s, pending, err := c.checkManage(id)
			if err != nil {
				return err
			}
			if err := c.checkLabel(u.label, s.OwnerKind, s.Owner, s.ID); err != nil {
				return err
			}
			if pending {
				if u.content != nil {
					s.Revisions[0].Content = u.content
				}
				s.Label, s.Description = orKeep(u.label, s.Label), orKeep(u.description, s.Description)
				s.Rotate, s.Expire = orKeep(u.rotate, s.Rotate), orKeep(u.expire, s.Expire)
				return nil
			}
			if c.st.Pending.SecretUpdates == nil {
				c.st.Pending.SecretUpdates = map[string]*SecretUpdate{}
			}
			up := c.st.Pending.SecretUpdates[id]
			if up == nil {
				up = &SecretUpdate{}
				c.st.Pending.SecretUpdates[id] = up
			}
			if u.content != nil {
				up.Content = u.content
			}
			for _, f := range []struct {
				v   string
				dst **string
			}{{u.label, &up.Label}, {u.description, &up.Description}, {u.rotate, &up.Rotate}, {u.expire, &up.Expire}} {
				if f.v != "" {
					v := f.v
					*f.dst = &v
				}
			}
			return nil
		},
	}
}

func orKeep(v, old string) string {
	if v != "" {
		return v
	}
	return old
}

func secretGetTool() toolSpec {
	return toolSpec{
		format:  "yaml",
		formats: []string{"yaml", "json"},
		flags: func(*Context) []flagDef {
			return []flagDef{
				{names: []string{"label"}, kind: stringFlag},
				{names: []string{"peek"}, kind: boolFlag},
				{names: []string{"refresh"}, kind: boolFlag},
			}
		},
		run: func(inv *invocation) error {
			id, label, args, err := inv.secretTarget()
			if err != nil {
				return err
			}
			peek, refresh := inv.flags.bool("peek"), inv.flags.bool("refresh")
			if peek && refresh {
				return usagef("specify one of --peek or --refresh but not both")
			}
			key := ""
			if len(args) > 0 {
				key, args = args[0], args[1:]
			}
			if err := checkEmpty(args); err != nil {
				return err
			}
			content, err := inv.c.getSecret(id, label, refresh, peek)
			if err != nil {
				return err
			}
			if key == "" {
				values, err := decodeContent(content)
				if err != nil {
					return failf("%v", err)
				}
				return inv.write(values)
			}
			raw, wantBase64 := strings.CutSuffix(key, "#base64")
			v, ok := content[raw]
			if !ok {
				return failf("secret key %q not found", raw)
			}
			if wantBase64 {
				return inv.write(v)
			}
			values, err := decodeContent(map[string]string{raw: v})
			if err != nil {
				return failf("%v", err)
			}
			return inv.write(values[raw])
		},
	}
}

// getSecret returns a secret's content (base64 values) as Juju's
// HookContext.GetSecret and the controller do: content created or (with
// --peek/--refresh) updated in this hook first; then an owner reads the
// latest revision, and a consumer with a grant reads the revision it is
// pinned to (its first read pins the latest; --refresh moves the pin;
// --peek reads the latest without pinning).
func (c *Context) getSecret(id, label string, refresh, peek bool) (map[string]string, error) {
	unit := c.st.Unit
	for _, s := range c.st.Pending.SecretCreates {
		if (id != "" && s.ID == id) || (label != "" && s.Label == label) {
			if id != "" && label != "" && s.ID == id {
				s.Label = label
			}
			return s.Revisions[0].Content, nil
		}
	}
	if refresh || peek {
		for sid, up := range c.st.Pending.SecretUpdates {
			lbl := ""
			if s := c.m.Secrets[sid]; s != nil {
				lbl = s.Label
			}
			if up.Label != nil {
				lbl = *up.Label
			}
			if ((id != "" && sid == id) || (label != "" && lbl == label)) && up.Content != nil {
				return up.Content, nil
			}
		}
	}
	var s *Secret
	switch {
	case id != "":
		if s = c.m.Secrets[id]; s == nil {
			return nil, failf("secret %q not found", id)
		}
	default:
		for _, sid := range sortedKeys(c.m.Secrets) {
			cand := c.m.Secrets[sid]
			if cand.ownedBy(unit) && cand.Label == label {
				s = cand
				break
			}
			if cons := cand.Consumers[unit]; cons != nil && cons.Label == label {
				s = cand
				break
			}
		}
		if s == nil {
			return nil, failf("secret with label %q not found", label)
		}
	}
	if s.ownedBy(unit) {
		if id != "" && label != "" {
			s.Label = label
		}
		return s.revision(0).Content, nil
	}
	if !s.grantedTo(unit) {
		return nil, failf("permission denied")
	}
	latest := s.LatestRevision()
	cons := s.Consumers[unit]
	if peek {
		if cons != nil && id != "" && label != "" {
			cons.Label = label
		}
		return s.revision(latest).Content, nil
	}
	if cons == nil {
		cons = &SecretConsumer{Revision: latest}
		if s.Consumers == nil {
			s.Consumers = map[string]*SecretConsumer{}
		}
		s.Consumers[unit] = cons
	}
	if id != "" && label != "" {
		cons.Label = label
	}
	if refresh {
		cons.Revision = latest
	}
	rev := s.revision(cons.Revision)
	if rev == nil {
		return nil, failf("secret %q revision %d not found", s.ID, cons.Revision)
	}
	return rev.Content, nil
}

func secretInfoGetTool() toolSpec {
	return toolSpec{
		format:  "yaml",
		formats: []string{"yaml", "json"},
		flags: func(*Context) []flagDef {
			return []flagDef{{names: []string{"label"}, kind: stringFlag}}
		},
		run: func(inv *invocation) error {
			id, label, args, err := inv.secretTarget()
			if err != nil {
				return err
			}
			if id != "" && label != "" {
				return usagef("specify either a secret URI or label but not both")
			}
			if err := checkEmpty(args); err != nil {
				return err
			}
			all := inv.c.secretMetadata()
			want := id
			if id == "" {
				want = label
				for _, sid := range sortedKeys(all) {
					if all[sid].Label == label {
						id = sid
						break
					}
				}
			}
			md, ok := all[id]
			if !ok {
				return failf("secret %q not found", want)
			}
			info := map[string]any{
				"revision": md.LatestRevision(),
				"label":    md.Label,
				"owner":    md.OwnerKind,
			}
			if md.Description != "" {
				info["description"] = md.Description
			}
			if md.Rotate != "" {
				info["rotation"] = md.Rotate
			}
			if md.Expire != "" {
				info["expiry"] = md.Expire
			}
			return inv.write(map[string]any{id: info})
		},
	}
}

func secretIDsTool() toolSpec {
	return toolSpec{
		format: "smart",
		run: func(inv *invocation) error {
			if err := checkEmpty(inv.args); err != nil {
				return err
			}
			var ids []string
			for _, id := range sortedKeys(inv.c.secretMetadata()) {
				ids = append(ids, id)
			}
			return inv.write(ids)
		},
	}
}

func secretGrantTool() toolSpec {
	return toolSpec{
		flags: func(c *Context) []flagDef {
			return []flagDef{{names: []string{"unit"}, kind: stringFlag}, relationFlag(c)}
		},
		run: func(inv *invocation) error {
			id, err := inv.secretURI()
			if err != nil {
				return err
			}
			r := inv.relation()
			if r == nil {
				return usagef("no relation id specified")
			}
			unit := inv.flags.str("unit")
			if unit != "" {
				if !validUnitName(unit) {
					return usagef("unit %q not valid", unit)
				}
				if unitApp(unit) != r.RemoteApp {
					return usagef("cannot specify unit %q in relation to application %q", unit, r.RemoteApp)
				}
			}
			if err := checkEmpty(inv.args[1:]); err != nil {
				return err
			}
			c := inv.c
			if s, _ := c.ownedSecret(id); s == nil {
				return failf("secret %q not found", id)
			}
			s, _, err := c.checkManage(id)
			if err != nil {
				return err
			}
			g := SecretGrant{RelationID: r.ID, App: r.RemoteApp}
			if unit != "" {
				g = SecretGrant{RelationID: r.ID, Unit: unit}
			}
			existing := append([]SecretGrant(nil), s.Grants...)
			for _, p := range c.st.Pending.SecretGrants {
				if p.ID == id {
					existing = append(existing, p.SecretGrant)
				}
			}
			for _, e := range existing {
				if e.RelationID != g.RelationID {
					continue
				}
				switch {
				case e == g:
					return nil
				case e.Unit == "":
					return nil // the application already has access
				case g.Unit == "" && unitApp(e.Unit) == g.App:
					return failf("any unit level grants need to be revoked before granting access to the corresponding application")
				}
			}
			c.st.Pending.SecretGrants = append(c.st.Pending.SecretGrants, SecretGrantChange{ID: id, SecretGrant: g})
			return nil
		},
	}
}

func secretRevokeTool() toolSpec {
	return toolSpec{
		flags: func(c *Context) []flagDef {
			return []flagDef{
				{names: []string{"app", "application"}, kind: stringFlag},
				{names: []string{"unit"}, kind: stringFlag},
				relationFlag(c),
			}
		},
		run: func(inv *invocation) error {
			id, err := inv.secretURI()
			if err != nil {
				return err
			}
			app, unit := inv.flags.str("app"), inv.flags.str("unit")
			if app != "" && !validAppName(app) {
				return usagef("application %q not valid", app)
			}
			if unit != "" && !validUnitName(unit) {
				return usagef("unit %q not valid", unit)
			}
			if app != "" && unit != "" {
				return usagef("specify only one of application or unit")
			}
			if r := inv.relation(); r != nil {
				if app != "" {
					return usagef("do not specify both relation and app")
				}
				app = r.RemoteApp
			}
			if app == "" && unit == "" {
				return usagef("missing relation or application or unit")
			}
			if err := checkEmpty(inv.args[1:]); err != nil {
				return err
			}
			c := inv.c
			if _, _, err := c.checkManage(id); err != nil {
				return err
			}
			g := SecretGrant{App: app}
			if unit != "" {
				g = SecretGrant{Unit: unit}
			}
			c.st.Pending.SecretRevokes = append(c.st.Pending.SecretRevokes, SecretGrantChange{ID: id, SecretGrant: g})
			return nil
		},
	}
}

func secretRemoveTool() toolSpec {
	return toolSpec{
		flags: func(*Context) []flagDef {
			return []flagDef{{names: []string{"revision"}, kind: intFlag}}
		},
		run: func(inv *invocation) error {
			id, err := inv.secretURI()
			if err != nil {
				return err
			}
			if err := checkEmpty(inv.args[1:]); err != nil {
				return err
			}
			c := inv.c
			s, pending, err := c.checkManage(id)
			if err != nil {
				return err
			}
			rev := inv.flags.int("revision")
			if rev > 0 && s.revision(rev) == nil {
				return failf("secret %q revision %d not found", id, rev)
			}
			if pending {
				kept := c.st.Pending.SecretCreates[:0]
				for _, p := range c.st.Pending.SecretCreates {
					if p.ID != id {
						kept = append(kept, p)
					}
				}
				c.st.Pending.SecretCreates = kept
				return nil
			}
			c.st.Pending.SecretRemoves = append(c.st.Pending.SecretRemoves, SecretRemoval{ID: id, Revision: rev})
			return nil
		},
	}
}

// secretTarget reads the secret a tool acts on: a URI as the first argument
// or the --label flag (one of them is required). It returns the remaining
// arguments.
func (inv *invocation) secretTarget() (id, label string, args []string, err error) {
	args = inv.args
	if len(args) > 0 {
		if id, err = parseSecretURI(args[0]); err != nil {
			return "", "", nil, usagef("%v", err)
		}
		args = args[1:]
	}
	label = inv.flags.str("label")
	if id == "" && label == "" {
		return "", "", nil, usagef("require either a secret URI or label")
	}
	return id, label, args, nil
}

// secretURI reads the secret URI a tool requires as its first argument.
func (inv *invocation) secretURI() (string, error) {
	if len(inv.args) < 1 {
		return "", usagef("missing secret URI")
	}
	id, err := parseSecretURI(inv.args[0])
	if err != nil {
		return "", usagef("%v", err)
	}
	return id, nil
}
