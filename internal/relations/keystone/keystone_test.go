package keystone

import (
	"encoding/base64"
	"fmt"
	"maps"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"charm-octavia/internal/relations"
)

const caText = "-----BEGIN CERTIFICATE-----\na2V5c3RvbmUgY2E=\n-----END CERTIFICATE-----\n"

const roles = "load-balancer_observer,load-balancer_global_observer,load-balancer_member,load-balancer_quota_admin,load-balancer_admin"

// leader is §5.5: what keystone/0 (leader) publishes to octavia.
func leader() relations.Bag {
	return relations.Bag{
		"auth_host": "10.0.0.5", "service_host": "10.0.0.5", "internal_host": "10.0.0.5",
		"auth_port": "35357", "service_port": "5000", "internal_port": "5000",
		"auth_protocol": "https", "service_protocol": "https", "internal_protocol": "https",
		"service_username": "octavia", "service_password": "kspw", "service_user_id": "u1",
		"service_tenant": "services", "service_tenant_id": "p1",
		"service_domain": "service_domain", "service_domain_id": "d1",
		"api_version": "3", "admin_domain_id": "d0", "admin_project_id": "p0", "admin_user_id": "u0",
		"admin_role": "Admin", "created_roles": roles, "service_type": "load-balancer",
		"private-address": "10.0.0.5",
	}
}

func with(b relations.Bag, kv ...string) relations.Bag {
	out := maps.Clone(b)
	if out == nil {
		out = relations.Bag{}
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			delete(out, kv[i])
		} else {
			out[kv[i]] = kv[i+1]
		}
	}
	return out
}

// ready is the Credentials §5.5 yields.
func ready() Credentials {
	return Credentials{
		ServiceHost: "10.0.0.5", ServicePort: "5000", ServiceProtocol: "https",
		InternalHost: "10.0.0.5", InternalPort: "5000", InternalProtocol: "https",
		AuthHost: "10.0.0.5", AuthPort: "35357", AuthProtocol: "https",
		Username: "octavia", Password: "kspw", Project: "services", ProjectID: "p1",
		ProjectDomain: "service_domain", UserDomain: "service_domain",
		ServiceType: "load-balancer", APIVersion: "3",
	}
}

func TestRoles(t *testing.T) {
	if got := strings.Join(Roles(), ","); got != roles {
		t.Errorf("Roles = %s", got)
	}
	r := Roles()
	r[0] = "changed"
	if Roles()[0] != "load-balancer_observer" {
		t.Error("Roles shares its slice between calls")
	}
}

func TestRequest(t *testing.T) {
	tests := []struct {
		name string
		reg  Registration
		want relations.Bag
	}{
		{
			name: "§5.5 with TLS",
			reg:  Registration{Region: "RegionOne", PublicURL: "https://octavia.example.com:9876", InternalURL: "https://10.0.0.100:9876", AdminURL: "https://10.0.0.100:9876"},
			want: relations.Bag{
				"service": "octavia", "region": "RegionOne",
				"public_url":        "https://octavia.example.com:9876",
				"internal_url":      "https://10.0.0.100:9876",
				"admin_url":         "https://10.0.0.100:9876",
				"requested_roles":   roles,
				"add_role_to_admin": roles,
			},
		},
		{
			name: "before TLS",
			reg:  Registration{Region: "RegionTwo", PublicURL: "http://10.0.0.100:9876", InternalURL: "http://10.0.0.100:9876", AdminURL: "http://10.0.0.100:9876"},
			want: relations.Bag{
				"service": "octavia", "region": "RegionTwo",
				"public_url":        "http://10.0.0.100:9876",
				"internal_url":      "http://10.0.0.100:9876",
				"admin_url":         "http://10.0.0.100:9876",
				"requested_roles":   roles,
				"add_role_to_admin": roles,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Request(tt.reg); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Request =\n %v\nwant\n %v", got, tt.want)
			}
		})
	}
}

