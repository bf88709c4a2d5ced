// Package cloud is the charm's OpenStack API layer: it finds or creates the
// load-balancer management resources Octavia needs (the lb-mgmt network,
// subnet and router, the amphora and health-manager security groups, the
// amphora flavor, keypair and quotas), keeps each unit's health-manager port
// bound and up, looks up the amphora image and asks Octavia to push a new
// agent configuration to its amphorae.
//
// Everything the charm owns carries a Neutron tag (TagManagement,
// TagHealth, UnitTag), the same tags the upstream Python charm uses, so a
// unit switched from that charm finds its resources. Every call searches by
// tag before it creates, so a pass interrupted half way converges on the
// next one and never creates anything twice.
//
// Credentials stay inside the gophercloud provider client: no error, report
// line or log message built here contains a password or key material.
package cloud

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/tokens"
)

// RequestTimeout bounds every single HTTP request to Keystone and the
// services, so that an endpoint that accepts connections but never answers
// fails the hook instead of hanging it.
const RequestTimeout = 15 * time.Second

// Credentials are the service credentials from the identity-service relation.
type Credentials struct {
	// AuthURL is the Keystone v3 endpoint, e.g. "http://127.0.0.1:5000/v3".
	AuthURL string
	// Username, Password and UserDomain (a domain name) identify the
	// service user.
	Username, Password, UserDomain string
	// Project and ProjectDomain name the service project; ProjectID, when
	// set, is used instead of them.
	Project, ProjectDomain, ProjectID string
	// Region selects catalog endpoints; empty accepts any region.
	Region string
	// Interface is "public" or "internal" (use-internal-endpoints); empty
	// means public.
	Interface string
	// CACert is PEM trust for Keystone and the services; nil means the
	// system roots.
	CACert []byte
}

// Cloud is an authenticated session on one OpenStack cloud, scoped to the
// charm's service project. Service clients are made on first use, so a
// pass that needs only Neutron never looks up Nova. A Cloud is safe for
// concurrent use.
type Cloud struct {
	provider  *gophercloud.ProviderClient
	endpoints gophercloud.EndpointOpts
	projectID string

	mu      sync.Mutex
	clients map[string]*gophercloud.ServiceClient
	neutron *neutronFeatures
}

// Connect authenticates once against Keystone v3 with c and returns a
// session scoped to the service project. The token is renewed with the same
// credentials when it expires.
func Connect(ctx context.Context, c Credentials) (*Cloud, error) {
	httpClient, err := newHTTPClient(c.CACert)
	if err != nil {
		return nil, err
	}
	provider, err := openstack.NewClient(c.AuthURL)
	if err != nil {
		return nil, fmt.Errorf("keystone auth url %q: %w", c.AuthURL, err)
	}
	provider.HTTPClient = *httpClient

	scope := &gophercloud.AuthScope{ProjectID: c.ProjectID}
	if c.ProjectID == "" {
		scope = &gophercloud.AuthScope{ProjectName: c.Project, DomainName: c.ProjectDomain}
	}
	opts := &gophercloud.AuthOptions{
		IdentityEndpoint: c.AuthURL,
		Username:         c.Username,
		Password:         c.Password,
		DomainName:       c.UserDomain,
		Scope:            scope,
		AllowReauth:      true,
	}
	if err := openstack.AuthenticateV3(ctx, provider, opts, gophercloud.EndpointOpts{}); err != nil {
		return nil, fmt.Errorf("authenticate user %q (domain %q) to %s: %w", c.Username, c.UserDomain, c.AuthURL, err)
	}

	projectID := c.ProjectID
	if projectID == "" {
		projectID, err = tokenProjectID(provider)
		if err != nil {
			return nil, err
		}
	}
	availability := gophercloud.AvailabilityPublic
	if c.Interface == "internal" {
		availability = gophercloud.AvailabilityInternal
	}
	return &Cloud{
		provider:  provider,
		endpoints: gophercloud.EndpointOpts{Region: c.Region, Availability: availability},
		projectID: projectID,
		clients:   map[string]*gophercloud.ServiceClient{},
	}, nil
}

// ProjectID is the service project the session is scoped to; resources the
// charm creates belong to it and searches are limited to it.
func (c *Cloud) ProjectID() string { return c.projectID }

func newHTTPClient(caPEM []byte) (*http.Client, error) {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	if caPEM != nil {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(caPEM) {
			return nil, errors.New("CA certificate for OpenStack endpoints: no PEM certificate found")
		}
		transport.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: transport, Timeout: RequestTimeout}, nil
}

