package jujutest

import "maps"

// Pending are the writes Juju defers until the hook succeeds.
type Pending struct {
	// UnitData and AppData are relation-set writes by relation id; an
	// empty value deletes the key.
	UnitData map[string]map[string]string `json:"unit-data,omitempty"` // the unit's own bags
	AppData  map[string]map[string]string `json:"app-data,omitempty"`  // the application's bags (leader)
	// State holds state-set (value) and state-delete (null) writes.
	State map[string]*string `json:"state,omitempty"`
	// OpenPorts and ClosePorts are open-port and close-port requests.
	OpenPorts  []Port `json:"open-ports,omitempty"`  // open-port requests
	ClosePorts []Port `json:"close-ports,omitempty"` // close-port requests
	// SecretCreates are secrets added in this hook (revision 1).
	SecretCreates []*Secret `json:"secret-creates,omitempty"`
	// SecretUpdates are secret-set calls, by bare id.
	SecretUpdates map[string]*SecretUpdate `json:"secret-updates,omitempty"`
	// SecretGrants and SecretRevokes are grant changes.
	SecretGrants  []SecretGrantChange `json:"secret-grants,omitempty"`  // secret-grant calls
	SecretRevokes []SecretGrantChange `json:"secret-revokes,omitempty"` // secret-revoke calls
	// SecretRemoves are secret-remove calls.
	SecretRemoves []SecretRemoval `json:"secret-removes,omitempty"`
}

// SecretUpdate is a pending secret-set: new content (base64 values; nil to
// keep it) and new metadata (nil to keep).
type SecretUpdate struct {
	Content     map[string]string `json:"content,omitempty"`     // the next revision's content
	Label       *string           `json:"label,omitempty"`       // new owner label
	Description *string           `json:"description,omitempty"` // new description
	Rotate      *string           `json:"rotate,omitempty"`      // new rotation policy
	Expire      *string           `json:"expire,omitempty"`      // new expiry (RFC 3339)
}

// SecretGrantChange is a pending secret-grant or secret-revoke.
type SecretGrantChange struct {
	ID string `json:"id"` // the secret's bare id
	SecretGrant
}

// SecretRemoval is a pending secret-remove (Revision 0: the whole secret).
type SecretRemoval struct {
	ID       string `json:"id"`                 // the secret's bare id
	Revision int    `json:"revision,omitempty"` // the revision to remove; 0 for all
}

// commit applies the context's deferred writes to the model. The caller
// holds the model lock.
func (c *Context) commit() {
	m, p, unit := c.m, &c.st.Pending, c.st.Unit
	for id, changes := range p.UnitData {
		if r := m.Relations[id]; r != nil {
			if r.LocalUnits[unit] == nil {
				r.LocalUnits[unit] = map[string]string{}
			}
			applyBag(r.LocalUnits[unit], changes)
		}
	}
	for id, changes := range p.AppData {
		if r := m.Relations[id]; r != nil {
			applyBag(r.LocalAppData, changes)
		}
	}
	if u := m.Units[unit]; u != nil {
		if u.State == nil {
			u.State = map[string]string{}
		}
		for k, v := range p.State {
			if v == nil {
				delete(u.State, k)
			} else {
				u.State[k] = *v
			}
		}
		u.Ports = mergePorts(u.Ports, p.OpenPorts, p.ClosePorts)
	}
	for _, s := range p.SecretCreates {
		m.Secrets[s.ID] = s
	}
	for id, up := range p.SecretUpdates {
		s := m.Secrets[id]
		if s == nil {
			continue
		}
		if up.Content != nil {
			s.addRevision(up.Content)
		}
		setIf(&s.Label, up.Label)
		setIf(&s.Description, up.Description)
		setIf(&s.Rotate, up.Rotate)
		setIf(&s.Expire, up.Expire)
	}
	for _, g := range p.SecretGrants {
		if s := m.Secrets[g.ID]; s != nil && !hasGrant(s, g.SecretGrant) {
			s.Grants = append(s.Grants, g.SecretGrant)
		}
	}
	for _, g := range p.SecretRevokes {
		if s := m.Secrets[g.ID]; s != nil {
			s.Grants = revokeGrant(s.Grants, g.SecretGrant)
		}
	}
	for _, rm := range p.SecretRemoves {
		s := m.Secrets[rm.ID]
		if s == nil {
			continue
		}
		if rm.Revision == 0 {
			delete(m.Secrets, rm.ID)
			continue
		}
		kept := s.Revisions[:0]
		for _, r := range s.Revisions {
			if r.Revision != rm.Revision {
				kept = append(kept, r)
			}
		}
		s.Revisions = kept
		if len(s.Revisions) == 0 {
			delete(m.Secrets, rm.ID)
		}
	}
}

// applyBag applies relation-set changes: an empty value deletes.
func applyBag(bag, changes map[string]string) {
	for k, v := range changes {
		if v == "" {
			delete(bag, k)
		} else {
			bag[k] = v
		}
	}
}

// overlay returns bag with pending changes applied, without touching bag.
func overlay(bag, changes map[string]string) map[string]string {
	out := maps.Clone(bag)
	if out == nil {
		out = map[string]string{}
	}
	applyBag(out, changes)
	return out
}

func setIf(dst *string, v *string) {
	if v != nil {
		*dst = *v
	}
}

func hasGrant(s *Secret, g SecretGrant) bool {
	for _, e := range s.Grants {
		if e == g {
			return true
		}
	}
	return false
}

// revokeGrant drops the grants matching g: an application revoke drops the
// application's grants and its units'; a unit revoke drops the unit's.
func revokeGrant(grants []SecretGrant, g SecretGrant) []SecretGrant {
	kept := grants[:0]
	for _, e := range grants {
		switch {
		case g.Unit != "" && e.Unit == g.Unit:
		case g.Unit == "" && g.App != "" && (e.App == g.App || unitApp(e.Unit) == g.App):
		default:
			kept = append(kept, e)
		}
	}
	return kept
}
