// Package nrpe speaks the nrpe-external-master interface, where Octavia is
// the container-scoped principal and the nrpe subordinate exports its checks
// to Nagios: it builds the monitors this unit publishes and the check files
// the nrpe daemon and Nagios read, and reads the Nagios host name nrpe
// answers with.
//
// What it produces is what the upstream charm produces through
// juju/charm-helpers' charmsupport/nrpe.py (NRPE, Check, add_init_service_checks,
// get_nagios_hostname, get_nagios_unit_name), called from
// openstack/charm-octavia (update_nagios in octavia_handlers.py,
// decode_and_write_cert in octavia.py); the relation is the one of
// canonical/nrpe-external-master-interface (provides.py) and
// canonical/charm-nrpe (nrpe_helpers.py PrincipalRelation, Monitors). See
// shared/reference/relation-interfaces.md §13.
//
// On the wire (this unit's unit databag, raw strings): monitors, the YAML
// PyYAML's yaml.dump writes for {monitors: {remote: {nrpe: {<shortname>:
// {command: check_<shortname>}}}}}, and primary=True. The nrpe unit answers
// with nagios_hostname and nagios_host_context. The checks themselves are
// files on the machine: /etc/nagios/nrpe.d/check_<shortname>.cfg for the
// nrpe daemon and /var/lib/nagios/export/service__<host>_check_<shortname>.cfg
// for Nagios; CheckFiles and ServiceFiles render them.
//
// Nothing here is secret.
package nrpe

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"

	"charm-octavia/internal/relations"
)

// Where charm-helpers and the nrpe charm keep things.
const (
	// PluginDir holds the plugins the nrpe charm installs (check_systemd.py)
	// and those the principal adds (CertCheckPlugin).
	PluginDir = "/usr/local/lib/nagios/plugins"
	// ConfDir holds the nrpe daemon's check commands.
	ConfDir = "/etc/nagios/nrpe.d"
	// ExportDir holds the Nagios service definitions nrpe exports; it
	// exists only where the nrpe charm set it up.
	ExportDir = "/var/lib/nagios/export"
	// SystemdPlugin is the nrpe charm's service check, as charm-helpers
	// resolves check_systemd.py.
	SystemdPlugin = PluginDir + "/check_systemd.py"
	// CertCheckPlugin is the certificate expiry check this charm installs
	// (CertCheckScript); it replaces upstream's check_cert.py, which needs
	// Python and pyOpenSSL.
	CertCheckPlugin = PluginDir + "/check_octavia_cert"
)

// Keys on the relation (§13).
const (
	keyMonitors    = "monitors"
	keyPrimary     = "primary"
	keyHostname    = "nagios_hostname"
	keyHostContext = "nagios_host_context"
)

// Check is one NRPE check.
type Check struct {
	// Shortname names the check: letters, digits, '-', '_', '.' and '@',
	// starting with a letter (charm-helpers' rule, narrowed so that it is a
	// plain YAML key). The nrpe command is check_<Shortname>.
	Shortname string
	// Description is the Nagios service description after
	// "<host>[<shortname>] ".
	Description string
	// Command is the plugin's absolute path followed by its arguments.
	Command []string
}

// Name is the nrpe command name, check_<Shortname>.
func (c Check) Name() string { return "check_" + c.Shortname }

// CommandLine is the command as charm-helpers writes it: the plugin path,
// then each argument quoted like Python's shlex.quote.
func (c Check) CommandLine() string {
	if len(c.Command) == 0 {
		return ""
	}
	parts := []string{c.Command[0]}
	for _, a := range c.Command[1:] {
		parts = append(parts, shellQuote(a))
	}
	return strings.Join(parts, " ")
}

// validate rejects what would break the files or the YAML.
func (c Check) validate() error {
	if !validShortname(c.Shortname) {
		return fmt.Errorf("nrpe: check shortname %q must start with a letter and hold only letters, digits, '-', '_', '.' and '@'", c.Shortname)
	}
	if len(c.Command) == 0 || !path.IsAbs(c.Command[0]) {
		return fmt.Errorf("nrpe: check %s: the command must start with an absolute plugin path", c.Shortname)
	}
	for _, s := range append([]string{c.Description}, c.Command...) {
		if strings.ContainsAny(s, "\r\n\x00") {
			return fmt.Errorf("nrpe: check %s: line break in its description or command", c.Shortname)
		}
	}
	return nil
}

