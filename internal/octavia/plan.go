package octavia

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	"charm-octavia/internal/pki"
	"charm-octavia/internal/relations"
	"charm-octavia/internal/relations/keystone"
	"charm-octavia/internal/relations/mysqlshared"
	"charm-octavia/internal/relations/neutronlb"
	"charm-octavia/internal/relations/neutronplugin"
	"charm-octavia/internal/relations/openstackha"
	"charm-octavia/internal/relations/ovsdb"
	"charm-octavia/internal/relations/rabbitmq"
	"charm-octavia/internal/system/apt"
)

// Files and directories the charm owns.
const (
	ConfPath        = "/etc/octavia/octavia.conf"
	CertDir         = "/etc/octavia/certs"
	StateDir        = "/var/lib/charm/octavia"
	RabbitCAPath    = StateDir + "/rabbit-client-ca.pem"
	DatabaseCAPath  = StateDir + "/db-client-ca.pem"
	DatabaseCrtPath = StateDir + "/db-client-cert.pem"
	DatabaseKeyPath = StateDir + "/db-client-key.pem"
	KeystoneCAPath  = StateDir + "/keystone-ca.pem"
	APISitePath     = "/etc/apache2/sites-available/octavia-api.conf"
	HAProxyConfPath = "/etc/haproxy/haproxy.cfg"
	MemcachedPath   = "/etc/memcached.conf"
)

// Ports of the API: haproxy listens on APIPort for clients and forwards to
// Apache mod_wsgi on APIBackendPort on every unit.
const (
	APIPort        = 9876
	APIBackendPort = 9866
)

// Leader settings the charm reads and writes. The upstream charm's keys
// (heartbeat-key, db-sync-done, amp-*, controller-ip-port-list) are read so
// that `juju refresh --switch` from it keeps a running cloud working.
const (
	// LeaderSchema holds the Octavia version whose schema the leader migrated.
	LeaderSchema = "octavia-schema"
	// LeaderControlPlaneSecret and LeaderControllerSecret hold Juju secret ids.
	LeaderControlPlaneSecret = "control-plane-secret"
	LeaderControllerSecret   = "controller-pki-secret"

	upstreamHeartbeatKey = "heartbeat-key"
	upstreamDBSyncDone   = "db-sync-done"
	upstreamBootNetworks = "amp-boot-network-list"
	upstreamSecGroups    = "amp-secgroup-list"
	upstreamFlavorID     = "amp-flavor-id"
	upstreamControllers  = "controller-ip-port-list"
)

// UpstreamHeartbeatKey is the leader setting where the upstream charm kept
// the heartbeat key; a refreshed deployment reuses it so amphorae keep talking.
func UpstreamHeartbeatKey(settings map[string]string) string {
	return settings[upstreamHeartbeatKey]
}

// PackageNames are the packages the charm installs on every unit.
func PackageNames() []string {
	return []string{
		"octavia-api", "octavia-worker", "octavia-health-manager", "octavia-housekeeping",
		"apache2", "libapache2-mod-wsgi-py3", "haproxy", "memcached", "python3-memcache",
	}
}

// Octavia daemons and the services around them.
const (
	SvcApache       = "apache2"
	SvcHAProxy      = "haproxy"
	SvcMemcached    = "memcached"
	SvcWorker       = "octavia-worker"
	SvcHealth       = "octavia-health-manager"
	SvcHousekeeping = "octavia-housekeeping"
	// SvcPackagedAPI is the API service the octavia-api package ships
	// (uWSGI on Debian); the charm serves the API from Apache instead.
	SvcPackagedAPI = "octavia-api"
)

// controllers are the daemons that read octavia.conf besides the API.
var controllers = []string{SvcWorker, SvcHealth, SvcHousekeeping}

// Plan is what a pass must make true on the unit. It is a value: reconcile
// applies it, tests compare it.
type Plan struct {
	// Origin is the package source to configure.
	Origin apt.Origin
	// Packages must be installed.
	Packages []string
	// Configure is true when the unit has everything it needs to render its
	// files; when false, the files and services are left as they are (the
	// last good state) and only packages and relation data are handled.
	Configure bool
	// Dirs and Files to write (only when Configure).
	Dirs  []Dir
	Files []File
	// ApacheModules and ApacheSites to enable.
	ApacheModules, ApacheSites []string
	// Disable lists packaged services that must be stopped and disabled.
	Disable []string
	// Services must run once the schema is ready.
	Services []string
	// Migrate is true on the leader when the database schema must be
	// migrated before the services start; SchemaMark is then the value to
	// record in the leader setting LeaderSchema.
	Migrate    bool
	SchemaMark string
	// SchemaReady is true when the schema is known to be at head for the
	// installed release, so the services may run.
	SchemaReady bool
	// Publish is this unit's relation data, by relation id.
	Publish map[string]relations.Bag
	// Ports to open.
	Ports []string
	// Reasons the unit is not active, most important first.
	Reasons []Reason
	// StatusPrefix precedes every status message: "PO: " or
	// "PO (broken): " while use-policyd-override is true (policy.go).
	StatusPrefix string
	// Remove lists files a previous pass installed that the unit no longer
	// wants (only when Configure); their Restart and Reload apply as for a
	// change. Installed is what to remember as installed (policy.go).
	Remove    []File
	Installed []string
	// ReloadOthers are services of other charms that read files the charm
	// writes (the nrpe daemon): reloaded when such a file changes, and
	// restarted when a Memberships user joined a group, if installed.
	ReloadOthers []string
	// Memberships are supplementary groups to give existing users
	// (monitoring.go), only when Configure.
	Memberships []Membership
}

