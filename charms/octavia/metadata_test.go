package octavia

import (
	"bytes"
	"encoding/xml"
	"io"
	"io/fs"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The tables below are the compatibility contract with the upstream charm,
// openstack/charm-octavia at c2cd8a4 (src/metadata.yaml, src/config.yaml,
// src/actions.yaml merged with layer:openstack, layer:openstack-principle and
// layer:openstack-api, minus the deleted verbose and use-syslog). They are
// written from upstream, not from this directory's files: a difference is a
// broken bundle somewhere.

// endpoint is one relation endpoint as upstream declares it.
type endpoint struct {
	role, iface, scope string // scope "" is global
}

var upstreamEndpoints = map[string]endpoint{
	"shared-db":            {"requires", "mysql-shared", ""},
	"amqp":                 {"requires", "rabbitmq", ""},
	"identity-service":     {"requires", "keystone", ""},
	"ha":                   {"requires", "hacluster", "container"},
	"certificates":         {"requires", "tls-certificates", ""},
	"neutron-api":          {"requires", "neutron-load-balancer", ""},
	"neutron-openvswitch":  {"requires", "neutron-plugin", "container"},
	"ovsdb-subordinate":    {"requires", "ovsdb-subordinate", "container"},
	"ovsdb-cms":            {"requires", "ovsdb-cms", ""},
	"nrpe-external-master": {"provides", "nrpe-external-master", "container"},
	"cluster":              {"peers", "openstack-ha", ""},
}

// option is one config option: its type and, if it has one, its default.
type option struct {
	typ        string
	hasDefault bool
	def        any
}

func str(s string) option   { return option{"string", true, s} }
func num(i int) option      { return option{"int", true, i} }
func flag(b bool) option    { return option{"boolean", true, b} }
func unset(t string) option { return option{typ: t} }

var upstreamOptions = map[string]option{
	// charm-octavia src/config.yaml (27)
	"loadbalancer-topology":             str("SINGLE"),
	"lb-mgmt-issuing-cacert":            unset("string"),
	"lb-mgmt-issuing-ca-private-key":    unset("string"),
	"lb-mgmt-issuing-ca-key-passphrase": unset("string"),
	"lb-mgmt-controller-cacert":         unset("string"),
	"lb-mgmt-controller-cert":           unset("string"),
	"custom-amp-flavor-id":              unset("string"),
	"create-mgmt-network":               flag(true),
	"amp-image-tag":                     str("octavia-amphora"),
	"amp-image-owner-id":                unset("string"),
	"spare-pool-size":                   unset("int"),
	"use-policyd-override":              flag(false),
	"amp-ssh-key-name":                  unset("string"),
	"amp-ssh-pub-key":                   unset("string"),
	"nagios_context":                    str("juju"),
	"nagios_servicegroups":              str("juju"),
	"anti-affinity-policy":              str("auto"),
	"enable-amphora":                    flag(true),
	"tls_warn_days":                     num(30),
	"tls_crit_days":                     num(14),
	"connection-max-retries":            num(120),
	"connection-retry-interval":         num(5),
	"active-connection-max-retries":     num(15),
	"active-connection-retry-interval":  num(2),
	"enable-volume-based-amphora":       flag(false),
	"volume-size":                       num(16),
	"volume-type":                       unset("string"),
	// layer:openstack (5; verbose and use-syslog deleted by the charm)
	"debug":                  flag(false),
	"use-internal-endpoints": flag(false),
	"ssl_cert":               unset("string"),
	"ssl_key":                unset("string"),
	"ssl_ca":                 unset("string"),
	// layer:openstack-principle (2)
	"openstack-origin":       str("distro"),
	"action-managed-upgrade": flag(false),
	// layer:openstack-api (16)
	"os-admin-network":        unset("string"),
	"os-internal-network":     unset("string"),
	"os-public-network":       unset("string"),
	"os-admin-hostname":       unset("string"),
	"os-internal-hostname":    unset("string"),
	"os-public-hostname":      unset("string"),
	"region":                  str("RegionOne"),
	"worker-multiplier":       unset("float"),
	"haproxy-server-timeout":  unset("int"),
	"haproxy-client-timeout":  unset("int"),
	"haproxy-queue-timeout":   unset("int"),
	"haproxy-connect-timeout": unset("int"),
	"dns-ha":                  flag(false),
	"vip":                     unset("string"),
	"vip_iface":               str("eth0"),
	"vip_cidr":                num(24),
}

// ownOptions are the options this charm adds to upstream's.
var ownOptions = map[string]option{
	"noop-drivers":             flag(false),
	"auto-configure-resources": flag(true),
}

// upstreamActions are upstream's actions: configure-resources from the
// charm, pause/resume/restart-services from layer:openstack,
// openstack-upgrade/package-upgrade from layer:openstack-principle. None of
// them takes parameters upstream.
var upstreamActions = []string{
	"configure-resources",
	"pause",
	"resume",
	"restart-services",
	"openstack-upgrade",
	"package-upgrade",
}

// charmActions are this charm's own actions, which the upstream charm does
// not have: security-checklist, as the other OpenStack charms have it. Like
// upstream's, they take no required parameters.
var charmActions = []string{
	"security-checklist",
}

// readYAML decodes one of this directory's YAML files.
func readYAML(t *testing.T, name string, v any) []byte {
	t.Helper()
	data, err := fs.ReadFile(Files, name)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return data
}

type metadata struct {
	Name          string                  `yaml:"name"`
	DisplayName   string                  `yaml:"display-name"`
	Summary       string                  `yaml:"summary"`
	Description   string                  `yaml:"description"`
	Tags          []string                `yaml:"tags"`
	Subordinate   *bool                   `yaml:"subordinate"`
	Provides      map[string]metaEndpoint `yaml:"provides"`
	Requires      map[string]metaEndpoint `yaml:"requires"`
	Peers         map[string]metaEndpoint `yaml:"peers"`
	ExtraBindings map[string]any          `yaml:"extra-bindings"`
	Resources     map[string]metaResource `yaml:"resources"`
	Extra         map[string]any          `yaml:",inline"`
}

type metaEndpoint struct {
	Interface string `yaml:"interface"`
	Scope     string `yaml:"scope"`
	Limit     *int   `yaml:"limit"`
	Optional  *bool  `yaml:"optional"`
}

type metaResource struct {
	Type        string `yaml:"type"`
	Filename    string `yaml:"filename"`
	Description string `yaml:"description"`
}

func TestMetadataIdentity(t *testing.T) {
	var m metadata
	readYAML(t, "metadata.yaml", &m)
	if m.Name != "octavia" {
		t.Errorf("name = %q, want octavia (bundles refer to the charm by it)", m.Name)
	}
	for k, v := range map[string]string{"display-name": m.DisplayName, "summary": m.Summary, "description": m.Description} {
		if strings.TrimSpace(v) == "" {
			t.Errorf("%s is empty", k)
		}
	}
	if !contains(m.Tags, "openstack") {
		t.Errorf("tags %v lack openstack, which upstream has", m.Tags)
	}
	if m.Subordinate == nil || *m.Subordinate {
		t.Errorf("subordinate must be present and false, as upstream")
	}
	// The archive carries a manifest, so metadata is v2: Juju refuses v1 keys.
	for _, k := range []string{"series", "min-juju-version", "deployment"} {
		if _, ok := m.Extra[k]; ok {
			t.Errorf("metadata v1 key %q present; bases belong in the manifest", k)
		}
	}
	for k := range m.Extra {
		switch k {
		case "maintainer", "maintainers", "docs", "issues", "source", "website", "terms", "assumes":
		default:
			t.Errorf("unexpected metadata key %q", k)
		}
	}
}

func TestMetadataEndpoints(t *testing.T) {
	var m metadata
	readYAML(t, "metadata.yaml", &m)
	got := map[string]endpoint{}
	for role, eps := range map[string]map[string]metaEndpoint{"provides": m.Provides, "requires": m.Requires, "peers": m.Peers} {
		for name, ep := range eps {
			if prev, dup := got[name]; dup {
				t.Errorf("endpoint %s declared under %s and %s", name, prev.role, role)
			}
			scope := ep.Scope
			if scope == "global" {
				scope = ""
			}
			got[name] = endpoint{role, ep.Interface, scope}
			if ep.Limit != nil || ep.Optional != nil {
				t.Errorf("endpoint %s: limit/optional are not upstream's", name)
			}
		}
	}
	for name, want := range upstreamEndpoints {
		g, ok := got[name]
		if !ok {
			t.Errorf("endpoint %s missing", name)
			continue
		}
		if g != want {
			t.Errorf("endpoint %s = %+v, want %+v", name, g, want)
		}
	}
	for name := range got {
		if _, ok := upstreamEndpoints[name]; !ok {
			t.Errorf("endpoint %s is not upstream's", name)
		}
	}
}

func TestMetadataBindingsAndResources(t *testing.T) {
	var m metadata
	readYAML(t, "metadata.yaml", &m)
	var bindings []string
	for b, v := range m.ExtraBindings {
		if v != nil {
			t.Errorf("extra-binding %s has a value %v; it must be empty", b, v)
		}
		bindings = append(bindings, b)
	}
	sort.Strings(bindings)
	if strings.Join(bindings, ",") != "admin,internal,public" {
		t.Errorf("extra-bindings = %v, want admin, internal, public", bindings)
	}
	if len(m.Resources) != 1 {
		t.Errorf("resources = %v, want only policyd-override", m.Resources)
	}
	r, ok := m.Resources["policyd-override"]
	if !ok || r.Type != "file" || r.Filename != "policyd-override.zip" || strings.TrimSpace(r.Description) == "" {
		t.Errorf("resource policyd-override = %+v, want a described file named policyd-override.zip", r)
	}
}

type configFile struct {
	Options map[string]struct {
		Type        string `yaml:"type"`
		Default     any    `yaml:"default"`
		Description string `yaml:"description"`
	} `yaml:"options"`
}

// configKeys returns, per option, the keys it declares: decoding into a
// struct cannot tell a missing default from a null one.
func configKeys(t *testing.T) map[string]map[string]any {
	t.Helper()
	var raw struct {
		Options map[string]map[string]any `yaml:"options"`
	}
	readYAML(t, "config.yaml", &raw)
	return raw.Options
}

func TestConfigOptions(t *testing.T) {
	if n := len(upstreamOptions); n != 50 {
		t.Fatalf("the contract table has %d upstream options, want 50", n)
	}
	var c configFile
	readYAML(t, "config.yaml", &c)
	keys := configKeys(t)

	want := map[string]option{}
	for k, v := range upstreamOptions {
		want[k] = v
	}
	for k, v := range ownOptions {
		want[k] = v
	}
	for name, w := range want {
		got, ok := c.Options[name]
		if !ok {
			t.Errorf("option %s missing", name)
			continue
		}
		if got.Type != w.typ {
			t.Errorf("option %s: type %q, want %q", name, got.Type, w.typ)
		}
		_, hasDefault := keys[name]["default"]
		switch {
		case !w.hasDefault && hasDefault:
			t.Errorf("option %s: has a default key (%v); upstream has no default", name, got.Default)
		case w.hasDefault && !hasDefault:
			t.Errorf("option %s: no default, want %v", name, w.def)
		case w.hasDefault && got.Default != w.def:
			t.Errorf("option %s: default %#v, want %#v", name, got.Default, w.def)
		}
		if strings.TrimSpace(got.Description) == "" {
			t.Errorf("option %s: no description", name)
		}
		for k := range keys[name] {
			if k != "type" && k != "default" && k != "description" {
				t.Errorf("option %s: unexpected key %q", name, k)
			}
		}
	}
	for name := range c.Options {
		if _, ok := want[name]; !ok {
			t.Errorf("option %s is neither upstream's nor in ownOptions", name)
		}
	}
	for _, gone := range []string{"verbose", "use-syslog"} {
		if _, ok := c.Options[gone]; ok {
			t.Errorf("option %s is present; upstream deletes it", gone)
		}
	}
}

func TestConfigDescriptionsState(t *testing.T) {
	var c configFile
	readYAML(t, "config.yaml", &c)
	desc := func(name string) string { return strings.Join(strings.Fields(c.Options[name].Description), " ") }

	if d := desc("spare-pool-size"); !strings.Contains(d, "Accepted for compatibility and ignored") {
		t.Errorf("spare-pool-size must say it is ignored: %q", d)
	}
	if d := desc("noop-drivers"); !strings.Contains(d, "never in production") || !strings.Contains(d, "testing") {
		t.Errorf("noop-drivers must warn it is for testing only: %q", d)
	}
	for _, name := range []string{
		"lb-mgmt-issuing-cacert", "lb-mgmt-issuing-ca-private-key", "lb-mgmt-issuing-ca-key-passphrase",
		"lb-mgmt-controller-cacert", "lb-mgmt-controller-cert",
	} {
		if d := desc(name); !strings.HasPrefix(d, "Optional.") {
			t.Errorf("%s must say it is optional: %q", name, d)
		}
	}
	d := desc("lb-mgmt-issuing-cacert")
	for _, fact := range []string{"generates", "Juju secret", "passphrase", "differ", "expired", "blocks the unit", "naming the option"} {
		if !strings.Contains(d, fact) {
			t.Errorf("lb-mgmt-issuing-cacert does not explain %q: %q", fact, d)
		}
	}
}

type actionsFile map[string]struct {
	Description          string         `yaml:"description"`
	Params               map[string]any `yaml:"params"`
	Required             []string       `yaml:"required"`
	AdditionalProperties *bool          `yaml:"additionalProperties"`
}

func TestActions(t *testing.T) {
	var a actionsFile
	readYAML(t, "actions.yaml", &a)
	all := append(append([]string{}, upstreamActions...), charmActions...)
	for _, name := range all {
		act, ok := a[name]
		if !ok {
			t.Errorf("action %s missing", name)
			continue
		}
		if strings.TrimSpace(act.Description) == "" {
			t.Errorf("action %s: no description", name)
		}
		// Upstream's actions take no parameters: an invocation without any
		// must stay valid.
		if len(act.Required) != 0 {
			t.Errorf("action %s requires %v; upstream requires nothing", name, act.Required)
		}
	}
	if len(a) != len(all) {
		t.Errorf("actions.yaml has %d actions, want the %d upstream ones and the charm's %v", len(a), len(upstreamActions), charmActions)
	}
}

func TestLXDProfile(t *testing.T) {
	var p struct {
		Description string                       `yaml:"description"`
		Config      map[string]string            `yaml:"config"`
		Devices     map[string]map[string]string `yaml:"devices"`
	}
	readYAML(t, "lxd-profile.yaml", &p)
	for k := range p.Config {
		for _, bad := range []string{"boot", "limits", "migration"} {
			if strings.HasPrefix(k, bad) {
				t.Errorf("config key %s is refused by Juju", k)
			}
		}
	}
	for name, dev := range p.Devices {
		switch dev["type"] {
		case "unix-char", "unix-block", "gpu", "usb":
		default:
			t.Errorf("device %s of type %q is refused by Juju", name, dev["type"])
		}
	}
	mods := strings.Split(p.Config["linux.kernel_modules"], ",")
	if !contains(mods, "openvswitch") {
		t.Errorf("linux.kernel_modules = %v, must load openvswitch", mods)
	}
}

func TestIcon(t *testing.T) {
	data, err := os.ReadFile("icon.svg")
	if err != nil {
		t.Fatal(err)
	}
	if len(data) > 16<<10 {
		t.Errorf("icon.svg is %d bytes; keep it small", len(data))
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	var root xml.StartElement
	for root.Name.Local == "" {
		tok, err := d.Token()
		if err != nil {
			t.Fatalf("icon.svg: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			root = se
		}
	}
	if root.Name.Local != "svg" || root.Name.Space != "http://www.w3.org/2000/svg" {
		t.Errorf("root element %v, want svg in the SVG namespace", root.Name)
	}
	for {
		if _, err := d.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("icon.svg: %v", err)
		}
	}
}

type charmcraft struct {
	Type      string         `yaml:"type"`
	Platforms map[string]any `yaml:"platforms"`
	Parts     map[string]struct {
		Plugin           string              `yaml:"plugin"`
		Source           string              `yaml:"source"`
		SourceType       string              `yaml:"source-type"`
		BuildSnaps       []string            `yaml:"build-snaps"`
		BuildEnvironment []map[string]string `yaml:"build-environment"`
		OverrideBuild    string              `yaml:"override-build"`
		Organize         map[string]string   `yaml:"organize"`
		Stage            []string            `yaml:"stage"`
	} `yaml:"parts"`
}

func TestCharmcraft(t *testing.T) {
	var c charmcraft
	readYAML(t, "charmcraft.yaml", &c)
	if c.Type != "charm" {
		t.Errorf("type = %q, want charm", c.Type)
	}
	var platforms []string
	for p, v := range c.Platforms {
		if v != nil {
			t.Errorf("platform %s: want the shorthand form with no value", p)
		}
		platforms = append(platforms, p)
	}
	sort.Strings(platforms)
	if strings.Join(platforms, " ") != "ubuntu@22.04:amd64 ubuntu@24.04:amd64" {
		t.Errorf("platforms = %v, want ubuntu@22.04:amd64 and ubuntu@24.04:amd64", platforms)
	}

	var goPart, dumpPart bool
	for name, p := range c.Parts {
		switch p.Plugin {
		case "go":
			goPart = true
			if p.Source != "../.." {
				t.Errorf("part %s: source %q, want the module root ../..", name, p.Source)
			}
			env := map[string]string{}
			for _, kv := range p.BuildEnvironment {
				for k, v := range kv {
					env[k] = v
				}
			}
			if env["CGO_ENABLED"] != "0" {
				t.Errorf("part %s: CGO_ENABLED = %q, want \"0\" for a static dispatch", name, env["CGO_ENABLED"])
			}
			if !strings.Contains(p.OverrideBuild, "./cmd/octavia") {
				t.Errorf("part %s does not build ./cmd/octavia", name)
			}
			if p.Organize["bin/octavia"] != "dispatch" {
				t.Errorf("part %s: organize = %v, want bin/octavia: dispatch", name, p.Organize)
			}
			checkGoSnap(t, p.BuildSnaps)
		case "dump":
			dumpPart = true
			for _, f := range []string{"lxd-profile.yaml", "icon.svg", "README.md"} {
				if !contains(p.Stage, f) {
					t.Errorf("dump part %s does not stage %s", name, f)
				}
			}
		}
	}
	if !goPart || !dumpPart {
		t.Errorf("charmcraft.yaml needs a go part and a dump part (go %v, dump %v)", goPart, dumpPart)
	}
}

// checkGoSnap checks that the go snap charmcraft installs is at least the go
// version go.mod asks for, so that the build does not need to fetch a
// toolchain.
func checkGoSnap(t *testing.T, snaps []string) {
	t.Helper()
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go (\d+)\.(\d+)`).FindSubmatch(mod)
	if m == nil {
		t.Fatal("go.mod has no go line")
	}
	for _, s := range snaps {
		sm := regexp.MustCompile(`^go/(\d+)\.(\d+)/`).FindStringSubmatch(s)
		if sm == nil {
			continue
		}
		if version(sm[1], sm[2]) < version(string(m[1]), string(m[2])) {
			t.Errorf("build snap %s is older than go.mod's go %s.%s", s, m[1], m[2])
		}
		return
	}
	t.Errorf("build-snaps %v: no pinned go/<major>.<minor>/ channel", snaps)
}

func version(major, minor string) int {
	a, _ := strconv.Atoi(major)
	b, _ := strconv.Atoi(minor)
	return a*1000 + b
}

// TestReadmeNamesExist keeps the README honest: every octavia:<endpoint> it
// integrates, and every option it sets with juju config, exists.
func TestReadmeNamesExist(t *testing.T) {
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)

	eps := regexp.MustCompile(`(?:^|\s)octavia:([a-z-]+)`).FindAllStringSubmatch(readme, -1)
	if len(eps) == 0 {
		t.Fatal("README integrates no octavia endpoint")
	}
	used := map[string]bool{}
	for _, m := range eps {
		used[m[1]] = true
		if _, ok := upstreamEndpoints[m[1]]; !ok {
			t.Errorf("README uses endpoint octavia:%s, which does not exist", m[1])
		}
	}
	for name := range upstreamEndpoints {
		if name != "cluster" && !used[name] {
			t.Errorf("README does not show how to integrate octavia:%s", name)
		}
	}

	var c configFile
	readYAML(t, "config.yaml", &c)
	sets := regexp.MustCompile("(?m)(?:--config |^\\s+|juju config octavia |`)([a-z_-]+)=").FindAllStringSubmatch(readme, -1)
	if len(sets) == 0 {
		t.Fatal("README sets no option")
	}
	for _, m := range sets {
		if _, ok := c.Options[m[1]]; !ok {
			t.Errorf("README sets option %s, which does not exist", m[1])
		}
	}
	for _, a := range append(append([]string{}, upstreamActions...), charmActions...) {
		if !strings.Contains(readme, "`"+a+"`") {
			t.Errorf("README does not list action %s", a)
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
