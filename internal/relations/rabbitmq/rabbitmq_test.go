package rabbitmq

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"charm-octavia/internal/relations"
)

const caText = "-----BEGIN CERTIFICATE-----\ncmFiYml0IGNh\n-----END CERTIFICATE-----\n"

// pw64 stands for rabbit's 64-character generated password.
const pw64 = "b7Kq2mXz9PwLr4TnVc8HsJd3FgYe6UaQb7Kq2mXz9PwLr4TnVc8HsJd3FgYe6UaQ"

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// unit is what a ready rabbitmq-server unit publishes (§4.5).
func unit(addr string, kv ...string) relations.Bag {
	b := relations.Bag{"hostname": addr, "private-address": addr, "password": pw64}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			delete(b, kv[i])
		} else {
			b[kv[i]] = kv[i+1]
		}
	}
	return b
}

func endpoint(units map[string]relations.Bag) relations.Endpoint {
	return relations.Endpoint{{ID: "amqp:7", RemoteApp: "rabbitmq-server", Units: units}}
}

func TestRequest(t *testing.T) {
	tests := []struct {
		name                 string
		user, vhost, address string
		want                 relations.Bag
	}{
		{"§4.5", "octavia", "openstack", "10.0.0.11",
			relations.Bag{"username": "octavia", "vhost": "openstack", "private-address": "10.0.0.11"}},
		{"no binding address", "octavia", "openstack", "",
			relations.Bag{"username": "octavia", "vhost": "openstack"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Request(tt.user, tt.vhost, tt.address); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Request = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name      string
		e         relations.Endpoint
		want      Broker
		readiness relations.Readiness
		reason    string
		url       string // TransportURL("octavia", "openstack") when Ready
	}{
		{
			name:      "no relation",
			readiness: relations.Missing,
		},
		{
			name:      "related, nobody joined",
			e:         relations.Endpoint{{ID: "amqp:7"}},
			readiness: relations.Missing,
		},
		{
			name:      "joined, leader not ready yet",
			e:         endpoint(map[string]relations.Bag{"rabbitmq-server/0": {"private-address": "10.0.0.21"}}),
			readiness: relations.Incomplete,
			reason:    "password and private-address",
		},
		{
			name: "§4.5: two units",
			e: endpoint(map[string]relations.Bag{
				"rabbitmq-server/1": unit("10.0.0.22"),
				"rabbitmq-server/0": unit("10.0.0.21"),
			}),
			want:      Broker{Hosts: []string{"10.0.0.21", "10.0.0.22"}, Port: 5672, Password: pw64},
			readiness: relations.Ready,
			url:       "rabbit://octavia:" + pw64 + "@10.0.0.21:5672,octavia:" + pw64 + "@10.0.0.22:5672/openstack",
		},
		{
			name: "hosts sorted by address, not by unit",
			e: endpoint(map[string]relations.Bag{
				"rabbitmq-server/0": unit("10.0.0.9"),
				"rabbitmq-server/1": unit("10.0.0.10"),
			}),
			want:      Broker{Hosts: []string{"10.0.0.10", "10.0.0.9"}, Port: 5672, Password: pw64},
			readiness: relations.Ready,
			url:       "rabbit://octavia:" + pw64 + "@10.0.0.10:5672,octavia:" + pw64 + "@10.0.0.9:5672/openstack",
		},
		{
			name: "a unit with only an address and no password is left out",
			e: endpoint(map[string]relations.Bag{
				"rabbitmq-server/0": unit("10.0.0.21"),
				"rabbitmq-server/1": unit("10.0.0.22"),
				"rabbitmq-server/2": {"private-address": "10.0.0.23"},
			}),
			want:      Broker{Hosts: []string{"10.0.0.21", "10.0.0.22"}, Port: 5672, Password: pw64},
			readiness: relations.Ready,
			url:       "rabbit://octavia:" + pw64 + "@10.0.0.21:5672,octavia:" + pw64 + "@10.0.0.22:5672/openstack",
		},
		{
			name: "TLS: ssl_port and ssl_ca on two units",
			e: endpoint(map[string]relations.Bag{
				"rabbitmq-server/0": unit("10.0.0.21", "ssl_port", "5671", "ssl_ca", b64(caText)),
				"rabbitmq-server/1": unit("10.0.0.22", "ssl_port", "5671", "ssl_ca", b64(caText)),
			}),
			want:      Broker{Hosts: []string{"10.0.0.21", "10.0.0.22"}, Port: 5671, Password: pw64, SSLCA: []byte(caText), SSL: true},
			readiness: relations.Ready,
			url:       "rabbit://octavia:" + pw64 + "@10.0.0.21:5671,octavia:" + pw64 + "@10.0.0.22:5671/openstack",
		},
		{
			name: "ssl_port without ssl_ca: TLS on, system CAs",
			e: endpoint(map[string]relations.Bag{
				"rabbitmq-server/0": unit("10.0.0.21", "ssl_port", "5671"),
			}),
			want:      Broker{Hosts: []string{"10.0.0.21"}, Port: 5671, Password: pw64, SSL: true},
			readiness: relations.Ready,
			url:       "rabbit://octavia:" + pw64 + "@10.0.0.21:5671/openstack",
		},
		{
			name: "ssl_ca without ssl_port: TLS off, CA dropped",
			e: endpoint(map[string]relations.Bag{
				"rabbitmq-server/0": unit("10.0.0.21", "ssl_ca", b64(caText)),
			}),
			want:      Broker{Hosts: []string{"10.0.0.21"}, Port: 5672, Password: pw64},
			readiness: relations.Ready,
			url:       "rabbit://octavia:" + pw64 + "@10.0.0.21:5672/openstack",
		},
		{
			name: "ha_queues from an old broker",
			e: endpoint(map[string]relations.Bag{
				"rabbitmq-server/0": unit("10.0.0.21", "ha_queues", "True"),
			}),
			want:      Broker{Hosts: []string{"10.0.0.21"}, Port: 5672, Password: pw64, HAQueues: true},
			readiness: relations.Ready,
			url:       "rabbit://octavia:" + pw64 + "@10.0.0.21:5672/openstack",
		},
		{
			name: "IPv6 brokers are bracketed",
			e: endpoint(map[string]relations.Bag{
				"rabbitmq-server/0": unit("fd00::21"),
				"rabbitmq-server/1": unit("fd00::22", "ssl_port", "5671"),
			}),
			want:      Broker{Hosts: []string{"fd00::21", "fd00::22"}, Port: 5671, Password: pw64, SSL: true},
			readiness: relations.Ready,
			url:       "rabbit://octavia:" + pw64 + "@[fd00::21]:5671,octavia:" + pw64 + "@[fd00::22]:5671/openstack",
		},
		{
			name: "duplicate addresses collapse",
			e: endpoint(map[string]relations.Bag{
				"rabbitmq-server/0": unit("10.0.0.21"),
				"rabbitmq-server/1": unit("10.0.0.21"),
			}),
			want:      Broker{Hosts: []string{"10.0.0.21"}, Port: 5672, Password: pw64},
			readiness: relations.Ready,
			url:       "rabbit://octavia:" + pw64 + "@10.0.0.21:5672/openstack",
		},
		{
			name: "a unit with a garbage address is left out",
			e: endpoint(map[string]relations.Bag{
				"rabbitmq-server/0": unit("10.0.0.21,evil:1@x"),
				"rabbitmq-server/1": unit("10.0.0.22"),
			}),
			want:      Broker{Hosts: []string{"10.0.0.22"}, Port: 5672, Password: pw64},
			readiness: relations.Ready,
			url:       "rabbit://octavia:" + pw64 + "@10.0.0.22:5672/openstack",
		},
		{
			name:      "only garbage addresses",
			e:         endpoint(map[string]relations.Bag{"rabbitmq-server/0": unit("a b")}),
			readiness: relations.Incomplete,
			reason:    "rabbitmq-server/0: private-address is not an IP address",
		},
		{
			name:      "garbage ssl_port",
			e:         endpoint(map[string]relations.Bag{"rabbitmq-server/0": unit("10.0.0.21", "ssl_port", "56x1")}),
			readiness: relations.Incomplete,
			reason:    "ssl_port",
		},
		{
			name:      "garbage ssl_ca",
			e:         endpoint(map[string]relations.Bag{"rabbitmq-server/0": unit("10.0.0.21", "ssl_port", "5671", "ssl_ca", "%%%")}),
			readiness: relations.Incomplete,
			reason:    "ssl_ca is not base64 PEM",
		},
		{
			name:      "nil databag",
			e:         endpoint(map[string]relations.Bag{"rabbitmq-server/0": nil}),
			readiness: relations.Incomplete,
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
				if got.Password != "" || len(got.Hosts) != 0 || got.TransportURL("octavia", "openstack") != "" {
					t.Errorf("not Ready but returned connection data: %v", got)
				}
				return
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse =\n %v\nwant\n %v", got, tt.want)
			}
			if got.Password != tt.want.Password {
				t.Errorf("password differs")
			}
			if u := got.TransportURL("octavia", "openstack"); u != tt.url {
				t.Errorf("TransportURL =\n %s\nwant\n %s", u, tt.url)
			}
		})
	}
}

