package octavia

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"charm-octavia/internal/pki"
	"charm-octavia/internal/relations"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var (
	bundleOnce sync.Once
	bundle     pki.Bundle
	other      pki.Bundle
)

// testPKI generates two dual CAs once per test binary (RSA keys are slow).
func testPKI(t testing.TB) (pki.Bundle, pki.Bundle) {
	t.Helper()
	bundleOnce.Do(func() {
		var err error
		if bundle, err = pki.Generate(rand.Reader, testNow); err != nil {
			panic(err)
		}
		if other, err = pki.Generate(rand.Reader, testNow); err != nil {
			panic(err)
		}
	})
	return bundle, other
}

var testNow = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

func rel(id, app string, units map[string]relations.Bag) relations.Endpoint {
	return relations.Endpoint{{ID: id, RemoteApp: app, Units: units}}
}

// readyInputs is a leader unit with every relation complete, as the
// documented provider charms publish them (relation-interfaces.md §16).
func readyInputs(t testing.TB) Inputs {
	b, _ := testPKI(t)
	return Inputs{
		Unit:   "octavia/0",
		Leader: true,
		Config: DefaultConfig(),
		Relations: map[string]relations.Endpoint{
			EndpointSharedDB: rel("shared-db:1", "octavia-mysql-router", map[string]relations.Bag{
				"octavia-mysql-router/0": {"db_host": "127.0.0.1", "db_port": "3306", "password": "db-pa$$word", "allowed_units": "octavia/0", "wait_timeout": "3600"},
			}),
			EndpointAMQP: rel("amqp:2", "rabbitmq-server", map[string]relations.Bag{
				"rabbitmq-server/0": {"hostname": "10.0.0.21", "private-address": "10.0.0.21", "password": "rabbit-pw"},
				"rabbitmq-server/1": {"hostname": "10.0.0.22", "private-address": "10.0.0.22", "password": "rabbit-pw"},
			}),
			EndpointIdentityService: rel("identity-service:3", "keystone", map[string]relations.Bag{
				"keystone/0": {
					"service_host": "10.0.0.5", "service_port": "5000", "service_protocol": "http",
					"internal_host": "10.0.0.5", "internal_port": "5000", "internal_protocol": "http",
					"auth_host": "10.0.0.5", "auth_port": "35357", "auth_protocol": "http",
					"service_username": "octavia", "service_password": "ks-pw", "service_tenant": "services",
					"service_tenant_id": "0123", "service_domain": "service_domain", "api_version": "3",
					"service_type": "load-balancer",
				},
			}),
			EndpointNeutronOpenvSwitch: rel("neutron-openvswitch:4", "neutron-openvswitch-octavia", map[string]relations.Bag{
				"neutron-openvswitch-octavia/0": {"host": "juju-3f2a1b-0.maas"},
			}),
			EndpointNeutronAPI: rel("neutron-api:5", "neutron-api", map[string]relations.Bag{
				"neutron-api/0": {"neutron-api-ready": "True"},
			}),
			EndpointCluster: {{ID: "cluster:0", RemoteApp: "octavia"}},
		},
		LeaderSettings: map[string]string{},
		Shared:         &Shared{HeartbeatKey: "hb-key", ServerCertsKeyPassphrase: strings.Repeat("p", 32), PKI: b},
		Host: Host{
			Hostname: "juju-3f2a1b-0", CPUs: 8,
			Addresses: map[string]string{"public": "10.0.0.11", "internal": "10.0.0.11", "admin": "10.0.0.11",
				EndpointSharedDB: "10.0.0.11", EndpointAMQP: "10.0.0.11", EndpointCluster: "10.0.0.11"},
		},
		Packages: Packages{OctaviaVersion: "1:11.0.0-3"},
		Now:      testNow,
	}
}

// noop is a unit with noop drivers and no SDN subordinate: it manages no
// management network.
func noop(in Inputs) Inputs {
	in.Config.NoopDrivers = true
	delete(in.Relations, EndpointNeutronOpenvSwitch)
	return in
}