// Dir is a directory with its owner and mode.
type Dir struct {
	Path         string
	Owner, Group string
	Mode         fs.FileMode
}

// File is a file the charm renders, and what to do to services when it changes.
type File struct {
	Path         string
	Owner, Group string
	Mode         fs.FileMode
	Data         []byte
	// Restart lists services restarted when the file changes; Reload lists
	// services reloaded (a graceful restart that keeps connections).
	Restart, Reload []string
}

// Planner turns inputs into plans. It holds the parsed templates; make one
// per process with NewPlanner.
type Planner struct {
	templates templateSet
}

// NewPlanner parses the embedded templates.
func NewPlanner() *Planner { return &Planner{templates: templateSet{parseTemplates()}} }

// Plan computes the desired state of the unit from its inputs. It does no I/O.
func (p *Planner) Plan(in Inputs) Plan {
	c := in.Config
	var pl Plan
	pl.StatusPrefix = policyStatusPrefix(in)
	pl.Packages = PackageNames()
	pl.Disable = []string{SvcPackagedAPI}
	pl.Ports = []string{strconv.Itoa(APIPort) + "/tcp"}

	// Bad configuration blocks the unit and leaves everything as it is.
	problems := append(c.Validate(), monitoringProblems(in)...)
	origin, err := apt.ParseOrigin(c.OpenStackOrigin)
	if err == nil && in.Host.Series != "" {
		origin, err = origin.ForSeries(in.Host.Series)
	}
	if err != nil {
		problems = append(problems, Problem{"openstack-origin", err.Error()})
	}
	pl.Origin = origin
	bundle, pkiProblem := controlPlanePKI(c, in.Shared, in.Now)
	if pkiProblem != nil {
		problems = append(problems, *pkiProblem)
	}
	tls := apiTLSOf(in)
	problems = append(problems, tls.problems...)
	problems = append(problems, endpointProblems(c, in.Host, appOf(in.Unit))...)
	ha, haProblems, haReasons := haPlan(in)
	if len(problems) == 0 {
		problems = haProblems
	}
	if len(problems) > 0 {
		pl.Reasons = append(pl.Reasons, configReason(problems))
		// Packages and the source need a valid origin; keep both as they are.
		pl.Packages = nil
		return pl
	}

	pl.Publish = p.publish(in, tls)
	for id, bag := range ha {
		pl.Publish[id] = bag
	}

	// Required relations, upstream messages.
	db, dbReady := mysqlshared.Parse(in.Relations[EndpointSharedDB], in.Unit)
	broker, mqReady := rabbitmq.Parse(in.Relations[EndpointAMQP])
	creds, ksReady := keystone.Parse(in.Relations[EndpointIdentityService])
	required := []struct {
		name  string
		ready relations.Readiness
	}{
		{EndpointSharedDB, dbReady},
		{EndpointAMQP, mqReady},
		{EndpointIdentityService, ksReady},
	}
	if needsSDN(c) {
		_, neutron := neutronlb.Parse(in.Relations[EndpointNeutronAPI])
		required = append(required, []struct {
			name  string
			ready relations.Readiness
		}{{EndpointNeutronAPI, neutron}, {"sdn-subordinate", sdnReadiness(in)}}...)
	}
	var missing, incomplete []string
	for _, r := range required {
		switch r.ready {
		case relations.Missing:
			missing = append(missing, fmt.Sprintf("'%s' missing", r.name))
		case relations.Incomplete:
			incomplete = append(incomplete, fmt.Sprintf("'%s' incomplete", r.name))
		}
	}
	if len(missing) > 0 {
		pl.Reasons = append(pl.Reasons, Reason{Blocked, strings.Join(missing, ", ")})
	}
	if len(incomplete) > 0 {
		pl.Reasons = append(pl.Reasons, Reason{Waiting, strings.Join(incomplete, ", ")})
	}
	if in.Shared == nil {
		pl.Reasons = append(pl.Reasons, Reason{Waiting, "Waiting for the leader to share the control-plane secrets"})
	}
	if len(pl.Reasons) > 0 {
		return pl
	}
	if len(in.Packages.Missing) > 0 || in.Packages.OctaviaVersion == "" {
		pl.Reasons = append(pl.Reasons, Reason{Maintenance, "Installing packages"})
		return pl
	}

	// Everything needed is here: render.
	pl.Configure = true
	release := releaseOf(in.Packages.OctaviaVersion)
	files, err := p.files(in, release, bundle, db, broker, creds, tls)
	if err != nil {
		// A template fault is a charm bug, not an operator error.
		pl.Configure = false
		pl.Reasons = append(pl.Reasons, Reason{Blocked, "Charm error rendering configuration: " + err.Error()})
		return pl
	}
	pl.Files = files
	pl.Dirs = []Dir{
		{Path: "/etc/octavia", Owner: "root", Group: "octavia", Mode: 0o750},
		{Path: CertDir, Owner: "root", Group: "octavia", Mode: 0o750},
		{Path: "/var/lib/charm", Owner: "root", Group: "root", Mode: 0o755},
		{Path: StateDir, Owner: "root", Group: "octavia", Mode: 0o750},
	}
	if len(networkdFile(in)) > 0 {
		pl.Dirs = append(pl.Dirs, Dir{Path: networkdDir, Owner: "root", Group: "root", Mode: 0o755})
	}
	if err := pl.addOptional(in, bundle); err != nil {
		pl.Configure = false
		pl.Reasons = append(pl.Reasons, Reason{Blocked, "Charm error rendering monitoring: " + err.Error()})
		return pl
	}
	pl.Dirs = append(pl.Dirs, tls.dirs()...)
	pl.ApacheModules = append([]string{"wsgi"}, tls.modules()...)
	pl.ApacheSites = append([]string{"octavia-api"}, tls.sites()...)
	// Order matters: on Ubuntu the octavia-api package starts Apache with
	// its own site on 9876; Apache must move to 9866 before haproxy binds 9876.
	pl.Services = []string{SvcMemcached, SvcApache, SvcHAProxy, SvcWorker, SvcHealth, SvcHousekeeping}

	// The schema: the leader migrates once per release; followers wait.
	upstream := apt.UpstreamVersion(in.Packages.OctaviaVersion)
	mark := in.LeaderSettings[LeaderSchema]
	switch {
	case in.Leader && mark != upstream:
		pl.Migrate = true
		pl.SchemaMark = upstream
	case in.Leader:
		pl.SchemaReady = true
	case schemaCovers(mark, upstream) || (mark == "" && in.LeaderSettings[upstreamDBSyncDone] == "True"):
		pl.SchemaReady = true
	default:
		pl.Reasons = append(pl.Reasons, Reason{Waiting, "Waiting for the leader to migrate the database"})
	}

	pl.Reasons = append(pl.Reasons, tls.reasons...)
	pl.Reasons = append(pl.Reasons, networkReasons(in)...)
	pl.Reasons = append(pl.Reasons, haReasons...)
	pl.publishPeerState(in)
	return pl
}