// splitTransportURL takes a transport_url apart the way oslo.messaging's
// TransportURL.parse does: the netloc split at ',', each entry at its last
// '@'. Each entry is then checked with net/url.
func splitTransportURL(t *testing.T, s string) (entries []*url.URL, vhost string) {
	t.Helper()
	rest, ok := strings.CutPrefix(s, "rabbit://")
	if !ok {
		t.Fatalf("no rabbit:// prefix")
	}
	netloc, path, _ := strings.Cut(rest, "/")
	vhost, err := url.PathUnescape(path)
	if err != nil {
		t.Fatalf("vhost: %v", err)
	}
	for _, seg := range strings.Split(netloc, ",") {
		if strings.Count(seg, "@") != 1 {
			t.Fatalf("entry has %d '@'", strings.Count(seg, "@"))
		}
		u, err := url.Parse("rabbit://" + seg + "/")
		if err != nil {
			t.Fatalf("url.Parse(entry): %v", err)
		}
		entries = append(entries, u)
	}
	return entries, vhost
}

func TestTransportURLPasswordRoundTrip(t *testing.T) {
	passwords := []string{pw64, "@:/%$", "p@ss,w:rd/x%41", "a b+c&d=e?f#g", "${x}", "üñí😀", "%25", "[::1]"}
	for _, pw := range passwords {
		for _, vhost := range []string{"openstack", "/", "a b"} {
			b := Broker{Hosts: []string{"10.0.0.21", "fd00::22", "rabbit.example.com"}, Port: 5671, Password: pw}
			s := b.TransportURL("octavia", vhost)
			if strings.Contains(s, "$") {
				t.Errorf("transport_url for %q contains '$'", pw)
			}
			entries, gotVhost := splitTransportURL(t, s)
			if gotVhost != vhost {
				t.Errorf("vhost %q came back as %q", vhost, gotVhost)
			}
			if len(entries) != len(b.Hosts) {
				t.Fatalf("%d entries for %d hosts", len(entries), len(b.Hosts))
			}
			for i, u := range entries {
				got, _ := u.User.Password()
				if got != pw || u.User.Username() != "octavia" {
					t.Errorf("entry %d: password %q came back as %q", i, pw, got)
				}
				if u.Hostname() != b.Hosts[i] || u.Port() != "5671" {
					t.Errorf("entry %d: host %q port %q, want %q 5671", i, u.Hostname(), u.Port(), b.Hosts[i])
				}
			}
		}
	}
}

