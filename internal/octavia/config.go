package octavia

import (
	"fmt"
	"strings"
)

// Config is the charm's configuration as `config-get --all --format=json`
// returns it. Option names are the upstream charm's (charms/octavia/config.yaml).
// Options without a default are pointers (nil means unset) or empty strings.
type Config struct {
	// Amphora and management network.
	LoadBalancerTopology     string   `json:"loadbalancer-topology"`
	IssuingCACert            string   `json:"lb-mgmt-issuing-cacert"`
	IssuingCAKey             string   `json:"lb-mgmt-issuing-ca-private-key"`
	IssuingCAKeyPassphrase   string   `json:"lb-mgmt-issuing-ca-key-passphrase"`
	ControllerCACert         string   `json:"lb-mgmt-controller-cacert"`
	ControllerCert           string   `json:"lb-mgmt-controller-cert"`
	CustomAmpFlavorID        string   `json:"custom-amp-flavor-id"`
	CreateMgmtNetwork        bool     `json:"create-mgmt-network"`
	AmpImageTag              string   `json:"amp-image-tag"`
	AmpImageOwnerID          string   `json:"amp-image-owner-id"`
	SparePoolSize            *int     `json:"spare-pool-size"` // ignored: removed from Octavia in Xena
	UsePolicydOverride       bool     `json:"use-policyd-override"`
	AmpSSHKeyName            string   `json:"amp-ssh-key-name"`
	AmpSSHPubKey             string   `json:"amp-ssh-pub-key"`
	NagiosContext            string   `json:"nagios_context"`
	NagiosServiceGroups      string   `json:"nagios_servicegroups"`
	AntiAffinityPolicy       string   `json:"anti-affinity-policy"`
	EnableAmphora            bool     `json:"enable-amphora"`
	TLSWarnDays              int      `json:"tls_warn_days"`
	TLSCritDays              int      `json:"tls_crit_days"`
	ConnectionMaxRetries     int      `json:"connection-max-retries"`
	ConnectionRetryInterval  int      `json:"connection-retry-interval"`
	ActiveConnMaxRetries     int      `json:"active-connection-max-retries"`
	ActiveConnRetryInterval  int      `json:"active-connection-retry-interval"`
	EnableVolumeBasedAmphora bool     `json:"enable-volume-based-amphora"`
	VolumeSize               int      `json:"volume-size"`
	VolumeType               string   `json:"volume-type"`
	NoopDrivers              bool     `json:"noop-drivers"`
	AutoConfigureResources   bool     `json:"auto-configure-resources"`
	Debug                    bool     `json:"debug"`
	UseInternalEndpoints     bool     `json:"use-internal-endpoints"`
	SSLCert                  string   `json:"ssl_cert"`
	SSLKey                   string   `json:"ssl_key"`
	SSLCA                    string   `json:"ssl_ca"`
	OpenStackOrigin          string   `json:"openstack-origin"`
	ActionManagedUpgrade     bool     `json:"action-managed-upgrade"`
	OSAdminNetwork           string   `json:"os-admin-network"`
	OSInternalNetwork        string   `json:"os-internal-network"`
	OSPublicNetwork          string   `json:"os-public-network"`
	OSAdminHostname          string   `json:"os-admin-hostname"`
	OSInternalHostname       string   `json:"os-internal-hostname"`
	OSPublicHostname         string   `json:"os-public-hostname"`
	Region                   string   `json:"region"`
	WorkerMultiplier         *float64 `json:"worker-multiplier"`
	HAProxyServerTimeout     *int     `json:"haproxy-server-timeout"`
	HAProxyClientTimeout     *int     `json:"haproxy-client-timeout"`
	HAProxyQueueTimeout      *int     `json:"haproxy-queue-timeout"`
	HAProxyConnectTimeout    *int     `json:"haproxy-connect-timeout"`
	DNSHA                    bool     `json:"dns-ha"`
	VIP                      string   `json:"vip"`
	VIPIface                 string   `json:"vip_iface"`
	VIPCIDR                  int      `json:"vip_cidr"`
}