func TestParse(t *testing.T) {
	// appBag is a keystone-k8s style application databag: remapped names
	// and '-' for '_'.
	appBag := relations.Bag{
		"service-host": "10.1.0.5", "service-port": "5000", "service-protocol": "http",
		"auth-host": "10.1.0.5", "auth-port": "5000", "auth-protocol": "http",
		"service-user-name": "svc-octavia", "service-password": "apppw",
		"service-project-name": "service", "service-project-id": "p9",
		"service-domain-name": "service_domain",
	}
	tests := []struct {
		name      string
		e         relations.Endpoint
		want      Credentials
		readiness relations.Readiness
		reason    string
		authURL   string
		publicURL string
	}{
		{
			name:      "no relation",
			readiness: relations.Missing,
		},
		{
			name:      "related, keystone not joined",
			e:         relations.Endpoint{{ID: "identity-service:5"}},
			readiness: relations.Missing,
		},
		{
			name:      "joined, leader not answered",
			e:         relations.Endpoint{{ID: "identity-service:5", Units: map[string]relations.Bag{"keystone/0": {"private-address": "10.0.0.5"}}}},
			readiness: relations.Incomplete,
			reason:    "service_host, service_protocol, service_port, auth_host, auth_protocol, auth_port, service_tenant, service_username, service_password, service_tenant_id",
		},
		{
			name: "§5.5 via the leader's unit bag; non-leaders publish nothing",
			e: relations.Endpoint{{ID: "identity-service:5", Units: map[string]relations.Bag{
				"keystone/0": {"private-address": "10.0.0.6"},
				"keystone/1": leader(),
				"keystone/2": {"private-address": "10.0.0.7"},
			}}},
			want:      ready(),
			readiness: relations.Ready,
			authURL:   "https://10.0.0.5:35357",
			publicURL: "https://10.0.0.5:5000",
		},
		{
			name: "via the application bag remap (keystone-k8s)",
			e: relations.Endpoint{{ID: "identity-service:5", App: appBag, Units: map[string]relations.Bag{
				"keystone/0": {"private-address": "10.1.0.5"},
			}}},
			want: Credentials{
				ServiceHost: "10.1.0.5", ServicePort: "5000", ServiceProtocol: "http",
				AuthHost: "10.1.0.5", AuthPort: "5000", AuthProtocol: "http",
				Username: "svc-octavia", Password: "apppw", Project: "service", ProjectID: "p9",
				ProjectDomain: "service_domain", UserDomain: "service_domain",
			},
			readiness: relations.Ready,
			authURL:   "http://10.1.0.5:5000",
			publicURL: "http://10.1.0.5:5000",
		},
		{
			name: "application bag wins over unit bag, key by key",
			e: relations.Endpoint{{ID: "identity-service:5",
				App:   relations.Bag{"service-user-name": "k8s-user", "auth-host": "10.9.9.9"},
				Units: map[string]relations.Bag{"keystone/0": leader()}}},
			want: func() Credentials {
				c := ready()
				c.Username, c.AuthHost = "k8s-user", "10.9.9.9"
				return c
			}(),
			readiness: relations.Ready,
			authURL:   "https://10.9.9.9:35357",
			publicURL: "https://10.0.0.5:5000",
		},
		{
			name: "application bag under the unit name is not read (service_username is remapped)",
			e: relations.Endpoint{{ID: "identity-service:5",
				App:   relations.Bag{"service-username": "wrong"},
				Units: map[string]relations.Bag{"keystone/0": leader()}}},
			want:      ready(),
			readiness: relations.Ready,
			authURL:   "https://10.0.0.5:35357",
			publicURL: "https://10.0.0.5:5000",
		},
		{
			name: "JSON-encoded unit values are decoded",
			e: relations.Endpoint{{ID: "identity-service:5", Units: map[string]relations.Bag{
				"keystone/0": with(leader(), "service_username", `"octavia"`, "service_port", "5000"),
			}}},
			want:      ready(),
			readiness: relations.Ready,
			authURL:   "https://10.0.0.5:35357",
			publicURL: "https://10.0.0.5:5000",
		},
		{
			name: "__null__ in a required key counts as absent",
			e: relations.Endpoint{{ID: "identity-service:5", Units: map[string]relations.Bag{
				"keystone/0": with(leader(), "service_password", "__null__"),
			}}},
			readiness: relations.Incomplete,
			reason:    "keystone has not published service_password",
		},
		{
			name: "__null__ legacy TLS keys are ignored",
			e: relations.Endpoint{{ID: "identity-service:5", Units: map[string]relations.Bag{
				"keystone/0": with(leader(), "ca_cert", "__null__", "ssl_cert", "__null__", "ssl_key", "__null__", "https_keystone", "__null__"),
			}}},
			want:      ready(),
			readiness: relations.Ready,
			authURL:   "https://10.0.0.5:35357",
			publicURL: "https://10.0.0.5:5000",
		},
		{
			name: "ca_cert base64",
			e: relations.Endpoint{{ID: "identity-service:5", Units: map[string]relations.Bag{
				"keystone/0": with(leader(), "ca_cert", base64.StdEncoding.EncodeToString([]byte(caText))),
			}}},
			want:      func() Credentials { c := ready(); c.CACert = []byte(caText); return c }(),
			readiness: relations.Ready,
			authURL:   "https://10.0.0.5:35357",
			publicURL: "https://10.0.0.5:5000",
		},
		{
			name: "ca_cert raw PEM",
			e: relations.Endpoint{{ID: "identity-service:5", Units: map[string]relations.Bag{
				"keystone/0": with(leader(), "ca_cert", caText),
			}}},
			want:      func() Credentials { c := ready(); c.CACert = []byte(caText); return c }(),
			readiness: relations.Ready,
			authURL:   "https://10.0.0.5:35357",
			publicURL: "https://10.0.0.5:5000",
		},
		{
			name: "ca_cert garbage",
			e: relations.Endpoint{{ID: "identity-service:5", Units: map[string]relations.Bag{
				"keystone/0": with(leader(), "ca_cert", "!!not base64!!"),
			}}},
			readiness: relations.Incomplete,
			reason:    "ca_cert is not base64 PEM",
		},
		{
			name: "no service_domain: default",
			e: relations.Endpoint{{ID: "identity-service:5", Units: map[string]relations.Bag{
				"keystone/0": with(leader(), "service_domain", ""),
			}}},
			want: func() Credentials {
				c := ready()
				c.ProjectDomain, c.UserDomain = "default", "default"
				return c
			}(),
			readiness: relations.Ready,
			authURL:   "https://10.0.0.5:35357",
			publicURL: "https://10.0.0.5:5000",
		},
		{
			name: "IPv6 keystone",
			e: relations.Endpoint{{ID: "identity-service:5", Units: map[string]relations.Bag{
				"keystone/0": with(leader(), "auth_host", "fd00::5", "service_host", "fd00::6", "internal_host", "", "internal_port", "", "internal_protocol", ""),
			}}},
			want: func() Credentials {
				c := ready()
				c.AuthHost, c.ServiceHost = "fd00::5", "fd00::6"
				c.InternalHost, c.InternalPort, c.InternalProtocol = "", "", ""
				return c
			}(),
			readiness: relations.Ready,
			authURL:   "https://[fd00::5]:35357",
			publicURL: "https://[fd00::6]:5000",
		},
		{
			name: "host name",
			e: relations.Endpoint{{ID: "identity-service:5", Units: map[string]relations.Bag{
				"keystone/0": with(leader(), "service_host", "keystone.example.com"),
			}}},
			want:      func() Credentials { c := ready(); c.ServiceHost = "keystone.example.com"; return c }(),
			readiness: relations.Ready,
			authURL:   "https://10.0.0.5:35357",
			publicURL: "https://keystone.example.com:5000",
		},
		{
			name: "garbage host, port and protocol",
			e: relations.Endpoint{{ID: "identity-service:5", Units: map[string]relations.Bag{
				"keystone/0": with(leader(), "auth_host", "10.0.0.5/evil", "service_port", "50o0", "auth_protocol", "ftp"),
			}}},
			readiness: relations.Incomplete,
			reason:    "keystone published unusable service_port, auth_host, auth_protocol",
		},
		{
			name: "partial internal endpoint",
			e: relations.Endpoint{{ID: "identity-service:5", Units: map[string]relations.Bag{
				"keystone/0": with(leader(), "internal_port", ""),
			}}},
			readiness: relations.Incomplete,
			reason:    "internal_port",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, r := Parse(tt.e)
			if r != tt.readiness {
				t.Fatalf("readiness = %v, want %v (reason %q)", r, tt.readiness, got.Reason)
			}
			if r != relations.Ready {
				if got.Reason == "" || !strings.Contains(got.Reason, tt.reason) {
					t.Errorf("reason %q does not contain %q", got.Reason, tt.reason)
				}
				if got.Password != "" || got.AuthURL() != "" {
					t.Errorf("not Ready but returned credentials: %v", got)
				}
				return
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse =\n %v\nwant\n %v", got, tt.want)
			}
			if got.Password != tt.want.Password {
				t.Error("password differs")
			}
			if u := got.AuthURL(); u != tt.authURL {
				t.Errorf("AuthURL = %s, want %s", u, tt.authURL)
			}
			if u := got.PublicAuthURL(); u != tt.publicURL {
				t.Errorf("PublicAuthURL = %s, want %s", u, tt.publicURL)
			}
		})
	}
}

