package octavia

import (
	"bytes"
	"embed"
	"fmt"
	"strings"
	"text/template"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

// templates are parsed once per process; they are constants of the binary.
func parseTemplates() *template.Template {
	return template.Must(template.New("").Funcs(template.FuncMap{"ini": iniValue}).ParseFS(templateFS, "templates/*.tmpl"))
}

// iniValue escapes a value for oslo.config, which substitutes $name and
// ${name}: a literal dollar is written $$. Values never hold newlines: the
// config validation and the relation parsers refuse them before rendering.
func iniValue(s string) string { return strings.ReplaceAll(s, "$", "$$") }

// Paths of the files Octavia reads.
type Paths struct {
	IssuingCACert    string
	IssuingCAKey     string
	ControllerCACert string
	ControllerCert   string
}

// DefaultPaths are the upstream charm's certificate paths.
var defaultPaths = Paths{
	IssuingCACert:    CertDir + "/issuing_ca.pem",
	IssuingCAKey:     CertDir + "/issuing_ca_key.pem",
	ControllerCACert: CertDir + "/controller_ca.pem",
	ControllerCert:   CertDir + "/controller_cert.pem",
}

// Drivers are the [controller_worker] and [certificates] driver choices.
type Drivers struct {
	Amphora, Compute, Network, Image, Volume, CertManager string
}

// realDrivers are what production clouds run; noopDrivers let the API and
// worker flows complete without Nova, Neutron, Glance or Cinder.
func drivers(c Config) Drivers {
	if c.NoopDrivers {
		return Drivers{
			Amphora: "amphora_noop_driver", Compute: "compute_noop_driver",
			Network: "network_noop_driver", Image: "image_noop_driver",
			Volume: "volume_noop_driver", CertManager: "local_cert_manager",
		}
	}
	d := Drivers{
		Amphora: "amphora_haproxy_rest_driver", Compute: "compute_nova_driver",
		Network: "allowed_address_pairs_driver", Image: "image_glance_driver",
		Volume: "volume_noop_driver", CertManager: "barbican_cert_manager",
	}
	if c.EnableVolumeBasedAmphora {
		d.Volume = "volume_cinder_driver"
	}
	return d
}

// Credentials are the Keystone credentials rendered into [service_auth],
// [keystone_authtoken] and (from Bobcat on) [neutron].
type Credentials struct {
	AuthURL, PublicAuthURL                       string
	ProjectDomain, UserDomain, Project, Username string
	Password, Region, Memcached, CAFile          string
	ServiceType                                  string
}

// KV is one rendered key and value.
type KV struct{ Key, Value string }

// confView is everything octavia.conf shows.
type confView struct {
	Release                  string
	Debug                    bool
	TransportURL             string
	DatabaseURL              string
	ProviderDrivers          string
	DefaultProvider          string
	BindIP                   string
	ControllerIPPortList     string
	HeartbeatKey             string
	Workers                  int
	WorkerSettings           []KV
	Topology                 string
	Drivers                  Drivers
	Paths                    Paths
	IssuingCAKeyPassphrase   string
	ServerCertsKeyPassphrase string
	Region                   string
	EndpointType             string
	Retries                  struct{ ConnectionMax, ConnectionInterval, ActiveMax, ActiveInterval int }
	ServiceAuth              Credentials
	Keystone                 Credentials
	NeutronAuth              bool
	Rabbit                   struct {
		HAQueues bool
		SSL      bool
		CAFile   string
	}
	AntiAffinity struct {
		Enabled bool
		Policy  string
	}
	Volume *struct {
		Size int
		Type string
	}
}

// antiAffinity mirrors the upstream charm: off for SINGLE or "disable";
// ACTIVE_STANDBY with "auto" means soft-anti-affinity.
func (v *confView) setAntiAffinity(c Config) {
	if c.LoadBalancerTopology != "ACTIVE_STANDBY" || c.AntiAffinityPolicy == "disable" {
		return
	}
	v.AntiAffinity.Enabled = true
	v.AntiAffinity.Policy = c.AntiAffinityPolicy
	if v.AntiAffinity.Policy == "auto" {
		v.AntiAffinity.Policy = "soft-anti-affinity"
	}
}

func renderTemplate(t *template.Template, name string, view any) ([]byte, error) {
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, name, view); err != nil {
		return nil, fmt.Errorf("render %s: %w", name, err)
	}
	return b.Bytes(), nil
}
