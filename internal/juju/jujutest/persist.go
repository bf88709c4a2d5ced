package jujutest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Save writes the model, open contexts included, as JSON to path. The file
// holds secret content, so it is written 0600, atomically (temp file and
// rename).
func (m *Model) Save(path string) error {
	m.mu.Lock()
	b, err := json.MarshalIndent(m, "", "  ")
	m.mu.Unlock()
	if err != nil {
		return fmt.Errorf("save model: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".jujutest-*")
	if err != nil {
		return fmt.Errorf("save model: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("save model %s: %w", path, err)
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("save model %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save model %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("save model %s: %w", path, err)
	}
	return nil
}

// Load reads a model saved by Save. Numbers in config and action
// parameters come back as json.Number, which prints as written.
func Load(path string) (*Model, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load model: %w", err)
	}
	m := &Model{}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(m); err != nil {
		return nil, fmt.Errorf("load model %s: %w", path, err)
	}
	m.normalize()
	return m, nil
}

// normalize makes the maps a loaded model may lack.
func (m *Model) normalize() {
	if m.Units == nil {
		m.Units = map[string]*Unit{}
	}
	if m.LeaderData == nil {
		m.LeaderData = map[string]string{}
	}
	if m.Relations == nil {
		m.Relations = map[string]*Relation{}
	}
	if m.Secrets == nil {
		m.Secrets = map[string]*Secret{}
	}
	if m.Resources == nil {
		m.Resources = map[string]string{}
	}
	if m.Contexts == nil {
		m.Contexts = map[string]*ContextState{}
	}
	for _, u := range m.Units {
		if u.State == nil {
			u.State = map[string]string{}
		}
	}
	for _, r := range m.Relations {
		for _, bag := range []*map[string]string{&r.RemoteAppData, &r.LocalAppData} {
			if *bag == nil {
				*bag = map[string]string{}
			}
		}
		for _, bags := range []*map[string]map[string]string{&r.RemoteUnits, &r.DepartedUnits, &r.LocalUnits} {
			if *bags == nil {
				*bags = map[string]map[string]string{}
			}
		}
	}
	for _, st := range m.Contexts {
		if st.Calls == nil {
			st.Calls = map[string]int{}
		}
		if st.Action != nil && st.Action.Results == nil {
			st.Action.Results = map[string]any{}
		}
	}
}