// publishPeerState adds to this unit's peer bag what the leader needs to
// keep the management network: the health-manager address, and the amphora
// agent configuration the unit's controllers serve once they run with it.
func (pl *Plan) publishPeerState(in Inputs) {
	if !ManagesNetwork(in) {
		return
	}
	for _, r := range in.Relations[EndpointCluster] {
		bag := pl.Publish[r.ID]
		if bag == nil {
			continue
		}
		if in.Host.MgmtAddress != "" {
			bag[peerHealthAddrKey] = in.Host.MgmtAddress
		}
		if pl.SchemaReady || pl.Migrate {
			bag[peerAgentConfigKey] = AgentConfigDigest(in)
		}
	}
}

// controlPlanePKI picks the amphora control-plane certificates: the
// operator's lb-mgmt-* options when set (validated), else the generated
// bundle the leader shared.
func controlPlanePKI(c Config, shared *Shared, now time.Time) (*pki.Bundle, *Problem) {
	opts := pki.Options{
		IssuingCACert:          c.IssuingCACert,
		IssuingCAKey:           c.IssuingCAKey,
		IssuingCAKeyPassphrase: c.IssuingCAKeyPassphrase,
		ControllerCACert:       c.ControllerCACert,
		ControllerCert:         c.ControllerCert,
	}
	if !opts.Empty() {
		b, err := pki.FromOptions(opts, now)
		if err != nil {
			if oe, ok := err.(*pki.OptionError); ok {
				return nil, &Problem{oe.Option, oe.Problem}
			}
			return nil, &Problem{"lb-mgmt-issuing-cacert", "invalid certificate configuration"}
		}
		return &b, nil
	}
	if shared == nil {
		return nil, nil
	}
	b := shared.PKI
	return &b, nil
}

