package reconcile

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"

	"charm-octavia/internal/juju"
	"charm-octavia/internal/octavia"
	"charm-octavia/internal/pki"
)

// Labels and keys of the two Juju secrets the leader shares. The material is
// split so that each secret stays small.
const (
	controlPlaneLabel = "octavia-control-plane"
	controllerLabel   = "octavia-controller-pki"

	keyHeartbeat         = "heartbeat-key"
	keyServerPassphrase  = "server-certs-key-passphrase"
	keyIssuingCert       = "issuing-ca-cert"
	keyIssuingKey        = "issuing-ca-key"
	keyIssuingPassphrase = "issuing-ca-key-passphrase"
	keyControllerCACert  = "controller-ca-cert"
	keyControllerCAKey   = "controller-ca-key"
	keyControllerCert    = "controller-cert"
	keyControllerKey     = "controller-key"
)

// shared returns the control-plane secrets for this pass. The leader
// generates them the first time (reusing the upstream charm's heartbeat key
// when it finds one, so running amphorae keep talking) and shares them as
// two application-owned Juju secrets whose ids it puts in leader settings;
// every unit reads them. A follower that cannot read them yet gets nil and
// waits.
func (u *Unit) shared(ctx context.Context, s *Snapshot) (*octavia.Shared, error) {
	cpID := s.LeaderSettings[octavia.LeaderControlPlaneSecret]
	ctlID := s.LeaderSettings[octavia.LeaderControllerSecret]
	if cpID != "" && ctlID != "" {
		cp, err1 := u.secret(ctx, s, cpID)
		ctl, err2 := u.secret(ctx, s, ctlID)
		if err1 == nil && err2 == nil {
			if sh, ok := sharedFrom(cp, ctl); ok {
				return sh, nil
			}
		}
		if !s.Leader {
			// Not there yet (the leader's hook has not committed it), or
			// unreadable: wait for the next event.
			return nil, nil
		}
		// The leader lost its secrets (a failed hook discarded them after
		// leader-set took effect): make new ones.
	}
	if !s.Leader {
		return nil, nil
	}
	return u.generateShared(ctx, s)
}

// secret reads a secret's content through the snapshot cache.
func (u *Unit) secret(ctx context.Context, s *Snapshot, id string) (map[string]string, error) {
	if c, ok := s.Secrets[id]; ok {
		return c, nil
	}
	c, err := u.Tools.SecretGet(ctx, id, "", juju.SecretGetOptions{})
	if err != nil {
		return nil, err
	}
	s.Secrets[id] = c
	return c, nil
}

func sharedFrom(cp, ctl map[string]string) (*octavia.Shared, bool) {
	sh := &octavia.Shared{
		HeartbeatKey:             cp[keyHeartbeat],
		ServerCertsKeyPassphrase: cp[keyServerPassphrase],
		PKI: pki.Bundle{
			IssuingCACert:       []byte(cp[keyIssuingCert]),
			IssuingCAKey:        []byte(cp[keyIssuingKey]),
			IssuingCAPassphrase: cp[keyIssuingPassphrase],
			ControllerCACert:    []byte(ctl[keyControllerCACert]),
			ControllerCAKey:     []byte(ctl[keyControllerCAKey]),
			ControllerCert:      []byte(ctl[keyControllerCert]),
			ControllerKey:       []byte(ctl[keyControllerKey]),
		},
	}
	for _, v := range []string{sh.HeartbeatKey, sh.ServerCertsKeyPassphrase, sh.PKI.IssuingCAPassphrase} {
		if v == "" {
			return nil, false
		}
	}
	for _, v := range [][]byte{sh.PKI.IssuingCACert, sh.PKI.IssuingCAKey, sh.PKI.ControllerCACert, sh.PKI.ControllerCert, sh.PKI.ControllerKey} {
		if len(v) == 0 {
			return nil, false
		}
	}
	return sh, true
}

// generateShared makes and shares the control-plane secrets (leader only).
func (u *Unit) generateShared(ctx context.Context, s *Snapshot) (*octavia.Shared, error) {
	random := u.Rand
	if random == nil {
		random = rand.Reader
	}
	heartbeat := octavia.UpstreamHeartbeatKey(s.LeaderSettings)
	if heartbeat == "" {
		var err error
		if heartbeat, err = randomHex(random, 32); err != nil {
			return nil, err
		}
	}
	passphrase, err := pki.NewPassphrase(random)
	if err != nil {
		return nil, fmt.Errorf("generate server certs passphrase: %w", err)
	}
	bundle, err := pki.Generate(random, u.now())
	if err != nil {
		return nil, fmt.Errorf("generate control-plane CA: %w", err)
	}
	cp := map[string]string{
		keyHeartbeat:         heartbeat,
		keyServerPassphrase:  passphrase,
		keyIssuingCert:       string(bundle.IssuingCACert),
		keyIssuingKey:        string(bundle.IssuingCAKey),
		keyIssuingPassphrase: bundle.IssuingCAPassphrase,
	}
	ctl := map[string]string{
		keyControllerCACert: string(bundle.ControllerCACert),
		keyControllerCAKey:  string(bundle.ControllerCAKey),
		keyControllerCert:   string(bundle.ControllerCert),
		keyControllerKey:    string(bundle.ControllerKey),
	}
	cpID, err := u.Tools.SecretAdd(ctx, cp, juju.SecretOptions{Label: controlPlaneLabel, Description: "Octavia heartbeat key, server certificate passphrase and amphora issuing CA"})
	if err != nil {
		return nil, err
	}
	ctlID, err := u.Tools.SecretAdd(ctx, ctl, juju.SecretOptions{Label: controllerLabel, Description: "Octavia controller CA and client certificate"})
	if err != nil {
		return nil, err
	}
	ids := map[string]string{octavia.LeaderControlPlaneSecret: cpID, octavia.LeaderControllerSecret: ctlID}
	if err := u.Tools.LeaderSet(ctx, ids); err != nil {
		return nil, err
	}
	for k, v := range ids {
		s.LeaderSettings[k] = v
	}
	s.Secrets[cpID], s.Secrets[ctlID] = cp, ctl
	u.Logf("generated the control-plane secrets and the amphora dual CA")
	sh, _ := sharedFrom(cp, ctl)
	return sh, nil
}

func randomHex(r io.Reader, n int) (string, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("generate heartbeat key: %w", err)
	}
	return hex.EncodeToString(b), nil
}
