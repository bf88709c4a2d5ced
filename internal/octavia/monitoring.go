package octavia

// Monitoring through the nrpe subordinate (nrpe-external-master): a process
// check per service the charm runs and an expiry check per control-plane
// certificate, announced on the relation and written as the nrpe daemon's
// command files (and Nagios service definitions where nrpe exports them).

import (
	"path"
	"sort"
	"strings"

	"charm-octavia/internal/pki"
	"charm-octavia/internal/relations"
	"charm-octavia/internal/relations/hacluster"
	"charm-octavia/internal/relations/nrpe"
)

// SvcNRPE is the nrpe daemon the subordinate runs; the charm reloads it
// when its check files change, if it is installed, and never starts it.
const SvcNRPE = "nagios-nrpe-server"

// ControllerCertOnlyPath holds the controller certificate without its key,
// for the expiry check, which the nagios user runs as a member of the
// octavia group. Its name keeps upstream's check name, cert_controller_cert.
const ControllerCertOnlyPath = CertDir + "/controller_cert.crt"

// Membership is a user that must belong to a group.
type Membership struct{ User, Group string }

// nagiosReadsCertificates: the nagios user, which runs the certificate
// checks, joins the octavia group to read the certificates (upstream does
// the same). Its daemon must restart to run checks with the new group.
var nagiosReadsCertificates = Membership{User: "nagios", Group: "octavia"}

// monitoredServices are the services with a process check: those the charm
// runs on every unit (Plan.Services).
func monitoredServices() []string {
	return []string{SvcMemcached, SvcApache, SvcHAProxy, SvcWorker, SvcHealth, SvcHousekeeping}
}

// monitoringProblems checks the options the checks are built from, while
// an nrpe unit is related.
func monitoringProblems(in Inputs) []Problem {
	if !in.Relations[EndpointNRPE].Joined() {
		return nil
	}
	c := in.Config
	var ps []Problem
	for _, d := range []struct {
		name string
		v    int
	}{{"tls_warn_days", c.TLSWarnDays}, {"tls_crit_days", c.TLSCritDays}} {
		if d.v < 0 || d.v > 36500 {
			ps = append(ps, Problem{d.name, "must be between 0 and 36500 days"})
		}
	}
	remote, _ := nrpe.Parse(in.Relations[EndpointNRPE])
	if remote.Hostname == "" && !nagiosName(c.NagiosContext) {
		ps = append(ps, Problem{"nagios_context", "must hold only letters, digits, '-', '_' and '.'"})
	}
	if strings.ContainsAny(c.NagiosServiceGroups, "\r\n\x00") {
		ps = append(ps, Problem{"nagios_servicegroups", "must be a single line"})
	}
	return ps
}

// nagiosName accepts what can prefix a Nagios host name and a file name.
func nagiosName(s string) bool {
	if s == "" || s[0] == '.' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// nrpeChecks are this unit's checks; nil when no nrpe unit is related.
func nrpeChecks(in Inputs) ([]nrpe.Check, nrpe.Remote, error) {
	remote, ready := nrpe.Parse(in.Relations[EndpointNRPE])
	if ready == relations.Missing {
		return nil, remote, nil
	}
	inPacemaker := false
	for _, r := range in.Relations[EndpointHA] {
		if hacluster.ManagesHAProxy(r.Local) {
			inPacemaker = true
		}
	}
	checks := nrpe.ServiceChecks(monitoredServices(), nrpe.UnitName(remote, in.Unit), inPacemaker)
	for _, file := range []string{defaultPaths.IssuingCACert, defaultPaths.ControllerCACert, ControllerCertOnlyPath} {
		c, err := nrpe.CertificateCheck(file, in.Config.TLSCritDays, in.Config.TLSWarnDays)
		if err != nil {
			return nil, remote, err
		}
		checks = append(checks, c)
	}
	return checks, remote, nil
}

// publishNRPE adds the monitors this unit announces to every nrpe relation.
func publishNRPE(in Inputs, out map[string]relations.Bag) {
	checks, _, err := nrpeChecks(in)
	if err != nil || checks == nil {
		return // bad options are blocked reasons (monitoringProblems)
	}
	bag, err := nrpe.Publish(checks)
	if err != nil {
		return
	}
	for _, r := range in.Relations[EndpointNRPE] {
		out[r.ID] = bag
	}
}

// monitoringFiles are the files the checks need on the machine: the nrpe
// command files, the Nagios service definitions when nrpe exports them,
// the certificate check plugin and the certificate-only controller file;
// and the nagios user's membership of the octavia group.
func (pl *Plan) monitoringFiles(in Inputs, b *pki.Bundle) ([]File, []Dir, error) {
	checks, remote, err := nrpeChecks(in)
	if err != nil || checks == nil {
		return nil, nil, err
	}
	groups := nrpe.ServiceGroups(in.Config.NagiosContext, in.Config.NagiosServiceGroups)
	var files []File
	add := func(m map[string][]byte, reload []string) {
		paths := make([]string, 0, len(m))
		for p := range m {
			paths = append(paths, p)
		}
		sort.Strings(paths)
		for _, p := range paths {
			files = append(files, File{Path: p, Owner: "root", Group: "root", Mode: 0o644, Data: m[p], Reload: reload})
		}
	}
	commands, err := nrpe.CheckFiles(checks, groups)
	if err != nil {
		return nil, nil, err
	}
	add(commands, []string{SvcNRPE})
	if in.Host.NagiosExport {
		host := nrpe.Hostname(remote, in.Config.NagiosContext, in.Unit)
		services, err := nrpe.ServiceFiles(checks, host, groups)
		if err != nil {
			return nil, nil, err
		}
		add(services, nil)
	}
	files = append(files,
		File{Path: nrpe.CertCheckPlugin, Owner: "root", Group: "root", Mode: 0o755, Data: nrpe.CertCheckScript()},
		File{Path: ControllerCertOnlyPath, Owner: "root", Group: "octavia", Mode: 0o640, Data: b.ControllerCert},
	)
	pl.Memberships = append(pl.Memberships, nagiosReadsCertificates)
	var dirs []Dir
	for _, d := range []string{path.Dir(nrpe.ConfDir), nrpe.ConfDir, path.Dir(nrpe.PluginDir), nrpe.PluginDir} {
		dirs = append(dirs, Dir{Path: d, Owner: "root", Group: "root", Mode: 0o755})
	}
	return files, dirs, nil
}