// needsSDN: the health-manager port needs an SDN chassis on the unit, but
// only for amphorae on a real cloud (upstream requires it always).
func needsSDN(c Config) bool { return c.EnableAmphora && !c.NoopDrivers }

func sdnReadiness(in Inputs) relations.Readiness {
	if _, r := neutronplugin.Parse(in.Relations[EndpointNeutronOpenvSwitch]); r == relations.Ready {
		return r
	}
	_, r := ovsdb.ParseSubordinate(in.Relations[EndpointOVSDBSubordinate])
	return r
}

// schemaCovers reports whether the leader's schema mark is at least this
// unit's Octavia major version.
func schemaCovers(mark, upstream string) bool {
	if mark == "" {
		return false
	}
	return major(mark) >= major(upstream)
}

func major(version string) int {
	n, err := strconv.Atoi(strings.SplitN(version, ".", 2)[0])
	if err != nil {
		return -1
	}
	return n
}

// releaseOf names the OpenStack release of an installed Octavia package.
func releaseOf(debVersion string) string {
	if r := apt.ReleaseOf(debVersion); r != "" {
		return r
	}
	return "unknown"
}

// workers mirrors charm-helpers: CPUs x worker-multiplier; unset (or 0)
// means x2 capped at 4; never fewer than one.
func workers(c Config, cpus int) int {
	if cpus < 1 {
		cpus = 1
	}
	mult := 2.0
	capped := true
	if c.WorkerMultiplier != nil && *c.WorkerMultiplier > 0 {
		mult = *c.WorkerMultiplier
		capped = false
	}
	n := int(float64(cpus) * mult)
	if capped && n > 4 {
		n = 4
	}
	if n < 1 {
		n = 1
	}
	return n
}

// controllerList renders the upstream leader setting (a JSON list of
// health-manager addresses) as Octavia's controller_ip_port_list.
func controllerList(raw string) string {
	var ips []string
	if raw == "" || json.Unmarshal([]byte(raw), &ips) != nil {
		return ""
	}
	sort.Strings(ips)
	out := make([]string, 0, len(ips))
	for _, ip := range ips {
		if net.ParseIP(ip) == nil {
			continue
		}
		out = append(out, ip+":5555")
	}
	return strings.Join(out, ", ")
}

// addressOf returns this unit's address on a binding, falling back to the
// cluster binding (Juju's default space) when a binding has none.
func addressOf(h Host, binding string) string {
	if a := h.Addresses[binding]; a != "" {
		return a
	}
	return h.Addresses[EndpointCluster]
}

// endpointURL builds an API URL for one endpoint type (public, internal,
// admin) on the host resolveAddress picks (endpoints.go).
func endpointURL(in Inputs, kind string) string {
	host := resolveAddress(in.Config, in.Host, appOf(in.Unit), kind)
	if host == "" {
		return ""
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(APIPort))
}

// publish builds this unit's relation data for every relation it has.
func (p *Planner) publish(in Inputs, tls apiTLS) map[string]relations.Bag {
	out := map[string]relations.Bag{}
	c, h := in.Config, in.Host
	each := func(endpoint string, bag relations.Bag) {
		for _, r := range in.Relations[endpoint] {
			out[r.ID] = bag
		}
	}
	if a := addressOf(h, EndpointSharedDB); a != "" {
		each(EndpointSharedDB, mysqlshared.Request("octavia", "octavia", a))
	}
	if a := addressOf(h, EndpointAMQP); a != "" {
		each(EndpointAMQP, rabbitmq.Request("octavia", "openstack", a))
	}
	public, internal, admin := endpointURL(in, "public"), endpointURL(in, "internal"), endpointURL(in, "admin")
	public, internal, admin = tls.url(public), tls.url(internal), tls.url(admin)
	for id, bag := range tls.requests {
		out[id] = bag
	}
	if public != "" && internal != "" && admin != "" {
		each(EndpointIdentityService, keystone.Request(keystone.Registration{
			Region: c.Region, PublicURL: public, InternalURL: internal, AdminURL: admin,
		}))
		each(EndpointNeutronAPI, neutronlb.Request("octavia", internal))
	}
	each(EndpointCluster, openstackha.Request(openstackha.Addresses{
		Admin: unitAddress(c, h, "admin"), Internal: unitAddress(c, h, "internal"), Public: unitAddress(c, h, "public"),
	}))
	publishNRPE(in, out)
	return out
}