func TestNoSecretInOutput(t *testing.T) {
	const pw = "S3cr3t-P@ss/w:rd%$"
	bags := []relations.Bag{
		{"private-address": "10.0.0.21", "password": pw},
		{"private-address": pw, "password": pw},
		{"private-address": "10.0.0.21", "password": pw, "ssl_port": pw},
		{"private-address": "10.0.0.21", "password": pw, "ssl_ca": pw},
	}
	for i, bag := range bags {
		b, r := Parse(endpoint(map[string]relations.Bag{"rabbitmq-server/0": bag}))
		for _, out := range []string{b.Reason, b.String(), b.GoString(), fmt.Sprintf("%v %+v %#v %s", b, b, b, b), fmt.Sprint([]Broker{b})} {
			if strings.Contains(out, pw) || strings.Contains(out, "S3cr3t") {
				t.Errorf("case %d (%v): output leaks the password: %s", i, r, out)
			}
		}
	}
}

// FuzzParse feeds arbitrary broker data to Parse: it must never panic, and
// whatever it accepts must give a transport_url whose entries read back.
func FuzzParse(f *testing.F) {
	f.Add("10.0.0.21", "10.0.0.22", pw64, "", "", "")
	f.Add("fd00::21", "x y", "@:/%$,", "5671", b64(caText), "True")
	f.Fuzz(func(t *testing.T, addr0, addr1, password, sslPort, sslCA, haQueues string) {
		e := endpoint(map[string]relations.Bag{
			"rabbitmq-server/0": {"private-address": addr0, "password": password, "ssl_port": sslPort, "ssl_ca": sslCA, "ha_queues": haQueues},
			"rabbitmq-server/1": {"private-address": addr1, "password": password},
		})
		b, r := Parse(e)
		if r != relations.Ready {
			if b.Reason == "" {
				t.Errorf("%v without a reason", r)
			}
			return
		}
		entries, vhost := splitTransportURL(t, b.TransportURL("octavia", "openstack"))
		if vhost != "openstack" || len(entries) != len(b.Hosts) {
			t.Fatalf("transport_url does not read back")
		}
		for i, u := range entries {
			if pw, _ := u.User.Password(); pw != password || u.Hostname() != b.Hosts[i] {
				t.Errorf("entry %d does not read back", i)
			}
		}
	})
}
