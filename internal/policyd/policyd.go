// Package policyd reads the policyd-override resource: a ZIP file of YAML
// policy rules that, while the use-policyd-override option is true, the
// charm installs in Octavia's policy.d directory, where oslo.policy layers
// them over the service's defaults.
//
// It reproduces charm-helpers' contrib/openstack/policyd.py as the upstream
// charm uses it (policyd_service_name "octavia", no blacklisted paths, no
// extra blacklisted keys, no template function, restart on change), so a
// resource that works with the upstream charm works here, with these
// differences, each a fix:
//
//   - admin_required and cloud_admin are refused. charm-helpers means to
//     refuse them always (POLICYD_ALWAYS_BLACKLISTED_KEYS) but appends the
//     tuple as one list element, so its check never matches.
//   - A key defined twice in one file is refused (PyYAML keeps the last).
//   - Files with a template extension (.j2, .tmpl, .tpl) are accepted when
//     they contain no Jinja delimiters and are then plain YAML. Upstream
//     refuses every template file, since the Octavia charm has no template
//     function ("Template <file> but no template_function is available");
//     nothing here renders templates, so a file that uses template syntax is
//     refused too.
//   - Entries under the __MACOSX/ folder that macOS archivers add are
//     skipped; upstream would try to read their AppleDouble bytes as YAML.
//   - Resource size, entry count and total uncompressed size are bounded.
//
// Load does no I/O: the caller reads the resource and writes the files.
package policyd

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Names the feature shares with every OpenStack charm.
const (
	// ResourceName is the charm resource holding the ZIP file.
	ResourceName = "policyd-override"
	// ConfigOption is the boolean option that turns overrides on.
	ConfigOption = "use-policyd-override"
	// Dir is Octavia's policy.d directory.
	Dir = "/etc/octavia/policy.d"
)

// Limits on a resource, against ZIP bombs and mistakes.
const (
	// MaxResourceSize bounds the ZIP file itself.
	MaxResourceSize = 8 << 20
	// MaxEntries bounds the entries in the ZIP, ignored ones included.
	MaxEntries = 1000
	// MaxFiles bounds the policy files in the ZIP.
	MaxFiles = 100
	// MaxTotalSize bounds the uncompressed bytes of all policy files.
	MaxTotalSize = 1 << 20
)

// Extensions are the policy file extensions, compared case-insensitively;
// other files in the ZIP are ignored. The last three are template
// extensions in charm-helpers.
var extensions = []string{".yaml", ".yml", ".j2", ".tmpl", ".tpl"}

// templateExtensions mark files charm-helpers would pass to a template
// function.
var templateExtensions = map[string]bool{".j2": true, ".tmpl": true, ".tpl": true}

// blacklistedKeys may never be overridden: they define what "admin" means
// across the cloud.
var blacklistedKeys = map[string]bool{"admin_required": true, "cloud_admin": true}

// File is one policy file to install.
type File struct {
	// Path is the absolute path: the directory given to Files, the file's
	// name without its extension, and ".yaml".
	Path string
	// Data is the file's rules re-marshalled as a YAML mapping with sorted
	// keys.
	Data []byte
}

// Overrides is a validated resource. The zero value holds no files.
type Overrides struct {
	files []policyFile // sorted by name
}

type policyFile struct {
	name string // base name without extension
	data []byte
}

// Names returns the installed file names, without directory or extension,
// sorted.
func (o Overrides) Names() []string {
	names := make([]string, len(o.files))
	for i, f := range o.files {
		names[i] = f.name
	}
	return names
}

// Files returns the files to install in dir (normally Dir), sorted by path.
// Every name gets the extension ".yaml", as upstream writes them; the
// directories of the ZIP are flattened away. Each call returns new slices.
func (o Overrides) Files(dir string) []File {
	files := make([]File, len(o.files))
	for i, f := range o.files {
		files[i] = File{Path: path.Join(dir, f.name+".yaml"), Data: bytes.Clone(f.data)}
	}
	return files
}