func tokenProjectID(provider *gophercloud.ProviderClient) (string, error) {
	result, ok := provider.GetAuthResult().(tokens.CreateResult)
	if !ok {
		return "", errors.New("keystone token: no v3 authentication result")
	}
	project, err := result.ExtractProject()
	if err != nil {
		return "", fmt.Errorf("keystone token: read project: %w", err)
	}
	if project == nil || project.ID == "" {
		return "", errors.New("keystone token is not scoped to a project")
	}
	return project.ID, nil
}

// EndpointError says the catalog has no usable endpoint for a service.
type EndpointError struct {
	// Service is the catalog service type, e.g. "compute".
	Service string
	// Region and Interface are what the endpoint was looked up with.
	Region, Interface string
	// Err is gophercloud's error.
	Err error
}

func (e *EndpointError) Error() string {
	region := e.Region
	if region == "" {
		region = "any region"
	}
	return fmt.Sprintf("no %s endpoint for %s in the Keystone catalog (%s): %v", e.Interface, e.Service, region, e.Err)
}

func (e *EndpointError) Unwrap() error { return e.Err }

// service returns the client for a catalog service type, made on first use.
func (c *Cloud) service(serviceType string) (*gophercloud.ServiceClient, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if sc, ok := c.clients[serviceType]; ok {
		return sc, nil
	}
	newClient := map[string]func(*gophercloud.ProviderClient, gophercloud.EndpointOpts) (*gophercloud.ServiceClient, error){
		"network":       openstack.NewNetworkV2,
		"compute":       openstack.NewComputeV2,
		"image":         openstack.NewImageV2,
		"load-balancer": openstack.NewLoadBalancerV2,
	}[serviceType]
	// gophercloud reads the endpoint's version document here (one GET on
	// unversioned endpoints such as Neutron's and Octavia's).
	sc, err := newClient(c.provider, c.endpoints)
	var notFound *gophercloud.ErrEndpointNotFound
	if errors.As(err, &notFound) {
		return nil, &EndpointError{Service: serviceType, Region: c.endpoints.Region, Interface: string(c.endpoints.Availability), Err: err}
	}
	if err != nil {
		return nil, fmt.Errorf("discover the %s API versions at its catalog endpoint: %w", serviceType, err)
	}
	c.clients[serviceType] = sc
	return sc, nil
}

func (c *Cloud) network() (*gophercloud.ServiceClient, error) { return c.service("network") }
func (c *Cloud) compute() (*gophercloud.ServiceClient, error) { return c.service("compute") }
func (c *Cloud) image() (*gophercloud.ServiceClient, error)   { return c.service("image") }

// TagManagement marks everything the charm owns on the management network:
// network, subnet, router, amphora security group and health-manager ports.
const TagManagement = "charm-octavia"

// TagHealth marks the health-manager security group.
const TagHealth = "charm-octavia-health"

// UnitTag is the tag of a unit's health-manager port: "octavia/0" gives
// "charm-octavia-octavia-0", as in the upstream charm.
func UnitTag(unit string) string {
	return TagManagement + "-" + strings.ReplaceAll(unit, "/", "-")
}

// unitFromTag reverses UnitTag: the unit number is the part after the last
// dash, since application names may contain dashes but unit numbers may not.
func unitFromTag(tag string) (string, bool) {
	rest, ok := strings.CutPrefix(tag, TagManagement+"-")
	if !ok || tag == TagHealth {
		return "", false
	}
	i := strings.LastIndexByte(rest, '-')
	if i <= 0 || i == len(rest)-1 {
		return "", false
	}
	for _, r := range rest[i+1:] {
		if r < '0' || r > '9' {
			return "", false
		}
	}
	return rest[:i] + "/" + rest[i+1:], true
}

// HealthManagerPortName is the Neutron name of a unit's health-manager
// port, e.g. "octavia-health-manager-octavia-0-listen-port".
func HealthManagerPortName(unit string) string {
	return "octavia-health-manager-" + strings.ReplaceAll(unit, "/", "-") + "-listen-port"
}

// DuplicateError says a tag that must mark exactly one resource marks
// several; nothing is created until an operator removes the extra ones or
// their tag.
type DuplicateError struct {
	// What is the kind of resource, e.g. "network".
	What string
	// Tag is the tag they share.
	Tag string
	// IDs are the resources found, sorted.
	IDs []string
}

func (e *DuplicateError) Error() string {
	return fmt.Sprintf("%d %ss are tagged %s (%s): remove the tag from all but one", len(e.IDs), e.What, e.Tag, strings.Join(e.IDs, ", "))
}

// atMostOne returns the only item, nil for none, or a *DuplicateError.
func atMostOne[T any](what, tag string, items []T, id func(T) string) (*T, error) {
	switch len(items) {
	case 0:
		return nil, nil
	case 1:
		return &items[0], nil
	}
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = id(it)
	}
	slices.Sort(ids)
	return nil, &DuplicateError{What: what, Tag: tag, IDs: ids}
}
