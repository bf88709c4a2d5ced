// Package checklist holds the checks of the security-checklist action: the
// OpenStack Security Guide audits that the OpenStack charms run through
// charm-helpers (contrib/openstack/audits), applied to Octavia.
//
// The upstream Octavia charm has no such action; the other OpenStack charms
// (cinder, glance, keystone, neutron-api, nova-cloud-controller, ...) do, and
// this one behaves like them: each check has a name, passes or fails with a
// reason, and the action reports "PASS" or "FAIL - <reason>" per check and
// fails with "One or more tests failed" (see ActionOutput). Names are
// charm-helpers' where a counterpart exists: validate-file-ownership,
// validate-file-permissions, validate-uses-keystone,
// validate-uses-tls-for-keystone, and validate-enables-tls (neutron-api's
// check that the API serves TLS). validate-uses-tls-for-glance does not
// apply: Octavia reaches Glance through the catalog, with no api_servers.
//
// The checks are pure: the caller gathers Facts (stat of files, values read
// from octavia.conf, booleans about secrets) and Run judges them. Facts hold
// no secret, so no Detail can show one.
package checklist

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// Paths the checks know by name; they match what the charm renders.
const (
	// ConfigDir is Octavia's configuration directory.
	ConfigDir = "/etc/octavia"
	// ConfPath is octavia.conf, which holds passwords, the heartbeat key and
	// the passphrases.
	ConfPath = ConfigDir + "/octavia.conf"
	// IssuingCAKeyPath is the private key of the CA that signs amphora
	// certificates.
	IssuingCAKeyPath = ConfigDir + "/certs/issuing_ca_key.pem"
)

// Owner and Group own Octavia's configuration: root may write it, the
// services (group octavia) may only read it.
const (
	Owner = "root"
	Group = "octavia"
)

// FailMessage is the action's failure message when any check fails, as in
// charm-helpers.
const FailMessage = "One or more tests failed"

// Check names.
const (
	DebugDisabled           = "validate-debug-disabled"
	EnablesTLS              = "validate-enables-tls"
	FileOwnership           = "validate-file-ownership"
	FilePermissions         = "validate-file-permissions"
	HeartbeatKeyNotDefault  = "validate-heartbeat-key-not-default"
	IssuingCAKeyPermissions = "validate-issuing-ca-key-permissions"
	OctaviaConfPermissions  = "validate-octavia-conf-permissions"
	PassphrasesNotDefault   = "validate-passphrases-not-default"
	UsesKeystone            = "validate-uses-keystone"
	UsesTLSForKeystone      = "validate-uses-tls-for-keystone"
)

// FileFact is what the caller found at one path.
type FileFact struct {
	// Path is absolute.
	Path string
	// Exists is false when the caller looked and found nothing.
	Exists bool
	// Mode is the file mode as lstat reports it: type bits and permissions.
	Mode fs.FileMode
	// Owner and Group are names, not ids.
	Owner, Group string
	// Secret marks a file holding secret material (a private key, a
	// password) outside the paths this package knows. octavia.conf and the
	// issuing CA key are always treated as secret.
	Secret bool
}

// Facts is what the checks judge, gathered by the caller.
type Facts struct {
	// APIServesTLS: the API endpoints published to Keystone are https.
	APIServesTLS bool
	// KeystoneURLIsTLS: [keystone_authtoken] and [service_auth] auth_url
	// are https.
	KeystoneURLIsTLS bool
	// KeystoneInsecure: [keystone_authtoken] insecure is true (certificates
	// not verified).
	KeystoneInsecure bool
	// AuthStrategy is [api_settings] auth_strategy as rendered.
	AuthStrategy string
	// DebugEnabled is [DEFAULT] debug.
	DebugEnabled bool
	// HeartbeatKeyInsecure: [health_manager] heartbeat_key is empty or a
	// published default (see InsecureDefault).
	HeartbeatKeyInsecure bool
	// ServerCertsKeyPassphraseInsecure: [certificates]
	// server_certs_key_passphrase is empty or Octavia's default.
	ServerCertsKeyPassphraseInsecure bool
	// CAKeyPassphraseInsecure: [certificates] ca_private_key_passphrase is a
	// published default. An empty one (an unencrypted key) is not a failure:
	// the passphrase would sit beside the key in the same directory.
	CAKeyPassphraseInsecure bool
	// Files are the facts about ConfigDir, everything under it, and any
	// other secret file the charm writes.
	Files []FileFact
}

// Result is the outcome of one check.
type Result struct {
	// Name is the check's name, e.g. validate-file-permissions.
	Name string
	// Pass is true when the check passed.
	Pass bool
	// Detail says what was found: why it failed, or what passed.
	Detail string
}

// insecureDefaults are values published as defaults or examples: Octavia's
// server_certs_key_passphrase default, the heartbeat key of kolla-ansible,
// OpenStack-Helm and devstack, and the CA passphrase of devstack and
// OpenStack-Helm.
var insecureDefaults = map[string]bool{
	"insecure":                         true,
	"insecure-key-do-not-use-this-key": true,
	"not-secure-passphrase":            true,
}