// DefaultConfig is the configuration Juju reports for a fresh deployment:
// the defaults of charms/octavia/config.yaml. Tests start from it.
func DefaultConfig() Config {
	return Config{
		LoadBalancerTopology:    "SINGLE",
		CreateMgmtNetwork:       true,
		AmpImageTag:             "octavia-amphora",
		NagiosContext:           "juju",
		NagiosServiceGroups:     "juju",
		AntiAffinityPolicy:      "auto",
		EnableAmphora:           true,
		AutoConfigureResources:  true,
		TLSWarnDays:             30,
		TLSCritDays:             14,
		ConnectionMaxRetries:    120,
		ConnectionRetryInterval: 5,
		ActiveConnMaxRetries:    15,
		ActiveConnRetryInterval: 2,
		VolumeSize:              16,
		OpenStackOrigin:         "distro",
		Region:                  "RegionOne",
		VIPIface:                "eth0",
		VIPCIDR:                 24,
	}
}

// Problem is one bad configuration value: the option and what is wrong with
// it, phrased for a blocked status. It never quotes secret material.
type Problem struct {
	Option string
	Issue  string
}

func (p Problem) String() string { return p.Option + ": " + p.Issue }

// Validate checks every option this charm acts on and returns the problems,
// in option order. Certificate options are checked by the PKI step, origins
// by the package-source parser; both add their own problems.
func (c Config) Validate() []Problem {
	var ps []Problem
	add := func(opt, format string, a ...any) { ps = append(ps, Problem{opt, fmt.Sprintf(format, a...)}) }

	switch c.LoadBalancerTopology {
	case "SINGLE", "ACTIVE_STANDBY":
	default:
		add("loadbalancer-topology", "must be SINGLE or ACTIVE_STANDBY, not %q", clip(c.LoadBalancerTopology))
	}
	switch c.AntiAffinityPolicy {
	case "anti-affinity", "soft-anti-affinity", "auto", "disable":
	default:
		add("anti-affinity-policy", "must be anti-affinity, soft-anti-affinity, auto or disable, not %q", clip(c.AntiAffinityPolicy))
	}
	if c.WorkerMultiplier != nil && *c.WorkerMultiplier < 0 {
		add("worker-multiplier", "must not be negative")
	}
	for _, o := range []struct {
		name string
		v    int
	}{
		{"connection-max-retries", c.ConnectionMaxRetries},
		{"connection-retry-interval", c.ConnectionRetryInterval},
		{"active-connection-max-retries", c.ActiveConnMaxRetries},
		{"active-connection-retry-interval", c.ActiveConnRetryInterval},
	} {
		if o.v < 0 {
			add(o.name, "must not be negative")
		}
	}
	for _, o := range []struct {
		name string
		v    *int
	}{
		{"haproxy-server-timeout", c.HAProxyServerTimeout},
		{"haproxy-client-timeout", c.HAProxyClientTimeout},
		{"haproxy-queue-timeout", c.HAProxyQueueTimeout},
		{"haproxy-connect-timeout", c.HAProxyConnectTimeout},
	} {
		if o.v != nil && *o.v < 0 {
			add(o.name, "must not be negative")
		}
	}
	if c.EnableVolumeBasedAmphora && c.VolumeSize <= 0 {
		add("volume-size", "must be a positive number of GB when enable-volume-based-amphora is true")
	}
	if c.EnableAmphora && strings.TrimSpace(c.AmpImageTag) == "" {
		add("amp-image-tag", "must be set while enable-amphora is true")
	}
	if strings.TrimSpace(c.Region) == "" || strings.ContainsAny(c.Region, " \t") {
		add("region", "must be a single word such as RegionOne")
	}
	// Values rendered verbatim into octavia.conf must stay on one line.
	for _, o := range []struct{ name, v string }{
		{"amp-image-tag", c.AmpImageTag},
		{"amp-image-owner-id", c.AmpImageOwnerID},
		{"amp-ssh-key-name", c.AmpSSHKeyName},
		{"custom-amp-flavor-id", c.CustomAmpFlavorID},
		{"volume-type", c.VolumeType},
		{"region", c.Region},
	} {
		if strings.ContainsAny(o.v, "\r\n") {
			add(o.name, "must be a single line")
		}
	}
	return ps
}

// clip shortens a value quoted back to the operator in a status message.
func clip(s string) string {
	const max = 32
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}
