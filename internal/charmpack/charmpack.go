// Package charmpack builds a Juju charm archive (a .charm file) with the Go
// standard library and a YAML parser, so the charm can be packed without
// charmcraft.
//
// An archive holds the charm directory's metadata.yaml, config.yaml,
// actions.yaml, lxd-profile.yaml, icon.svg and README.md, a generated
// manifest.yaml listing the Ubuntu bases, and the dispatch binary. Juju does
// not add the execute bit to dispatch when it unpacks a charm, so the archive
// records mode 0755 for it in the zip header; every other entry is 0644.
//
// Packing is deterministic: entries are sorted by name and all carry the same
// fixed modification time, so packing the same inputs twice with the same Go
// toolchain gives byte-identical archives.
//
// Before writing anything, Pack checks what Juju would otherwise reject at
// deploy time: YAML that does not parse, metadata without name, summary or
// description, metadata v1 keys next to a manifest, malformed endpoints,
// config options with an unknown type or a default of the wrong type, bad
// action names, LXD profile keys Juju refuses, an icon that is not SVG, and a
// dispatch that is missing or not executable.
package charmpack

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Files are the files copied from the charm directory into every archive.
// All of them must exist.
var Files = []string{
	"README.md",
	"actions.yaml",
	"config.yaml",
	"icon.svg",
	"lxd-profile.yaml",
	"metadata.yaml",
}

// Base is one platform the charm runs on, as manifest.yaml records it.
type Base struct {
	Name          string   `yaml:"name"`
	Channel       string   `yaml:"channel"`
	Architectures []string `yaml:"architectures"`
}

// Bases are the platforms written to manifest.yaml: the dispatch binary is
// static, so one archive serves Ubuntu 22.04 and 24.04 alike (the operator
// picks one with `juju deploy --base`).
var Bases = []Base{
	{Name: "ubuntu", Channel: "22.04", Architectures: []string{"amd64"}},
	{Name: "ubuntu", Channel: "24.04", Architectures: []string{"amd64"}},
}

// ModTime is the modification time recorded for every entry. It is fixed so
// that archives do not depend on when, or from which checkout, they were
// built.
var ModTime = time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC)

// Names of the generated entries.
const (
	dispatchName = "dispatch"
	manifestName = "manifest.yaml"
)

// entry is one file of the archive.
type entry struct {
	name string
	mode fs.FileMode
	data []byte
}

// Pack checks the charm in dir and the dispatch binary, then writes the
// archive to w. Nothing is written if a check fails.
func Pack(w io.Writer, dir, dispatch string) error {
	entries, err := collect(dir, dispatch)
	if err != nil {
		return err
	}
	return write(w, entries)
}

// PackFile packs like [Pack] into the file out, which appears complete or not
// at all: the archive is written to a temporary file beside it, synced and
// renamed into place. The file gets mode 0644.
func PackFile(out, dir, dispatch string) (err error) {
	entries, err := collect(dir, dispatch)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".*")
	if err != nil {
		return fmt.Errorf("create archive: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := write(tmp, entries); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	return nil
}

// collect reads and checks every input and returns the archive's entries,
// sorted by name.
func collect(dir, dispatch string) ([]entry, error) {
	checks := map[string]func([]byte) error{
		"metadata.yaml":    checkMetadata,
		"config.yaml":      checkConfig,
		"actions.yaml":     checkActions,
		"lxd-profile.yaml": checkLXDProfile,
		"icon.svg":         checkIcon,
	}
	var entries []entry
	for _, name := range Files {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("charm file: %w", err)
		}
		if check := checks[name]; check != nil {
			if err := check(data); err != nil {
				return nil, fmt.Errorf("%s: %w", filepath.Join(dir, name), err)
			}
		}
		entries = append(entries, entry{name: name, mode: 0o644, data: data})
	}

	bin, err := readDispatch(dispatch)
	if err != nil {
		return nil, err
	}
	entries = append(entries, entry{name: dispatchName, mode: 0o755, data: bin})

	manifest, err := yaml.Marshal(struct {
		Bases []Base `yaml:"bases"`
	}{Bases})
	if err != nil {
		return nil, fmt.Errorf("generate %s: %w", manifestName, err)
	}
	entries = append(entries, entry{name: manifestName, mode: 0o644, data: manifest})

	sort.Slice(entries, func(i, j int) bool { return entries[i].name < entries[j].name })
	return entries, nil
}

// readDispatch returns the dispatch binary, refusing one that is missing, not
// a regular file or not executable: Juju would unpack it and then fail every
// hook.
func readDispatch(path string) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("dispatch: %w", err)
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("dispatch %s: not a regular file", path)
	}
	if info.Mode().Perm()&0o111 == 0 {
		return nil, fmt.Errorf("dispatch %s: not executable (mode %v)", path, info.Mode().Perm())
	}
	if info.Size() == 0 {
		return nil, fmt.Errorf("dispatch %s: empty file", path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("dispatch: %w", err)
	}
	return data, nil
}

// write writes entries, already sorted, as a Deflate zip archive.
func write(w io.Writer, entries []entry) error {
	zw := zip.NewWriter(w)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate, Modified: ModTime}
		h.SetMode(e.mode)
		f, err := zw.CreateHeader(h)
		if err != nil {
			return fmt.Errorf("add %s: %w", e.name, err)
		}
		if _, err := f.Write(e.data); err != nil {
			return fmt.Errorf("add %s: %w", e.name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("finish archive: %w", err)
	}
	return nil
}