// InsecureDefault reports whether a heartbeat key or passphrase is empty or
// one of the published insecure defaults ("insecure",
// "insecure-key-do-not-use-this-key", "not-secure-passphrase"). The caller
// uses it to fill the *Insecure facts, so that no secret reaches Facts.
func InsecureDefault(value string) bool {
	return value == "" || insecureDefaults[value]
}

// Run runs every check and returns the results sorted by name.
func Run(f Facts) []Result {
	rs := []Result{
		debugDisabled(f),
		enablesTLS(f),
		fileOwnership(f),
		filePermissions(f),
		heartbeatKeyNotDefault(f),
		issuingCAKeyPermissions(f),
		octaviaConfPermissions(f),
		passphrasesNotDefault(f),
		usesKeystone(f),
		usesTLSForKeystone(f),
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].Name < rs[j].Name })
	return rs
}

// Summary counts passed and failed results.
func Summary(rs []Result) (passed, failed int) {
	for _, r := range rs {
		if r.Pass {
			passed++
		} else {
			failed++
		}
	}
	return passed, failed
}

// ActionOutput returns the action results as charm-helpers sets them: check
// name → "PASS" or "FAIL - <detail>". When any check failed the action also
// fails with FailMessage.
func ActionOutput(rs []Result) map[string]string {
	out := make(map[string]string, len(rs))
	for _, r := range rs {
		if r.Pass {
			out[r.Name] = "PASS"
		} else {
			out[r.Name] = "FAIL - " + r.Detail
		}
	}
	return out
}

func pass(name, detail string) Result { return Result{Name: name, Pass: true, Detail: detail} }
func fail(name, detail string) Result { return Result{Name: name, Detail: detail} }

func debugDisabled(f Facts) Result {
	if f.DebugEnabled {
		return fail(DebugDisabled, "debug is on ([DEFAULT] debug = true); set the debug option to false")
	}
	return pass(DebugDisabled, "debug is off")
}

func enablesTLS(f Facts) Result {
	if !f.APIServesTLS {
		return fail(EnablesTLS, "the API endpoints are plain http; relate certificates or set the ssl_* options")
	}
	return pass(EnablesTLS, "the API endpoints are https")
}

func usesKeystone(f Facts) Result {
	switch f.AuthStrategy {
	case "keystone":
		return pass(UsesKeystone, "[api_settings] auth_strategy is keystone")
	case "":
		return fail(UsesKeystone, "[api_settings] auth_strategy is not set")
	}
	return fail(UsesKeystone, fmt.Sprintf("[api_settings] auth_strategy is %q, not keystone", f.AuthStrategy))
}

func usesTLSForKeystone(f Facts) Result {
	var problems []string
	if !f.KeystoneURLIsTLS {
		problems = append(problems, "Keystone is reached over plain http")
	}
	if f.KeystoneInsecure {
		problems = append(problems, "Keystone's certificate is not verified ([keystone_authtoken] insecure)")
	}
	if len(problems) > 0 {
		return fail(UsesTLSForKeystone, strings.Join(problems, "; "))
	}
	return pass(UsesTLSForKeystone, "Keystone is reached over https with certificate verification")
}

func heartbeatKeyNotDefault(f Facts) Result {
	if f.HeartbeatKeyInsecure {
		return fail(HeartbeatKeyNotDefault, "[health_manager] heartbeat_key is empty or a published default")
	}
	return pass(HeartbeatKeyNotDefault, "[health_manager] heartbeat_key is not a published default")
}

func passphrasesNotDefault(f Facts) Result {
	var bad []string
	if f.ServerCertsKeyPassphraseInsecure {
		bad = append(bad, "server_certs_key_passphrase")
	}
	if f.CAKeyPassphraseInsecure {
		bad = append(bad, "ca_private_key_passphrase")
	}
	if len(bad) > 0 {
		return fail(PassphrasesNotDefault, "[certificates] "+strings.Join(bad, " and ")+": empty or a published default")
	}
	return pass(PassphrasesNotDefault, "[certificates] passphrases are not published defaults")
}