func TestPlanStatusReasons(t *testing.T) {
	_, otherCA := testPKI(t)
	b64 := func(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
	cases := []struct {
		name   string
		mutate func(*Inputs)
		code   string
		msg    string
		config bool // Plan.Configure
	}{
		{"ready noop leader", func(in *Inputs) { *in = noop(*in) }, "active", "Unit is ready", true},
		{"no relations", func(in *Inputs) { in.Relations = nil }, "blocked",
			"'shared-db' missing, 'amqp' missing, 'identity-service' missing, 'neutron-api' missing, 'sdn-subordinate' missing", false},
		{"no relations noop needs no SDN", func(in *Inputs) { *in = noop(*in); in.Relations = nil }, "blocked",
			"'shared-db' missing, 'amqp' missing, 'identity-service' missing", false},
		{"mysql has not granted this unit", func(in *Inputs) {
			in.Relations[EndpointSharedDB][0].Units["octavia-mysql-router/0"]["allowed_units"] = "octavia/1"
		}, "waiting", "'shared-db' incomplete", false},
		{"keystone not answered", func(in *Inputs) {
			in.Relations[EndpointIdentityService][0].Units["keystone/0"] = relations.Bag{}
		}, "waiting", "'identity-service' incomplete", false},
		{"missing beats incomplete", func(in *Inputs) {
			delete(in.Relations, EndpointAMQP)
			in.Relations[EndpointIdentityService][0].Units["keystone/0"] = relations.Bag{}
		}, "blocked", "'amqp' missing", false},
		{"follower without shared secrets", func(in *Inputs) { in.Leader = false; in.Shared = nil }, "waiting",
			"Waiting for the leader to share the control-plane secrets", false},
		{"follower waits for migration", func(in *Inputs) { *in = noop(*in); in.Leader = false }, "waiting",
			"Waiting for the leader to migrate the database", true},
		{"follower after migration", func(in *Inputs) {
			*in = noop(*in)
			in.Leader = false
			in.LeaderSettings[LeaderSchema] = "11.0.0"
		}, "active", "Unit is ready", true},
		{"follower after upstream charm migrated", func(in *Inputs) {
			*in = noop(*in)
			in.Leader = false
			in.LeaderSettings["db-sync-done"] = "True"
		}, "active", "Unit is ready", true},
		{"amphora leader, auto-configure pending", func(in *Inputs) {}, "waiting",
			"Setting up the management network", true},
		{"amphora leader, cloud pass reported", func(in *Inputs) {
			in.Network.Reasons = []Reason{{Blocked, "No active amphora image tagged 'octavia-amphora' in Glance"}}
		}, "blocked", "No active amphora image tagged 'octavia-amphora' in Glance", true},
		{"amphora follower without resources", func(in *Inputs) { in.Leader = false; in.LeaderSettings[LeaderSchema] = "11.0.0" }, "waiting",
			"Waiting for the leader to set up the management network", true},
		{"upstream: leader without resources", func(in *Inputs) { in.Config.AutoConfigureResources = false }, "blocked",
			"Awaiting end-user execution of `configure-resources` action to create required resources", true},
		{"upstream: follower without resources", func(in *Inputs) {
			in.Config.AutoConfigureResources = false
			in.Leader = false
			in.LeaderSettings[LeaderSchema] = "11.0.0"
		}, "blocked", "Awaiting leader to create required resources", true},
		{"upstream: without create-mgmt-network", func(in *Inputs) {
			in.Config.AutoConfigureResources = false
			in.Config.CreateMgmtNetwork = false
		}, "blocked", "Awaiting end-user to create required resources and execute `configure-resources` action", true},
		{"no SDN subordinate", func(in *Inputs) { delete(in.Relations, EndpointNeutronOpenvSwitch) }, "blocked",
			"'sdn-subordinate' missing", false},
		{"no neutron-api", func(in *Inputs) { delete(in.Relations, EndpointNeutronAPI) }, "blocked",
			"'neutron-api' missing", false},
		{"amphora without mgmt address", func(in *Inputs) {
			in.LeaderSettings[LeaderMgmtNetwork] = `{"network":"net-1","health-secgroup":"sg-2"}`
		}, "waiting", "Waiting for an address on the health-manager interface o-hm0", true},
		{"amphora port not active", func(in *Inputs) {
			in.LeaderSettings[LeaderMgmtNetwork] = `{"network":"net-1","health-secgroup":"sg-2"}`
			in.Network.Reasons = []Reason{{Waiting, "Health-manager port is DOWN"}}
		}, "waiting", "Health-manager port is DOWN", true},
		{"amphora ready", func(in *Inputs) {
			in.LeaderSettings[LeaderMgmtNetwork] = `{"network":"net-1","health-secgroup":"sg-2"}`
			in.Host.MgmtAddress = "fd00::10"
		}, "active", "Unit is ready", true},
		{"amphora ready after a switch from upstream", func(in *Inputs) {
			in.Config.AutoConfigureResources = false
			in.Leader = false
			in.LeaderSettings[LeaderSchema] = "11.0.0"
			in.LeaderSettings["amp-boot-network-list"] = "net-1"
			in.LeaderSettings[LeaderMgmtNetwork] = `{"network":"net-1","health-secgroup":"sg-2"}`
			in.Host.MgmtAddress = "fc00::10"
		}, "active", "Unit is ready", true},
		{"bad topology", func(in *Inputs) { in.Config.LoadBalancerTopology = "TRIPLE" }, "blocked",
			`loadbalancer-topology: must be SINGLE or ACTIVE_STANDBY, not "TRIPLE"`, false},
		{"negative worker multiplier", func(in *Inputs) { m := -1.0; in.Config.WorkerMultiplier = &m }, "blocked",
			"worker-multiplier: must not be negative", false},
		{"bad origin", func(in *Inputs) { in.Config.OpenStackOrigin = "cloud:nonsense" }, "blocked", "openstack-origin: ", false},
		{"lb-mgmt partly set", func(in *Inputs) { in.Config.IssuingCACert = b64(otherCA.IssuingCACert) }, "blocked", "lb-mgmt-", false},
		{"lb-mgmt garbage", func(in *Inputs) {
			b, _ := testPKI(t)
			in.Config.IssuingCACert = "not base64 !!"
			in.Config.IssuingCAKey = b64(b.IssuingCAKey)
			in.Config.IssuingCAKeyPassphrase = b.IssuingCAPassphrase
			in.Config.ControllerCACert = b64(b.ControllerCACert)
			in.Config.ControllerCert = b64(b.ControllerBundle())
		}, "blocked", "lb-mgmt-issuing-cacert: ", false},
		{"lb-mgmt same CA twice", func(in *Inputs) {
			b, _ := testPKI(t)
			*in = noop(*in)
			in.Config.IssuingCACert = b64(b.IssuingCACert)
			in.Config.IssuingCAKey = b64(b.IssuingCAKey)
			in.Config.IssuingCAKeyPassphrase = b.IssuingCAPassphrase
			in.Config.ControllerCACert = b64(b.IssuingCACert)
			in.Config.ControllerCert = b64(b.ControllerBundle())
		}, "blocked", "lb-mgmt-controller-cacert: ", false},
		{"lb-mgmt valid", func(in *Inputs) {
			b, _ := testPKI(t)
			*in = noop(*in)
			in.Config.IssuingCACert = b64(b.IssuingCACert)
			in.Config.IssuingCAKey = b64(b.IssuingCAKey)
			in.Config.IssuingCAKeyPassphrase = b.IssuingCAPassphrase
			in.Config.ControllerCACert = b64(b.ControllerCACert)
			in.Config.ControllerCert = b64(b.ControllerBundle())
		}, "active", "Unit is ready", true},
		{"packages missing", func(in *Inputs) { in.Packages.Missing = []string{"haproxy"} }, "maintenance", "Installing packages", false},
	}
	p := NewPlanner()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := readyInputs(t)
			tc.mutate(&in)
			pl := p.Plan(in)
			st := StatusOf(pl.Reasons)
			if st.Code != tc.code || !strings.HasPrefix(st.Message, tc.msg) {
				t.Errorf("status = %s %q, want %s %q...", st.Code, st.Message, tc.code, tc.msg)
			}
			if pl.Configure != tc.config {
				t.Errorf("Configure = %v, want %v", pl.Configure, tc.config)
			}
			if !pl.Configure && len(pl.Files) > 0 {
				t.Errorf("a plan that does not configure renders %d files", len(pl.Files))
			}
			for _, secret := range []string{"hb-key", "db-pa$$word", "rabbit-pw", "ks-pw", bundle.IssuingCAPassphrase} {
				if strings.Contains(st.Message, secret) {
					t.Errorf("status %q leaks a secret", st.Message)
				}
			}
		})
	}
}