func validShortname(s string) bool {
	if s == "" || !isLetter(s[0]) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isLetter(c) && !(c >= '0' && c <= '9') && c != '-' && c != '_' && c != '.' && c != '@' {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// shellQuote is Python's shlex.quote.
func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	safe := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isLetter(c) || c >= '0' && c <= '9' || strings.IndexByte("_@%+=:,./-", c) >= 0) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}

// ServiceChecks returns one process check per service, as charm-helpers'
// add_init_service_checks does on systemd: shortname the service, command
// check_systemd.py <service>, description "process check {<nagiosUnit>}"
// (nagiosUnit from UnitName). Upstream checks apache2, octavia-health-manager,
// octavia-housekeeping, octavia-worker (octavia-driver-agent with OVN),
// memcached and haproxy; when haproxyInPacemaker (hacluster manages
// lsb:haproxy, see hacluster.ManagesHAProxy) the haproxy check is dropped,
// as pacemaker's check_crm covers it. A service listed twice counts once.
// Upstream has no check of the API itself or of haproxy's backends.
func ServiceChecks(services []string, nagiosUnit string, haproxyInPacemaker bool) []Check {
	var out []Check
	seen := map[string]bool{}
	for _, s := range services {
		if seen[s] || (haproxyInPacemaker && s == "haproxy") {
			continue
		}
		seen[s] = true
		out = append(out, Check{
			Shortname:   s,
			Description: "process check {" + nagiosUnit + "}",
			Command:     []string{SystemdPlugin, s},
		})
	}
	return out
}

// CertificateCheck returns the expiry check of one control-plane
// certificate file, named as upstream names it: shortname cert_<file name up
// to its first '.'> (cert_issuing_ca, cert_controller_ca,
// cert_controller_cert), description "Check Certificate <file name>",
// command CertCheckPlugin -C <critDays>,<warnDays> <file> (upstream runs
// check_cert.py with the same arguments). critDays and warnDays are config
// tls_crit_days and tls_warn_days, 0 to 36500.
//
// The nagios user runs the check and must be able to read the file
// (upstream adds nagios to the octavia group); point it at a file that holds
// only the certificate where possible.
func CertificateCheck(file string, critDays, warnDays int) (Check, error) {
	if !path.IsAbs(file) || strings.ContainsAny(file, "\r\n\x00") {
		return Check{}, fmt.Errorf("nrpe: certificate path %q is not absolute", file)
	}
	for _, d := range []struct {
		option string
		days   int
	}{{"tls_crit_days", critDays}, {"tls_warn_days", warnDays}} {
		if d.days < 0 || d.days > 36500 {
			return Check{}, fmt.Errorf("nrpe: %s must be between 0 and 36500 days", d.option)
		}
	}
	base := path.Base(file)
	c := Check{
		Shortname:   "cert_" + strings.SplitN(base, ".", 2)[0],
		Description: "Check Certificate " + base,
		Command:     []string{CertCheckPlugin, "-C", fmt.Sprintf("%d,%d", critDays, warnDays), file},
	}
	if err := c.validate(); err != nil {
		return Check{}, err
	}
	return c, nil
}

// Monitors renders the monitors value: what PyYAML's yaml.dump writes for
// {monitors: {remote: {nrpe: {<shortname>: {command: check_<shortname>}}}}},
// block style, keys sorted, two-space indent.
//
// Upstream merges into whatever monitors it published before, so a check
// it stopped writing stays announced to Nagios; here the value lists exactly
// checks.
func Monitors(checks []Check) (string, error) {
	names, err := shortnames(checks)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("monitors:\n  remote:\n    nrpe:")
	if len(names) == 0 {
		b.WriteString(" {}\n")
		return b.String(), nil
	}
	b.WriteString("\n")
	for _, n := range names {
		fmt.Fprintf(&b, "      %s:\n        command: %s\n", yamlKey(n), yamlKey("check_"+n))
	}
	return b.String(), nil
}