// parseMap decodes a YAML document whose top level must be a mapping.
func parseMap(data []byte) (map[string]any, error) {
	var m map[string]any
	if err := yaml.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, errors.New("empty document")
	}
	return m, nil
}

// checkMetadata checks metadata.yaml as Juju reads it next to a manifest
// (metadata format v2).
func checkMetadata(data []byte) error {
	m, err := parseMap(data)
	if err != nil {
		return err
	}
	for _, key := range []string{"name", "summary", "description"} {
		s, ok := m[key].(string)
		if !ok || strings.TrimSpace(s) == "" {
			return fmt.Errorf("%s: required, must be a non-empty string", key)
		}
	}
	// Juju refuses metadata v1 keys in a charm that has a manifest.
	for _, key := range []string{"series", "min-juju-version", "deployment"} {
		if _, ok := m[key]; ok {
			return fmt.Errorf("%s: metadata v1 key; platforms belong in manifest.yaml", key)
		}
	}
	seen := map[string]string{}
	for _, role := range []string{"provides", "requires", "peers"} {
		raw, ok := m[role]
		if !ok {
			continue
		}
		eps, ok := raw.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: must be a mapping of endpoints", role)
		}
		for name, v := range eps {
			if other, dup := seen[name]; dup {
				return fmt.Errorf("%s.%s: endpoint also declared under %s", role, name, other)
			}
			seen[name] = role
			if err := checkEndpoint(v); err != nil {
				return fmt.Errorf("%s.%s: %w", role, name, err)
			}
		}
	}
	return nil
}

// checkEndpoint checks one relation endpoint declaration.
func checkEndpoint(v any) error {
	ep, ok := v.(map[string]any)
	if !ok {
		return errors.New("must be a mapping with an interface")
	}
	if s, ok := ep["interface"].(string); !ok || s == "" {
		return errors.New("interface: required")
	}
	if scope, ok := ep["scope"]; ok && scope != "global" && scope != "container" {
		return fmt.Errorf("scope: must be global or container, not %v", scope)
	}
	return nil
}

// checkConfig checks config.yaml: every option has a known type and, when it
// has a default, a default of that type.
func checkConfig(data []byte) error {
	m, err := parseMap(data)
	if err != nil {
		return err
	}
	opts, ok := m["options"].(map[string]any)
	if !ok {
		return errors.New("options: required, must be a mapping")
	}
	for name, v := range opts {
		opt, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("options.%s: must be a mapping", name)
		}
		typ, _ := opt["type"].(string)
		def, hasDefault := opt["default"]
		if !hasDefault || def == nil {
			switch typ {
			case "string", "int", "float", "boolean", "secret":
				continue
			}
			return fmt.Errorf("options.%s: unknown type %q", name, typ)
		}
		var good bool
		switch typ {
		case "string":
			_, good = def.(string)
		case "int":
			_, good = def.(int)
		case "float":
			switch def.(type) {
			case int, float64:
				good = true
			}
		case "boolean":
			_, good = def.(bool)
		case "secret":
			return fmt.Errorf("options.%s: a secret option cannot have a default", name)
		default:
			return fmt.Errorf("options.%s: unknown type %q", name, typ)
		}
		if !good {
			return fmt.Errorf("options.%s: default %v does not match type %s", name, def, typ)
		}
	}
	return nil
}

// actionName is the form Juju accepts for action names.
var actionName = regexp.MustCompile(`^[a-z](?:[a-z-]*[a-z])?$`)

// checkActions checks actions.yaml: valid names, each a mapping.
func checkActions(data []byte) error {
	m, err := parseMap(data)
	if err != nil {
		return err
	}
	for name, v := range m {
		if !actionName.MatchString(name) || strings.HasPrefix(name, "juju-") {
			return fmt.Errorf("%q: not a valid action name", name)
		}
		if v == nil {
			continue
		}
		if _, ok := v.(map[string]any); !ok {
			return fmt.Errorf("%s: must be a mapping", name)
		}
	}
	return nil
}

// checkLXDProfile applies Juju's rules for a charm's LXD profile: no boot*,
// limits* or migration* config, and only unix-char, unix-block, gpu and usb
// devices.
func checkLXDProfile(data []byte) error {
	var p struct {
		Description string                       `yaml:"description"`
		Config      map[string]string            `yaml:"config"`
		Devices     map[string]map[string]string `yaml:"devices"`
	}
	if err := yaml.Unmarshal(data, &p); err != nil {
		return err
	}
	if len(p.Config) == 0 && len(p.Devices) == 0 {
		return errors.New("empty profile: neither config nor devices")
	}
	for key := range p.Config {
		for _, bad := range []string{"boot", "limits", "migration"} {
			if strings.HasPrefix(key, bad) {
				return fmt.Errorf("config.%s: not allowed in a charm profile", key)
			}
		}
	}
	for name, dev := range p.Devices {
		switch dev["type"] {
		case "unix-char", "unix-block", "gpu", "usb":
		default:
			return fmt.Errorf("devices.%s: type %q not allowed in a charm profile", name, dev["type"])
		}
	}
	return nil
}

// checkIcon checks that icon.svg is well-formed XML with an svg root element.
func checkIcon(data []byte) error {
	d := xml.NewDecoder(bytes.NewReader(data))
	var root string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("not well-formed XML: %w", err)
		}
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
		}
	}
	if root != "svg" {
		return fmt.Errorf("root element is %q, want svg", root)
	}
	return nil
}
