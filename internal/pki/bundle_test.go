package pki

import (
	"bytes"
	"encoding/pem"
	"testing"
	"time"
)

func TestControllerBundleIsCertThenKey(t *testing.T) {
	b := fixture(t).gen
	got := b.ControllerBundle()
	first, rest := pem.Decode(got)
	second, rest := pem.Decode(rest)
	if first == nil || second == nil || first.Type != "CERTIFICATE" || second.Type != "PRIVATE KEY" || len(bytes.TrimSpace(rest)) != 0 {
		t.Fatalf("ControllerBundle is not one CERTIFICATE then one PRIVATE KEY")
	}
	// A certificate without a final newline still yields separate blocks.
	b.ControllerCert = bytes.TrimRight(b.ControllerCert, "\n")
	if !bytes.Contains(b.ControllerBundle(), []byte("-----\n-----BEGIN PRIVATE KEY")) {
		t.Error("key not on its own line after a certificate without final newline")
	}
}

func TestExpiries(t *testing.T) {
	w := fixture(t)
	got, err := w.gen.Expiries()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]time.Time{
		ExpiryIssuingCA:      testNow.AddDate(10, 0, 0),
		ExpiryControllerCA:   testNow.AddDate(10, 0, 0),
		ExpiryControllerCert: testNow.AddDate(2, 0, 0),
	}
	if len(got) != len(want) {
		t.Errorf("Expiries has %d entries, want %d", len(got), len(want))
	}
	for k, v := range want {
		if !got[k].Equal(v) {
			t.Errorf("Expiries[%q] = %v, want %v", k, got[k], v)
		}
	}

	// A chain expires with its first certificate to expire.
	short := caTemplate("Short-lived CA")
	short.NotAfter = testNow.AddDate(1, 0, 0)
	key := newECKey(t)
	b := w.gen
	b.IssuingCACert = append(bytes.Clone(b.IssuingCACert), certPEM(mustSign(t, short, nil, key, key))...)
	got, err = b.Expiries()
	if err != nil {
		t.Fatal(err)
	}
	if !got[ExpiryIssuingCA].Equal(short.NotAfter) {
		t.Errorf("chain expiry %v, want %v", got[ExpiryIssuingCA], short.NotAfter)
	}

	b.ControllerCert = nil
	if _, err := b.Expiries(); err == nil {
		t.Error("Expiries without a controller certificate succeeded")
	}
}
