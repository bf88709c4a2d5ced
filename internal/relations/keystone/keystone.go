// Package keystone speaks the keystone interface on Octavia's
// identity-service endpoint, where Octavia is the requirer: it builds the
// service and endpoint registration this unit publishes and reads the
// service credentials keystone answers with.
//
// It was written against the provider charm-keystone (identity_changed,
// add_service_to_keystone) and the reactive requirer the upstream charm uses,
// openstack/charm-interface-keystone (KeystoneRequires, including its
// forward-compatible application-databag lookups meant for keystone-k8s);
// see shared/reference/relation-interfaces.md §5. Keystone writes raw strings
// in the unit databag of its leader only.
package keystone

import (
	"fmt"
	"strings"

	"charm-octavia/internal/relations"
)

// Service is the keystone service name Octavia registers; keystone maps it
// to the service type load-balancer.
const Service = "octavia"

// null is the value keystone publishes for legacy keys it has cleared.
const null = "__null__"

// Roles returns the roles Octavia asks keystone to create and to grant to
// its admin user, in the upstream order (§5.1). Each call returns a new slice.
func Roles() []string {
	return []string{
		"load-balancer_observer",
		"load-balancer_global_observer",
		"load-balancer_member",
		"load-balancer_quota_admin",
		"load-balancer_admin",
	}
}

// Registration is what Octavia asks keystone to put in the catalog.
type Registration struct {
	// Region is config region, e.g. RegionOne.
	Region string
	// PublicURL, InternalURL and AdminURL are the API endpoints,
	// <scheme>://<address>:9876 with no path.
	PublicURL, InternalURL, AdminURL string
}

// Request returns what this unit publishes (§5.1): service=octavia, region,
// public_url, internal_url, admin_url, and requested_roles and
// add_role_to_admin both set to the comma-joined Roles. All raw strings.
func Request(r Registration) relations.Bag {
	roles := strings.Join(Roles(), ",")
	return relations.Bag{
		"service":           Service,
		"region":            r.Region,
		"public_url":        r.PublicURL,
		"internal_url":      r.InternalURL,
		"admin_url":         r.AdminURL,
		"requested_roles":   roles,
		"add_role_to_admin": roles,
	}
}

// DefaultDomain is the domain used when keystone publishes no service_domain.
const DefaultDomain = "default"

// Credentials is keystone's answer, complete only when Parse reports Ready.
// Password is a secret: String and GoString redact it, and Reason never
// contains a remote value.
type Credentials struct {
	// ServiceHost, ServicePort and ServiceProtocol are keystone's public
	// endpoint (service_*).
	ServiceHost, ServicePort, ServiceProtocol string
	// InternalHost, InternalPort and InternalProtocol are keystone's internal
	// endpoint (internal_*); empty when keystone did not send them.
	InternalHost, InternalPort, InternalProtocol string
	// AuthHost, AuthPort and AuthProtocol are keystone's admin endpoint (auth_*).
	AuthHost, AuthPort, AuthProtocol string
	// Username is service_username, Password service_password.
	Username, Password string
	// Project is service_tenant, ProjectID service_tenant_id.
	Project, ProjectID string
	// ProjectDomain and UserDomain are service_domain, or DefaultDomain
	// when keystone sent none.
	ProjectDomain, UserDomain string
	// ServiceType is service_type (load-balancer), empty when absent.
	ServiceType string
	// APIVersion is api_version (3), empty when absent.
	APIVersion string
	// CACert is the PEM CA from the legacy ca_cert key (base64 decoded; raw
	// PEM accepted too), nil when absent or __null__.
	CACert []byte
	// Reason says, when Parse does not report Ready, what is missing or
	// malformed, naming keys only, never values.
	Reason string
}

// requiredKeys are the ten keys identity-service.available needs (§5.4).
func requiredKeys() []string {
	return []string{
		"service_host", "service_protocol", "service_port",
		"auth_host", "auth_protocol", "auth_port",
		"service_tenant", "service_username", "service_password", "service_tenant_id",
	}
}

// appKey is the name a key has in the remote application databag (§5.4):
// a few are renamed, every other one has '_' replaced by '-'.
func appKey(key string) string {
	switch key {
	case "service_username":
		return "service-user-name"
	case "service_tenant":
		return "service-project-name"
	case "service_tenant_id":
		return "service-project-id"
	case "service_domain":
		return "service-domain-name"
	}
	return strings.ReplaceAll(key, "_", "-")
}

// lookup reads key as KeystoneRequires does: first the remote application
// databag under its remapped name (raw), then the unit databags, first unit
// that has it, JSON-decoded when it is a JSON string. __null__ and JSON null
// count as absent.
func lookup(e relations.Endpoint, key string) string {
	ak := appKey(key)
	for _, r := range e {
		if v := r.App[ak]; v != "" && v != null {
			return v
		}
	}
	for _, u := range e.Units() {
		v := u.Data[key]
		if v == "" {
			continue
		}
		v = relations.JSONString(v)
		if v != "" && v != null {
			return v
		}
	}
	return ""
}