// clean returns the facts that exist, keyed by cleaned path, in path order;
// the first fact wins for a path given twice.
func clean(files []FileFact) []FileFact {
	seen := map[string]bool{}
	var out []FileFact
	for _, ff := range files {
		ff.Path = path.Clean(ff.Path)
		if !ff.Exists || seen[ff.Path] {
			continue
		}
		seen[ff.Path] = true
		out = append(out, ff)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

func find(files []FileFact, p string) (FileFact, bool) {
	for _, ff := range clean(files) {
		if ff.Path == p {
			return ff, true
		}
	}
	return FileFact{}, false
}

func underConfigDir(p string) bool {
	return p == ConfigDir || strings.HasPrefix(p, ConfigDir+"/")
}

// secret reports a file holding secrets: a known one or one the caller marked.
func secret(ff FileFact) bool {
	return ff.Secret || ff.Path == ConfPath || ff.Path == IssuingCAKeyPath
}

// audited returns the facts the file checks look at: ConfigDir, everything
// under it, and every secret file.
func audited(files []FileFact) []FileFact {
	var out []FileFact
	for _, ff := range clean(files) {
		if underConfigDir(ff.Path) || secret(ff) {
			out = append(out, ff)
		}
	}
	return out
}

// problems collects "path: what" findings and shows the first few.
type problems []string

func (p *problems) add(format string, args ...any) { *p = append(*p, fmt.Sprintf(format, args...)) }

func (p problems) String() string {
	const shown = 3
	if len(p) <= shown {
		return strings.Join(p, "; ")
	}
	return fmt.Sprintf("%s; and %d more", strings.Join(p[:shown], "; "), len(p)-shown)
}

func perm(m fs.FileMode) string { return fmt.Sprintf("%04o", m.Perm()) }

func fileOwnership(f Facts) Result {
	if _, ok := find(f.Files, ConfigDir); !ok {
		return fail(FileOwnership, ConfigDir+" not found")
	}
	var bad problems
	files := audited(f.Files)
	for _, ff := range files {
		if ff.Owner != Owner {
			bad.add("%s: owner %s, want %s", ff.Path, ff.Owner, Owner)
		}
		strict := ff.Path == ConfigDir || secret(ff)
		switch {
		case strict && ff.Group != Group:
			bad.add("%s: group %s, want %s", ff.Path, ff.Group, Group)
		case !strict && ff.Group != Group && ff.Group != "root":
			bad.add("%s: group %s, want %s or root", ff.Path, ff.Group, Group)
		}
	}
	if len(bad) > 0 {
		return fail(FileOwnership, bad.String())
	}
	return pass(FileOwnership, fmt.Sprintf("%d paths owned by %s; %s and secret files group %s", len(files), Owner, ConfigDir, Group))
}

// filePermissions judges everything but octavia.conf and the issuing CA
// key, which have checks of their own. ConfigDir must be 0750 or stricter,
// as the Security Guide asks (charm-helpers' FILE_ASSERTIONS); inside it,
// secret files must be 0640 or stricter and nothing may be group or world
// writable. Other files may be world readable, as the packages ship them:
// the directory already keeps others out. Symbolic links are not judged.
func filePermissions(f Facts) Result {
	if _, ok := find(f.Files, ConfigDir); !ok {
		return fail(FilePermissions, ConfigDir+" not found")
	}
	var bad problems
	n := 0
	for _, ff := range audited(f.Files) {
		if ff.Path == ConfPath || ff.Path == IssuingCAKeyPath || ff.Mode&fs.ModeSymlink != 0 {
			continue
		}
		n++
		p := ff.Mode.Perm()
		switch {
		case ff.Path == ConfigDir:
			if p&^0o750 != 0 {
				bad.add("%s: mode %s, want 0750 or stricter", ff.Path, perm(ff.Mode))
			}
		case secret(ff):
			if p&^0o640 != 0 {
				bad.add("%s: mode %s, want 0640 or stricter (secret)", ff.Path, perm(ff.Mode))
			}
		default:
			if p&0o022 != 0 {
				bad.add("%s: mode %s is group or world writable", ff.Path, perm(ff.Mode))
			}
		}
	}
	if len(bad) > 0 {
		return fail(FilePermissions, bad.String())
	}
	return pass(FilePermissions, fmt.Sprintf("%s 0750 or stricter; %d paths checked", ConfigDir, n))
}

func octaviaConfPermissions(f Facts) Result {
	ff, ok := find(f.Files, ConfPath)
	switch {
	case !ok:
		return fail(OctaviaConfPermissions, ConfPath+" not found")
	case !ff.Mode.IsRegular():
		return fail(OctaviaConfPermissions, ConfPath+" is not a regular file")
	case ff.Mode.Perm()&^0o640 != 0:
		return fail(OctaviaConfPermissions, fmt.Sprintf("%s: mode %s, want 0640 or stricter (no world access)", ConfPath, perm(ff.Mode)))
	}
	return pass(OctaviaConfPermissions, fmt.Sprintf("%s: mode %s", ConfPath, perm(ff.Mode)))
}

// issuingCAKeyPermissions wants the key read-only, 0440 or stricter, as the
// upstream charm writes it. A unit without the key (no amphora driver)
// passes.
func issuingCAKeyPermissions(f Facts) Result {
	ff, ok := find(f.Files, IssuingCAKeyPath)
	switch {
	case !ok:
		return pass(IssuingCAKeyPermissions, IssuingCAKeyPath+" not present")
	case !ff.Mode.IsRegular():
		return fail(IssuingCAKeyPermissions, IssuingCAKeyPath+" is not a regular file")
	case ff.Mode.Perm()&^0o440 != 0:
		return fail(IssuingCAKeyPermissions, fmt.Sprintf("%s: mode %s, want 0440 or stricter (read-only, no world access)", IssuingCAKeyPath, perm(ff.Mode)))
	}
	return pass(IssuingCAKeyPermissions, fmt.Sprintf("%s: mode %s", IssuingCAKeyPath, perm(ff.Mode)))
}
