package octavia

import (
	"io/fs"
	"net"
	"strconv"
	"strings"
	"text/template"

	"charm-octavia/internal/pki"
	"charm-octavia/internal/relations/keystone"
	"charm-octavia/internal/relations/mysqlshared"
	"charm-octavia/internal/relations/openstackha"
	"charm-octavia/internal/relations/rabbitmq"
	"charm-octavia/internal/system/apt"
)

type templateSet struct{ t *template.Template }

// memcachedServer is where the API caches Keystone tokens.
const memcachedServer = "127.0.0.1:11211"

// files renders every file of a configured unit.
func (p *Planner) files(in Inputs, release string, b *pki.Bundle, db mysqlshared.Database, mq rabbitmq.Broker, ks keystone.Credentials, tls apiTLS) ([]File, error) {
	var files []File
	conf := func(path string, mode fs.FileMode, data []byte, restart, reload []string) {
		files = append(files, File{Path: path, Owner: "root", Group: "octavia", Mode: mode, Data: data, Restart: restart, Reload: reload})
	}
	public := func(path string, data []byte, restart []string) {
		files = append(files, File{Path: path, Owner: "root", Group: "octavia", Mode: 0o644, Data: data, Restart: restart})
	}

	// Certificates for the amphora control plane: the worker, health
	// manager and housekeeping read them (the API does not).
	conf(defaultPaths.IssuingCACert, 0o640, b.IssuingCACert, controllers, nil)
	conf(defaultPaths.IssuingCAKey, 0o440, b.IssuingCAKey, controllers, nil)
	conf(defaultPaths.ControllerCACert, 0o640, b.ControllerCACert, controllers, nil)
	conf(defaultPaths.ControllerCert, 0o640, b.ControllerBundle(), controllers, nil)

	// CA certificates of the services Octavia talks to.
	everything := append([]string{}, controllers...)
	var sslPaths mysqlshared.SSLPaths
	if len(db.SSLCA) > 0 {
		public(DatabaseCAPath, db.SSLCA, everything)
		sslPaths.CA = DatabaseCAPath
		if len(db.SSLCert) > 0 && len(db.SSLKey) > 0 {
			public(DatabaseCrtPath, db.SSLCert, everything)
			conf(DatabaseKeyPath, 0o640, db.SSLKey, everything, nil)
			sslPaths.Cert, sslPaths.Key = DatabaseCrtPath, DatabaseKeyPath
		}
	}
	view := confView{
		Release:                  release,
		Debug:                    in.Config.Debug,
		TransportURL:             mq.TransportURL("octavia", "openstack"),
		DatabaseURL:              db.URI("octavia", "octavia", sslPaths),
		BindIP:                   "127.0.0.1",
		ControllerIPPortList:     controllerList(in.LeaderSettings[upstreamControllers]),
		HeartbeatKey:             in.Shared.HeartbeatKey,
		Workers:                  workers(in.Config, in.Host.CPUs),
		Topology:                 in.Config.LoadBalancerTopology,
		Drivers:                  drivers(in.Config),
		Paths:                    defaultPaths,
		IssuingCAKeyPassphrase:   b.IssuingCAPassphrase,
		ServerCertsKeyPassphrase: in.Shared.ServerCertsKeyPassphrase,
		Region:                   in.Config.Region,
		NeutronAuth:              major(apt.UpstreamVersion(in.Packages.OctaviaVersion)) >= 13, // Bobcat
	}
	if in.Host.MgmtAddress != "" {
		view.BindIP = in.Host.MgmtAddress
	}
	if in.Config.NoopDrivers {
		view.ProviderDrivers = "amphora:The Octavia Amphora driver."
		view.DefaultProvider = "amphora"
	}
	if in.Config.UseInternalEndpoints {
		view.EndpointType = "internalURL"
	}
	view.WorkerSettings = workerSettings(in)
	view.Retries.ConnectionMax = in.Config.ConnectionMaxRetries
	view.Retries.ConnectionInterval = in.Config.ConnectionRetryInterval
	view.Retries.ActiveMax = in.Config.ActiveConnMaxRetries
	view.Retries.ActiveInterval = in.Config.ActiveConnRetryInterval
	view.setAntiAffinity(in.Config)
	if in.Config.EnableVolumeBasedAmphora {
		view.Volume = &struct {
			Size int
			Type string
		}{in.Config.VolumeSize, in.Config.VolumeType}
	}
	view.Rabbit.SSL = mq.SSL
	if mq.SSL && len(mq.SSLCA) > 0 {
		public(RabbitCAPath, mq.SSLCA, everything)
		view.Rabbit.CAFile = RabbitCAPath
	}
	view.Rabbit.HAQueues = mq.HAQueues
	creds := Credentials{
		AuthURL: ks.AuthURL(), PublicAuthURL: ks.PublicAuthURL(),
		ProjectDomain: ks.ProjectDomain, UserDomain: ks.UserDomain, Project: ks.Project,
		Username: ks.Username, Password: ks.Password, Region: in.Config.Region,
		Memcached: memcachedServer, ServiceType: ks.ServiceType,
	}
	if len(ks.CACert) > 0 {
		public(KeystoneCAPath, ks.CACert, everything)
		creds.CAFile = KeystoneCAPath
	}
	view.ServiceAuth, view.Keystone = creds, creds
	view.ServiceAuth.ServiceType = ""

	octaviaConf, err := renderTemplate(p.templates.t, "octavia.conf.tmpl", view)
	if err != nil {
		return nil, err
	}
	// The API runs in Apache's WSGI daemons: a graceful reload re-reads the
	// configuration without dropping the listener.
	conf(ConfPath, 0o640, octaviaConf, controllers, []string{SvcApache})

	site, err := renderTemplate(p.templates.t, "octavia-api.conf.tmpl", struct{ Port, PublicPort, Processes int }{
		tls.wsgiPort(), APIPort, workers(in.Config, in.Host.CPUs),
	})
	if err != nil {
		return nil, err
	}
	files = append(files, File{Path: APISitePath, Owner: "root", Group: "root", Mode: 0o644, Data: site, Reload: []string{SvcApache}})

	haproxy, err := renderTemplate(p.templates.t, "haproxy.cfg.tmpl", haproxyView(in, tls.on()))
	if err != nil {
		return nil, err
	}
	files = append(files, File{Path: HAProxyConfPath, Owner: "root", Group: "root", Mode: 0o644, Data: haproxy, Reload: []string{SvcHAProxy}})

	memcached, err := renderTemplate(p.templates.t, "memcached.conf.tmpl", nil)
	if err != nil {
		return nil, err
	}
	files = append(files, networkdFile(in)...)
	files = append(files, File{Path: MemcachedPath, Owner: "root", Group: "root", Mode: 0o644, Data: memcached, Restart: []string{SvcMemcached}})
	tlsFiles, err := p.tlsFiles(tls)
	if err != nil {
		return nil, err
	}
	files = append(files, tlsFiles...)
	return files, nil
}

