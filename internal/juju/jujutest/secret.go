package jujutest

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"maps"
	"strings"
)

// Secret is a Juju secret: its owner, metadata, revisions, the revision
// each consuming unit is pinned to, and the grants that let consumers read
// it.
type Secret struct {
	// ID is the bare id; the URI is "secret:" + ID.
	ID string `json:"id"`
	// OwnerKind is "application" or "unit".
	OwnerKind string `json:"owner-kind"`
	// Owner is the owning application or unit name.
	Owner       string `json:"owner"`
	Label       string `json:"label,omitempty"`       // the owner's label
	Description string `json:"description,omitempty"` // free text
	Rotate      string `json:"rotate,omitempty"`      // rotation policy
	Expire      string `json:"expire,omitempty"`      // expiry (RFC 3339)
	// Revisions, oldest first; content values are base64, as Juju stores
	// them.
	Revisions []SecretRevision `json:"revisions"`
	// Consumers are the units reading the secret, by unit name.
	Consumers map[string]*SecretConsumer `json:"consumers,omitempty"`
	// Grants let applications or units read the secret.
	Grants []SecretGrant `json:"grants,omitempty"`
}

// SecretRevision is one revision's content (values base64-encoded).
type SecretRevision struct {
	Revision int               `json:"revision"` // 1, 2, ...
	Content  map[string]string `json:"content"`  // key -> base64 value
}

// SecretConsumer is a consuming unit's view: its label for the secret and
// the revision it is pinned to.
type SecretConsumer struct {
	Label    string `json:"label,omitempty"` // the consumer's label
	Revision int    `json:"revision"`        // the pinned revision
}

// SecretGrant lets App (every unit) or Unit read the secret, for the life
// of relation RelationID.
type SecretGrant struct {
	RelationID string `json:"relation-id"`    // the grant lapses with the relation
	App        string `json:"app,omitempty"`  // every unit of this application
	Unit       string `json:"unit,omitempty"` // or only this unit
}

// URI is the secret's "secret:<id>" form.
func (s *Secret) URI() string { return "secret:" + s.ID }

// LatestRevision is the newest revision number (0 for none).
func (s *Secret) LatestRevision() int {
	if len(s.Revisions) == 0 {
		return 0
	}
	return s.Revisions[len(s.Revisions)-1].Revision
}

// Content returns revision rev decoded (rev 0: the latest).
func (s *Secret) Content(rev int) (map[string]string, error) {
	r := s.revision(rev)
	if r == nil {
		return nil, fmt.Errorf("secret %s: no revision %d", s.URI(), rev)
	}
	return decodeContent(r.Content)
}

func (s *Secret) revision(rev int) *SecretRevision {
	if rev == 0 {
		rev = s.LatestRevision()
	}
	for i := range s.Revisions {
		if s.Revisions[i].Revision == rev {
			return &s.Revisions[i]
		}
	}
	return nil
}

// addRevision appends content (base64 values) as a new revision, unless it
// equals the latest one.
func (s *Secret) addRevision(content map[string]string) {
	if last := s.revision(0); last != nil && maps.Equal(last.Content, content) {
		return
	}
	s.Revisions = append(s.Revisions, SecretRevision{Revision: s.LatestRevision() + 1, Content: maps.Clone(content)})
}

// ownedBy reports whether unit owns the secret: any unit of the owning
// application for an application secret, the owning unit for a unit secret.
func (s *Secret) ownedBy(unit string) bool {
	if s.OwnerKind == "unit" {
		return s.Owner == unit
	}
	return s.Owner == unitApp(unit)
}

// grantedTo reports whether a grant lets unit read the secret.
func (s *Secret) grantedTo(unit string) bool {
	for _, g := range s.Grants {
		if g.Unit == unit || (g.Unit == "" && g.App == unitApp(unit)) {
			return true
		}
	}
	return false
}

// AddSecret adds a secret, as if created earlier, owned by owner: an
// application name (an application secret; it may be a remote
// application's) or a unit name (a unit secret). It returns the URI.
func (m *Model) AddSecret(owner string, content map[string]string, label string) string {
	kind := "application"
	if strings.Contains(owner, "/") {
		kind = "unit"
	}
	s := &Secret{ID: m.newSecretID(), OwnerKind: kind, Owner: owner, Label: label}
	s.addRevision(encodeContent(content))
	m.Secrets[s.ID] = s
	return s.URI()
}

// SetSecretContent adds a revision to a secret, as its owner would.
func (m *Model) SetSecretContent(uri string, content map[string]string) {
	m.mustSecret(uri).addRevision(encodeContent(content))
}

// GrantSecret grants a secret over relation relID, as its owner would: to
// unit when not empty, else to the application at the other end from the
// owner (the remote application for the charm's own secrets, the charm's
// application for a remote application's secret).
func (m *Model) GrantSecret(uri, relID, unit string) {
	s := m.mustSecret(uri)
	r := m.Relations[relID]
	if r == nil {
		panic(fmt.Sprintf("jujutest: no relation %q", relID))
	}
	g := SecretGrant{RelationID: relID, App: r.RemoteApp}
	if unitApp(s.Owner) == r.RemoteApp {
		g.App = m.App
	}
	if unit != "" {
		g = SecretGrant{RelationID: relID, Unit: unit}
	}
	s.Grants = append(s.Grants, g)
}

// Secret returns the secret with this URI or bare id, or nil.
func (m *Model) Secret(uri string) *Secret {
	return m.Secrets[strings.TrimPrefix(uri, "secret:")]
}

// SecretByLabel returns the secret with this owner label, or nil.
func (m *Model) SecretByLabel(label string) *Secret {
	for _, id := range sortedKeys(m.Secrets) {
		if s := m.Secrets[id]; s.Label == label {
			return s
		}
	}
	return nil
}

func (m *Model) mustSecret(uri string) *Secret {
	s := m.Secret(uri)
	if s == nil {
		panic(fmt.Sprintf("jujutest: no secret %q", uri))
	}
	return s
}

// newSecretID makes a 20-character id in Juju's alphabet (0-9, a-v),
// deterministic for a model.
func (m *Model) newSecretID() string {
	const alphabet = "0123456789abcdefghijklmnopqrstuv"
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s/secret/%d", m.UUID, m.nextSeq())))
	id := make([]byte, 20)
	for i := range id {
		id[i] = alphabet[sum[i]%32]
	}
	return string(id)
}

func encodeContent(content map[string]string) map[string]string {
	out := make(map[string]string, len(content))
	for k, v := range content {
		out[k] = base64.StdEncoding.EncodeToString([]byte(v))
	}
	return out
}

func decodeContent(content map[string]string) (map[string]string, error) {
	out := make(map[string]string, len(content))
	for k, v := range content {
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return nil, fmt.Errorf("secret key %q: %w", k, err)
		}
		out[k] = string(b)
	}
	return out, nil
}