// shortnames validates checks and returns their distinct shortnames, sorted.
// Two checks with one shortname must be identical (upstream's second one
// silently wins).
func shortnames(checks []Check) ([]string, error) {
	byName := map[string]Check{}
	for _, c := range checks {
		if err := c.validate(); err != nil {
			return nil, err
		}
		if prev, ok := byName[c.Shortname]; ok && (prev.Description != c.Description || !slices.Equal(prev.Command, c.Command)) {
			return nil, fmt.Errorf("nrpe: two different checks named %s", c.Shortname)
		}
		byName[c.Shortname] = c
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

// yamlKey quotes the words YAML 1.1 reads as booleans or null, as PyYAML
// does; shortnames start with a letter, so nothing else needs quoting.
func yamlKey(s string) string {
	switch s {
	case "yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE",
		"on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL":
		return "'" + s + "'"
	}
	return s
}

// Publish returns this unit's nrpe-external-master databag (§13): monitors
// (Monitors) and primary=True (Python's str(True), as charm-helpers' NRPE
// sets it).
func Publish(checks []Check) (relations.Bag, error) {
	m, err := Monitors(checks)
	if err != nil {
		return nil, err
	}
	return relations.Bag{keyMonitors: m, keyPrimary: "True"}, nil
}

// ServiceGroups is the servicegroups charm-helpers uses: config
// nagios_servicegroups, or nagios_context when that is empty.
func ServiceGroups(context, groups string) string {
	if groups != "" {
		return groups
	}
	return context
}

// CheckFiles renders the nrpe daemon's command files as charm-helpers'
// Check.write does, path → content:
//
//	/etc/nagios/nrpe.d/check_<shortname>.cfg:
//	# check <shortname>
//	# The following header was added automatically by juju
//	# Modifying it will affect nagios monitoring and alerting
//	# servicegroups: <servicegroups>
//	command[check_<shortname>]=<command line>
//
// The three header lines are there only when servicegroups (ServiceGroups)
// is not empty. The caller writes them (root-owned, 0644) and removes the
// check_*.cfg files of checks it no longer has.
func CheckFiles(checks []Check, servicegroups string) (map[string][]byte, error) {
	if strings.ContainsAny(servicegroups, "\r\n\x00") {
		return nil, errors.New("nrpe: line break in the servicegroups")
	}
	if _, err := shortnames(checks); err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for _, c := range checks {
		var b strings.Builder
		fmt.Fprintf(&b, "# check %s\n", c.Shortname)
		if servicegroups != "" {
			b.WriteString("# The following header was added automatically by juju\n")
			b.WriteString("# Modifying it will affect nagios monitoring and alerting\n")
			fmt.Fprintf(&b, "# servicegroups: %s\n", servicegroups)
		}
		fmt.Fprintf(&b, "command[%s]=%s\n", c.Name(), c.CommandLine())
		out[path.Join(ConfDir, c.Name()+".cfg")] = []byte(b.String())
	}
	return out, nil
}

// ServiceFiles renders the Nagios service definitions as charm-helpers'
// Check.write_service_config does, path → content, at
// /var/lib/nagios/export/service__<hostname>_check_<shortname>.cfg.
// hostname is the Nagios host name (Hostname). charm-helpers writes them only
// when ExportDir exists, after removing every *_check_<shortname>.cfg there.
func ServiceFiles(checks []Check, hostname, servicegroups string) (map[string][]byte, error) {
	if !validHostname(hostname) {
		return nil, fmt.Errorf("nrpe: Nagios host name %q is not usable in a file name", hostname)
	}
	if strings.ContainsAny(servicegroups, "\r\n\x00") {
		return nil, errors.New("nrpe: line break in the servicegroups")
	}
	if _, err := shortnames(checks); err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for _, c := range checks {
		text := "\n" +
			"#---------------------------------------------------\n" +
			"# This file is Juju managed\n" +
			"#---------------------------------------------------\n" +
			"define service {\n" +
			"    use                             active-service\n" +
			"    host_name                       " + hostname + "\n" +
			"    service_description             " + hostname + "[" + c.Shortname + "] " + c.Description + "\n" +
			"    check_command                   check_nrpe!" + c.Name() + "\n" +
			"    servicegroups                   " + servicegroups + "\n" +
			"\n" +
			"}\n"
		out[path.Join(ExportDir, "service__"+hostname+"_"+c.Name()+".cfg")] = []byte(text)
	}
	return out, nil
}

// validHostname accepts what can be both a Nagios host name and part of a
// file name: letters, digits, '-', '_', '.', not starting with '.'.
func validHostname(s string) bool {
	if s == "" || s[0] == '.' || len(s) > 253 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isLetter(c) && !(c >= '0' && c <= '9') && c != '-' && c != '_' && c != '.' {
			return false
		}
	}
	return true
}

// Remote is what the nrpe subordinate publishes.
type Remote struct {
	// Hostname is nagios_hostname, the host name Nagios knows this machine
	// by; "" when not published or not usable in a file name.
	Hostname string
	// HostContext is nagios_host_context (nrpe's config), "" when unset.
	HostContext string
}

// Parse reads the nrpe-external-master endpoint: Missing when no nrpe unit
// has joined, else Ready (upstream's nrpe-external-master.available is set
// on join) with whatever nagios_hostname and nagios_host_context the first
// nrpe unit that has them published; a value that cannot go into a file name
// or a Nagios definition is ignored.
func Parse(e relations.Endpoint) (Remote, relations.Readiness) {
	if !e.Joined() {
		return Remote{}, relations.Missing
	}
	var r Remote
	if h, ok := e.First(keyHostname); ok && validHostname(h) {
		r.Hostname = h
	}
	if c, _ := e.First(keyHostContext); !strings.ContainsAny(c, "\r\n\x00") {
		r.HostContext = c
	}
	return r, relations.Ready
}

// Hostname is the Nagios host name charm-helpers' NRPE uses: the nrpe
// unit's nagios_hostname when published, else
// "<nagios_context>-<unit with '/' replaced by '-'>".
func Hostname(r Remote, context, unit string) string {
	if r.Hostname != "" {
		return r.Hostname
	}
	return context + "-" + strings.ReplaceAll(unit, "/", "-")
}

// UnitName is charm-helpers' get_nagios_unit_name, used in service check
// descriptions: "<nagios_host_context>:<unit>" when nrpe published a host
// context, else the unit name.
func UnitName(r Remote, unit string) string {
	if r.HostContext != "" {
		return r.HostContext + ":" + unit
	}
	return unit
}

// CertCheckScript is the content of CertCheckPlugin (install it root-owned,
// 0755): a POSIX sh Nagios plugin that needs only openssl.
//
//	check_octavia_cert -C CRIT_DAYS[,WARN_DAYS] CERTIFICATE_FILE
//
// It reads the first certificate of the file and exits 2 (CRITICAL) when it
// has expired or expires within CRIT_DAYS days, 1 (WARNING) within WARN_DAYS
// days, 0 (OK) otherwise, and 3 (UNKNOWN) when the file holds no readable
// certificate or the arguments are wrong; -C defaults to 14, and WARN_DAYS
// to CRIT_DAYS. The first output line says which, as upstream's
// check_cert.py does.
func CertCheckScript() []byte {
	return []byte(certCheckScript)
}

const certCheckScript = `#!/bin/sh
# check_octavia_cert: Nagios plugin installed by the octavia charm.
# Usage: check_octavia_cert -C CRIT_DAYS[,WARN_DAYS] CERTIFICATE_FILE
# Exit status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
PATH=/usr/bin:/bin
export PATH

unknown() {
	echo "UNKNOWN: $*"
	exit 3
}

ages=14
while getopts C: opt; do
	case $opt in
	C) ages=$OPTARG ;;
	*) unknown "usage: check_octavia_cert -C CRIT_DAYS[,WARN_DAYS] CERTIFICATE_FILE" ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || unknown "usage: check_octavia_cert -C CRIT_DAYS[,WARN_DAYS] CERTIFICATE_FILE"
file=$1

crit=${ages%%,*}
case $ages in
*,*) warn=${ages#*,} ;;
*) warn=$crit ;;
esac
for days in "$crit" "$warn"; do
	case $days in
	'' | *[!0-9]* | ??????*) unknown "invalid check option -C $ages" ;;
	esac
done

end=$(openssl x509 -in "$file" -noout -enddate 2>/dev/null) ||
	unknown "cannot read a certificate from $file"
end=${end#notAfter=}

expires_within() {
	! openssl x509 -in "$file" -noout -checkend $(($1 * 86400)) >/dev/null 2>&1
}

if expires_within 0; then
	echo "CRITICAL: certificate $file has expired ($end)"
	exit 2
fi
if expires_within "$crit"; then
	echo "CRITICAL: certificate $file expires within $crit day(s) ($end)"
	exit 2
fi
if expires_within "$warn"; then
	echo "WARNING: certificate $file expires within $warn day(s) ($end)"
	exit 1
fi
echo "OK: certificate $file is valid until $end"
exit 0
`