func TestPlanLeaderMigratesOncePerRelease(t *testing.T) {
	p := NewPlanner()
	in := noop(readyInputs(t))
	pl := p.Plan(in)
	if !pl.Migrate || pl.SchemaMark != "11.0.0" || pl.SchemaReady {
		t.Fatalf("fresh leader: Migrate=%v mark=%q ready=%v", pl.Migrate, pl.SchemaMark, pl.SchemaReady)
	}
	in.LeaderSettings[LeaderSchema] = "11.0.0"
	if pl := p.Plan(in); pl.Migrate || !pl.SchemaReady {
		t.Fatalf("migrated leader: Migrate=%v ready=%v", pl.Migrate, pl.SchemaReady)
	}
	in.Packages.OctaviaVersion = "1:12.0.0-1"
	if pl := p.Plan(in); !pl.Migrate || pl.SchemaMark != "12.0.0" {
		t.Fatalf("upgraded leader: Migrate=%v mark=%q", pl.Migrate, pl.SchemaMark)
	}
	in.Leader = false
	if pl := p.Plan(in); pl.SchemaReady {
		t.Fatal("a follower on 12.0.0 must wait while the schema is at 11.0.0")
	}
}

func TestPlanIsDeterministic(t *testing.T) {
	p := NewPlanner()
	in := readyInputs(t)
	a, b := p.Plan(in), p.Plan(in)
	if len(a.Files) != len(b.Files) {
		t.Fatal("file count differs between two plans of the same inputs")
	}
	for i := range a.Files {
		if !bytes.Equal(a.Files[i].Data, b.Files[i].Data) {
			t.Errorf("%s differs between two plans of the same inputs", a.Files[i].Path)
		}
	}
}