// Hash identifies the rendered files: equal hashes mean equal names and
// bytes. It is a hex SHA-256, for restart decisions.
func (o Overrides) Hash() string {
	h := sha256.New()
	var n [8]byte
	for _, f := range o.files {
		binary.BigEndian.PutUint64(n[:], uint64(len(f.name)))
		h.Write(n[:])
		h.Write([]byte(f.name))
		binary.BigEndian.PutUint64(n[:], uint64(len(f.data)))
		h.Write(n[:])
		h.Write(f.data)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// StatusPrefix returns what precedes the workload status message: "" when
// overrides are disabled, "PO: " when they are applied, and "PO (broken): "
// when the resource could not be applied (err is the reason, e.g. from
// Load, or a missing resource). Upstream formats "{prefix} {message}" with
// the prefixes "PO:" and "PO (broken):".
func StatusPrefix(enabled bool, err error) string {
	switch {
	case !enabled:
		return ""
	case err != nil:
		return "PO (broken): "
	default:
		return "PO: "
	}
}

// ErrNoResource is the reason to give StatusPrefix when overrides are
// enabled but no resource is attached (upstream shows "PO (broken):").
var ErrNoResource = errors.New("no " + ResourceName + " resource attached")

// Load validates a policyd-override resource and returns the files it
// installs.
//
// The resource must be a ZIP file. Entries are flattened: only the base name
// counts and directories are ignored. Entries whose extension is not one of
// .yaml, .yml, .j2, .tmpl or .tpl (any case) are ignored; at least one must
// be present, and no two may share a name once the extension is dropped
// (a/x.yaml and b/x.yml collide). Each policy file must hold exactly one
// YAML document: a mapping of string rule names to string rules, without the
// keys admin_required and cloud_admin. A template file must not contain
// Jinja delimiters ({{, {%, {#).
//
// Errors name the entry and the key, never file contents, and are short: they
// are meant for the status line. Any error means nothing is installed.
func Load(zipBytes []byte) (Overrides, error) {
	switch {
	case len(zipBytes) == 0:
		return Overrides{}, errors.New("resource is empty")
	case len(zipBytes) > MaxResourceSize:
		return Overrides{}, fmt.Errorf("resource is larger than %d MiB", MaxResourceSize>>20)
	}
	r, err := zip.NewReader(bytes.NewReader(zipBytes), int64(len(zipBytes)))
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		// Flattening makes "../" names harmless, so ErrInsecurePath is not fatal.
		return Overrides{}, errors.New("not a valid ZIP file")
	}
	if len(r.File) > MaxEntries {
		return Overrides{}, fmt.Errorf("ZIP has %d entries, at most %d allowed", len(r.File), MaxEntries)
	}

	type entry struct {
		zf        *zip.File
		name, ext string
	}
	var entries []entry
	byName := map[string][]string{}
	for _, zf := range r.File {
		name, ext, ok := policyName(zf)
		if !ok {
			continue
		}
		entries = append(entries, entry{zf, name, ext})
		byName[name] = append(byName[name], zf.Name)
	}
	if len(entries) == 0 {
		return Overrides{}, fmt.Errorf("ZIP has no policy files (%s)", strings.Join(extensions, ", "))
	}
	if len(entries) > MaxFiles {
		return Overrides{}, fmt.Errorf("ZIP has %d policy files, at most %d allowed", len(entries), MaxFiles)
	}
	for _, e := range entries {
		if others := byName[e.name]; len(others) > 1 {
			return Overrides{}, fmt.Errorf("%s and %s both install %s",
				quote(others[0]), quote(others[1]), quote(e.name+".yaml"))
		}
	}

	remaining := int64(MaxTotalSize)
	files := make([]policyFile, 0, len(entries))
	for _, e := range entries {
		raw, err := readEntry(e.zf, remaining)
		if err != nil {
			return Overrides{}, fmt.Errorf("%s: %w", quote(e.zf.Name), err)
		}
		remaining -= int64(len(raw))
		if templateExtensions[e.ext] && hasTemplateSyntax(raw) {
			return Overrides{}, fmt.Errorf("%s: uses template syntax, which this charm does not render", quote(e.zf.Name))
		}
		data, err := parseRules(raw)
		if err != nil {
			return Overrides{}, fmt.Errorf("%s: %w", quote(e.zf.Name), err)
		}
		files = append(files, policyFile{name: e.name, data: data})
	}
	sort.Slice(files, func(i, j int) bool { return files[i].name < files[j].name })
	return Overrides{files: files}, nil
}

// policyName returns the flattened name of a policy file entry without its
// extension, and the extension in lower case; ok is false for entries to
// ignore. Extensions follow Python's os.path.splitext: leading dots are part
// of the name, so ".yaml" has none.
func policyName(zf *zip.File) (name, ext string, ok bool) {
	full := strings.ReplaceAll(zf.Name, `\`, "/")
	if strings.HasSuffix(full, "/") || zf.FileInfo().IsDir() {
		return "", "", false
	}
	if first, _, _ := strings.Cut(strings.TrimLeft(full, "/"), "/"); first == "__MACOSX" {
		return "", "", false
	}
	base := full[strings.LastIndex(full, "/")+1:]
	rest := strings.TrimLeft(base, ".")
	dot := strings.LastIndex(rest, ".")
	if dot < 0 {
		return "", "", false
	}
	ext = strings.ToLower(rest[dot:])
	for _, want := range extensions {
		if ext == want {
			return base[:len(base)-len(rest)+dot], ext, true
		}
	}
	return "", "", false
}

// readEntry returns an entry's bytes, refusing more than limit of them.
func readEntry(zf *zip.File, limit int64) ([]byte, error) {
	tooBig := fmt.Errorf("policy files exceed %d KiB uncompressed in total", MaxTotalSize>>10)
	if zf.Flags&0x1 != 0 {
		return nil, errors.New("encrypted entries are not supported")
	}
	if zf.UncompressedSize64 > uint64(limit) {
		return nil, tooBig
	}
	if !validName(zf.Name) {
		return nil, errors.New("name has control characters or is not UTF-8")
	}
	rc, err := zf.Open()
	if err != nil {
		if errors.Is(err, zip.ErrAlgorithm) {
			return nil, fmt.Errorf("unsupported compression method %d", zf.Method)
		}
		return nil, errors.New("corrupt ZIP entry")
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, limit+1))
	switch {
	case int64(len(data)) > limit:
		return nil, tooBig
	case errors.Is(err, zip.ErrChecksum):
		return nil, errors.New("corrupt ZIP entry (checksum mismatch)")
	case err != nil:
		return nil, errors.New("corrupt ZIP entry")
	}
	return data, nil
}

func validName(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// hasTemplateSyntax reports Jinja statement, expression or comment
// delimiters.
func hasTemplateSyntax(b []byte) bool {
	return bytes.Contains(b, []byte("{{")) || bytes.Contains(b, []byte("{%")) || bytes.Contains(b, []byte("{#"))
}

// yaml11Bools are plain scalars PyYAML (YAML 1.1, which oslo.policy and
// charm-helpers use) reads as booleans but YAML 1.2 reads as strings.
var yaml11Bools = map[string]bool{
	"yes": true, "Yes": true, "YES": true, "no": true, "No": true, "NO": true,
	"on": true, "On": true, "ON": true, "off": true, "Off": true, "OFF": true,
}

// parseRules checks that raw is one YAML document mapping strings to
// strings and returns it re-marshalled with sorted keys.
func parseRules(raw []byte) ([]byte, error) {
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("empty, not a mapping of policy rules")
		}
		return nil, yamlError(err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, yamlError(err)
		}
		return nil, errors.New("has more than one YAML document")
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode || root.ShortTag() != "!!map" {
		return nil, errors.New("not a mapping of policy rules")
	}
	rules := make(map[string]string, len(root.Content)/2)
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := resolve(root.Content[i]), resolve(root.Content[i+1])
		if k.ShortTag() == "!!merge" {
			return nil, errors.New("merge keys (<<) are not supported")
		}
		if !isString(k) {
			return nil, fmt.Errorf("line %d: key %s is not a string", k.Line, excerpt(k))
		}
		if blacklistedKeys[k.Value] {
			return nil, fmt.Errorf("key %s may not be overridden", quote(k.Value))
		}
		if _, dup := rules[k.Value]; dup {
			return nil, fmt.Errorf("key %s appears twice", quote(k.Value))
		}
		if !isString(v) {
			return nil, fmt.Errorf("value of %s is not a string", quote(k.Value))
		}
		rules[k.Value] = v.Value
	}
	out, err := yaml.Marshal(rules) // map keys are emitted sorted
	if err != nil {
		return nil, fmt.Errorf("re-marshal: %w", err)
	}
	return out, nil
}

// resolve follows an alias to the node it names.
func resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// isString reports a scalar that PyYAML's safe_load also reads as a string.
func isString(n *yaml.Node) bool {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		return false
	}
	plain := n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle|yaml.TaggedStyle) == 0
	return !(plain && yaml11Bools[n.Value])
}

// excerpt shows a non-string key: its scalar text, or its kind.
func excerpt(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode {
		return quote(n.Value)
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "(a mapping)"
	case yaml.SequenceNode:
		return "(a sequence)"
	}
	return "(not a scalar)"
}

// yamlError shortens a YAML syntax error to one line without the "yaml: "
// prefix. yaml.v3 syntax errors give a position, not the document's text.
func yamlError(err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.Join(strings.Fields(msg), " ")
	return fmt.Errorf("invalid YAML: %s", truncate(msg, 120))
}

// quote renders a name or key for an error: Go-quoted, control characters
// escaped, at most 64 characters of it.
func quote(s string) string { return fmt.Sprintf("%q", truncate(s, 64)) }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