func TestNoSecretInOutput(t *testing.T) {
	const pw = "S3cr3t-P@ss/w:rd%$"
	bags := []relations.Bag{
		with(leader(), "service_password", pw),
		with(leader(), "service_password", pw, "service_host", ""),
		with(leader(), "service_password", pw, "auth_port", pw),
		with(leader(), "service_password", pw, "ca_cert", pw),
	}
	for i, b := range bags {
		c, r := Parse(relations.Endpoint{{ID: "identity-service:5", Units: map[string]relations.Bag{"keystone/0": b}}})
		for _, out := range []string{c.Reason, c.String(), c.GoString(), fmt.Sprintf("%v %+v %#v %s", c, c, c, c), fmt.Sprint([]Credentials{c})} {
			if strings.Contains(out, pw) || strings.Contains(out, "S3cr3t") {
				t.Errorf("case %d (%v): output leaks the password: %s", i, r, out)
			}
		}
	}
}

// FuzzParse feeds arbitrary keystone data to Parse: it must never panic, and
// whatever it accepts must give auth URLs that net/url reads back.
func FuzzParse(f *testing.F) {
	f.Add("10.0.0.5", "35357", "https", "octavia", "kspw", "")
	f.Add("fd00::5", "5000", "http", `"octavia"`, "__null__", "!!")
	f.Fuzz(func(t *testing.T, host, port, proto, user, password, ca string) {
		b := with(leader(), "auth_host", host, "auth_port", port, "auth_protocol", proto,
			"service_username", user, "service_password", password, "ca_cert", ca)
		c, r := Parse(relations.Endpoint{{ID: "identity-service:5", Units: map[string]relations.Bag{"keystone/0": b}}})
		if r != relations.Ready {
			if c.Reason == "" {
				t.Errorf("%v without a reason", r)
			}
			return
		}
		u, err := url.Parse(c.AuthURL())
		if err != nil || u.Hostname() != relations.UnbracketHost(c.AuthHost) || u.Port() != c.AuthPort || u.Scheme != c.AuthProtocol {
			t.Errorf("AuthURL does not read back: %v", err)
		}
	})
}