func TestPlanFiles(t *testing.T) {
	p := NewPlanner()
	pl := p.Plan(readyInputs(t))
	byPath := map[string]File{}
	for _, f := range pl.Files {
		byPath[f.Path] = f
		if f.Mode&0o007 != 0 && strings.HasPrefix(f.Path, CertDir) {
			t.Errorf("%s is world-accessible (%v)", f.Path, f.Mode)
		}
	}
	for _, path := range []string{ConfPath, APISitePath, HAProxyConfPath, MemcachedPath,
		CertDir + "/issuing_ca.pem", CertDir + "/issuing_ca_key.pem", CertDir + "/controller_ca.pem", CertDir + "/controller_cert.pem"} {
		if _, ok := byPath[path]; !ok {
			t.Errorf("plan lacks %s", path)
		}
	}
	conf := byPath[ConfPath]
	if conf.Mode != 0o640 || conf.Owner != "root" || conf.Group != "octavia" {
		t.Errorf("octavia.conf is %s:%s %v, want root:octavia 0640", conf.Owner, conf.Group, conf.Mode)
	}
	text := string(conf.Data)
	for _, want := range []string{
		"transport_url = rabbit://octavia:rabbit-pw@10.0.0.21:5672,octavia:rabbit-pw@10.0.0.22:5672/openstack",
		"connection = mysql+pymysql://octavia:db-pa%24%24word@127.0.0.1:3306/octavia",
		"heartbeat_key = hb-key",
		"server_certs_key_passphrase = " + strings.Repeat("p", 32),
		"auth_url = http://10.0.0.5:35357",
		"project_domain_name = service_domain",
		"client_ca = /etc/octavia/certs/controller_ca.pem",
		"client_cert = /etc/octavia/certs/controller_cert.pem",
		"ca_private_key = /etc/octavia/certs/issuing_ca_key.pem",
		"amphora_driver = amphora_haproxy_rest_driver",
		"amp_image_tag = octavia-amphora",
		"health_update_threads = 4",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("octavia.conf lacks %q", want)
		}
	}
	cert := byPath[CertDir+"/controller_cert.pem"]
	if !bytes.Contains(cert.Data, []byte("CERTIFICATE")) || !bytes.Contains(cert.Data, []byte("PRIVATE KEY")) {
		t.Error("controller_cert.pem must hold the certificate followed by its key")
	}
	if !strings.Contains(string(byPath[HAProxyConfPath].Data), "server octavia-0 10.0.0.11:9866 check") {
		t.Errorf("haproxy.cfg lacks this unit's backend:\n%s", byPath[HAProxyConfPath].Data)
	}
}