// Parse reads the identity-service endpoint.
//
// It reports Missing when no keystone unit has joined, and Ready when the ten
// required keys are present (from the application databag under their
// keystone-k8s names, else from any unit; __null__ counts as absent) and
// usable: hosts are IP addresses or host names, ports are TCP ports and
// protocols are http or https. Otherwise it reports Incomplete with Reason
// naming the keys. The optional internal_* keys and ca_cert must be usable
// when present, or the relation stays Incomplete too rather than rendering
// something half right.
func Parse(e relations.Endpoint) (Credentials, relations.Readiness) {
	if !e.Joined() {
		return Credentials{Reason: "no keystone unit has joined"}, relations.Missing
	}
	var missing []string
	for _, k := range requiredKeys() {
		if lookup(e, k) == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return Credentials{Reason: "keystone has not published " + strings.Join(missing, ", ")}, relations.Incomplete
	}
	c := Credentials{
		ServiceHost:      lookup(e, "service_host"),
		ServicePort:      lookup(e, "service_port"),
		ServiceProtocol:  lookup(e, "service_protocol"),
		InternalHost:     lookup(e, "internal_host"),
		InternalPort:     lookup(e, "internal_port"),
		InternalProtocol: lookup(e, "internal_protocol"),
		AuthHost:         lookup(e, "auth_host"),
		AuthPort:         lookup(e, "auth_port"),
		AuthProtocol:     lookup(e, "auth_protocol"),
		Username:         lookup(e, "service_username"),
		Password:         lookup(e, "service_password"),
		Project:          lookup(e, "service_tenant"),
		ProjectID:        lookup(e, "service_tenant_id"),
		ProjectDomain:    lookup(e, "service_domain"),
		ServiceType:      lookup(e, "service_type"),
		APIVersion:       lookup(e, "api_version"),
	}
	if c.ProjectDomain == "" {
		c.ProjectDomain = DefaultDomain
	}
	c.UserDomain = c.ProjectDomain

	var bad []string
	endpoint := func(prefix, host, port, proto string, optional bool) {
		if optional && host == "" && port == "" && proto == "" {
			return
		}
		if !relations.ValidHost(host) {
			bad = append(bad, prefix+"_host")
		}
		if _, ok := relations.ParsePort(port); !ok {
			bad = append(bad, prefix+"_port")
		}
		if proto != "http" && proto != "https" {
			bad = append(bad, prefix+"_protocol")
		}
	}
	endpoint("service", c.ServiceHost, c.ServicePort, c.ServiceProtocol, false)
	endpoint("internal", c.InternalHost, c.InternalPort, c.InternalProtocol, true)
	endpoint("auth", c.AuthHost, c.AuthPort, c.AuthProtocol, false)
	if len(bad) > 0 {
		return Credentials{Reason: "keystone published unusable " + strings.Join(bad, ", ")}, relations.Incomplete
	}
	if ca := lookup(e, "ca_cert"); ca != "" {
		pem, err := relations.DecodeBase64PEM(ca)
		if err != nil {
			return Credentials{Reason: fmt.Sprintf("ca_cert is not base64 PEM: %v", err)}, relations.Incomplete
		}
		c.CACert = pem
	}
	return c, relations.Ready
}

// AuthURL is keystone's admin endpoint, {auth_protocol}://{auth_host}:{auth_port}
// ([keystone_authtoken] auth_url), with an IPv6 host bracketed.
func (c Credentials) AuthURL() string {
	return baseURL(c.AuthProtocol, c.AuthHost, c.AuthPort)
}

// PublicAuthURL is keystone's public endpoint,
// {service_protocol}://{service_host}:{service_port}
// ([keystone_authtoken] auth_uri, www_authenticate_uri), with an IPv6 host
// bracketed.
func (c Credentials) PublicAuthURL() string {
	return baseURL(c.ServiceProtocol, c.ServiceHost, c.ServicePort)
}

// InternalAuthURL is keystone's internal endpoint,
// {internal_protocol}://{internal_host}:{internal_port}, or the public one
// when keystone sent no internal endpoint.
func (c Credentials) InternalAuthURL() string {
	if u := baseURL(c.InternalProtocol, c.InternalHost, c.InternalPort); u != "" {
		return u
	}
	return c.PublicAuthURL()
}

func baseURL(proto, host, port string) string {
	if host == "" {
		return ""
	}
	return proto + "://" + relations.JoinHostPort(host, port)
}

// String describes the Credentials for logs with the password redacted.
func (c Credentials) String() string {
	pw := "<none>"
	if c.Password != "" {
		pw = "<redacted>"
	}
	ca := "<none>"
	if c.CACert != nil {
		ca = fmt.Sprintf("<%d bytes>", len(c.CACert))
	}
	return fmt.Sprintf("Credentials{Service:%s Internal:%s Auth:%s Username:%s Password:%s Project:%s ProjectID:%s "+
		"ProjectDomain:%s UserDomain:%s ServiceType:%s APIVersion:%s CACert:%s Reason:%q}",
		c.PublicAuthURL(), baseURL(c.InternalProtocol, c.InternalHost, c.InternalPort), c.AuthURL(),
		c.Username, pw, c.Project, c.ProjectID, c.ProjectDomain, c.UserDomain, c.ServiceType, c.APIVersion, ca, c.Reason)
}

// GoString is String, so that %#v does not print the password either.
func (c Credentials) GoString() string { return c.String() }