// workerSettings are the [controller_worker] values that are rendered only
// when known: from config, or from the upstream charm's leader settings
// (resource ids its configure-resources action stored).
func workerSettings(in Inputs) []KV {
	c, ls := in.Config, in.LeaderSettings
	var kv []KV
	add := func(k, v string) {
		if v != "" {
			kv = append(kv, KV{k, v})
		}
	}
	add("amp_image_tag", c.AmpImageTag)
	add("amp_image_owner_id", c.AmpImageOwnerID)
	add("amp_ssh_key_name", c.AmpSSHKeyName)
	add("amp_secgroup_list", ls[upstreamSecGroups])
	flavor := c.CustomAmpFlavorID
	if flavor == "" {
		flavor = ls[upstreamFlavorID]
	}
	add("amp_flavor_id", flavor)
	add("amp_boot_network_list", ls[upstreamBootNetworks])
	return kv
}

type backend struct{ Name, Address string }

// haproxyView lists every unit's API backend: this unit and its peers.
func haproxyView(in Inputs, checkSSL bool) any {
	timeout := func(v *int, def int) int {
		if v == nil || *v == 0 {
			return def
		}
		return *v
	}
	c := in.Config
	backends := []backend{{Name: unitSlug(in.Unit), Address: hostPort(unitAddress(c, in.Host, "internal"), APIBackendPort)}}
	for _, peer := range openstackha.Parse(in.Relations[EndpointCluster]) {
		addr := peer.Internal
		if addr == "" {
			addr = peer.Private
		}
		if addr == "" {
			continue
		}
		backends = append(backends, backend{Name: unitSlug(peer.Unit), Address: hostPort(addr, APIBackendPort)})
	}
	return struct {
		Port                                                       int
		IPv6                                                       bool
		QueueTimeout, ConnectTimeout, ClientTimeout, ServerTimeout int
		Backends                                                   []backend
		CheckSSL                                                   bool
	}{
		Port: APIPort, IPv6: in.Host.IPv6,
		QueueTimeout: timeout(c.HAProxyQueueTimeout, 9000), ConnectTimeout: timeout(c.HAProxyConnectTimeout, 9000),
		ClientTimeout: timeout(c.HAProxyClientTimeout, 90000), ServerTimeout: timeout(c.HAProxyServerTimeout, 90000),
		Backends: backends, CheckSSL: checkSSL,
	}
}

func hostPort(host string, port int) string {
	if host == "" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, strconv.Itoa(port))
}

// unitSlug turns "octavia/0" into "octavia-0" for haproxy server names.
func unitSlug(unit string) string { return strings.ReplaceAll(unit, "/", "-") }