func TestPlanNoopDrivers(t *testing.T) {
	pl := NewPlanner().Plan(noop(readyInputs(t)))
	var conf string
	for _, f := range pl.Files {
		if f.Path == ConfPath {
			conf = string(f.Data)
		}
	}
	for _, want := range []string{"amphora_driver = amphora_noop_driver", "compute_driver = compute_noop_driver",
		"network_driver = network_noop_driver", "image_driver = image_noop_driver", "volume_driver = volume_noop_driver",
		"cert_manager = local_cert_manager", "enabled_provider_drivers = amphora:The Octavia Amphora driver."} {
		if !strings.Contains(conf, want) {
			t.Errorf("noop octavia.conf lacks %q", want)
		}
	}
}

func TestPlanPublishesDocumentedKeys(t *testing.T) {
	pl := NewPlanner().Plan(readyInputs(t))
	want := map[string]relations.Bag{
		"shared-db:1": {"database": "octavia", "username": "octavia", "hostname": "10.0.0.11"},
		"amqp:2":      {"username": "octavia", "vhost": "openstack", "private-address": "10.0.0.11"},
		"cluster:0":   {"admin-address": "10.0.0.11", "internal-address": "10.0.0.11", "public-address": "10.0.0.11"},
	}
	for id, bag := range want {
		for k, v := range bag {
			if got := pl.Publish[id][k]; got != v {
				t.Errorf("%s %s = %q, want %q", id, k, got, v)
			}
		}
	}
	ks := pl.Publish["identity-service:3"]
	if ks["service"] != "octavia" || ks["public_url"] != "http://10.0.0.11:9876" || ks["region"] != "RegionOne" ||
		ks["requested_roles"] != "load-balancer_observer,load-balancer_global_observer,load-balancer_member,load-balancer_quota_admin,load-balancer_admin" {
		t.Errorf("identity-service publishes %v", ks)
	}
}

func TestPlanBadConfigKeepsLastGoodState(t *testing.T) {
	in := readyInputs(t)
	in.Config.AntiAffinityPolicy = "sometimes"
	pl := NewPlanner().Plan(in)
	if pl.Configure || len(pl.Files) > 0 || len(pl.Services) > 0 || len(pl.Packages) > 0 || pl.Migrate || len(pl.Publish) > 0 {
		t.Errorf("bad config must change nothing: %+v", pl)
	}
}

func TestOctaviaConfGolden(t *testing.T) {
	in := noop(readyInputs(t))
	in.Relations[EndpointAMQP][0].Units["rabbitmq-server/0"]["ssl_port"] = "5671"
	in.Shared.PKI.IssuingCAPassphrase = "issuing-ca-passphrase" // generated bundles vary
	pl := NewPlanner().Plan(in)
	var got []byte
	for _, f := range pl.Files {
		if f.Path == ConfPath {
			got = f.Data
		}
	}
	path := filepath.Join("testdata", "octavia.conf.golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("octavia.conf differs from %s (go test -update rewrites it):\n%s", path, got)
	}
}

// On Ubuntu the packaged API site holds 9876 until Apache reloads onto the
// charm's site: Apache must come before haproxy.
func TestPlanStartsApacheBeforeHAProxy(t *testing.T) {
	pl := NewPlanner().Plan(noop(readyInputs(t)))
	apache, haproxy := -1, -1
	for i, s := range pl.Services {
		switch s {
		case SvcApache:
			apache = i
		case SvcHAProxy:
			haproxy = i
		}
	}
	if apache < 0 || haproxy < 0 || apache > haproxy {
		t.Errorf("services %v: apache2 must come before haproxy", pl.Services)
	}
}
