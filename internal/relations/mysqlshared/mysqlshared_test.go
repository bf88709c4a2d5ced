package mysqlshared

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"charm-octavia/internal/relations"
)

// PEM fixtures: only their framing matters to the parser.
const (
	caText   = "-----BEGIN CERTIFICATE-----\nZGIgdGVzdCBjYQ==\n-----END CERTIFICATE-----\n"
	certText = "-----BEGIN CERTIFICATE-----\nZGIgY2xpZW50IGNlcnQ=\n-----END CERTIFICATE-----\n"
	keyText  = "-----BEGIN PRIVATE KEY-----\nZGIgY2xpZW50IGtleQ==\n-----END PRIVATE KEY-----\n"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// routerBag is §3.6: what octavia-mysql-router/0 publishes to octavia/0.
func routerBag() relations.Bag {
	return relations.Bag{
		"db_host":         "127.0.0.1",
		"db_port":         "3306",
		"password":        "Xy9kq",
		"allowed_units":   "octavia/0",
		"wait_timeout":    "3600",
		"private-address": "10.0.0.11",
		"ingress-address": "10.0.0.11",
	}
}

func with(b relations.Bag, kv ...string) relations.Bag {
	out := relations.Bag{}
	for k, v := range b {
		out[k] = v
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

func endpoint(units map[string]relations.Bag) relations.Endpoint {
	return relations.Endpoint{{ID: "shared-db:12", RemoteApp: "octavia-mysql-router", Units: units}}
}

func TestRequest(t *testing.T) {
	got := Request("octavia", "octavia", "10.0.0.11")
	want := relations.Bag{"database": "octavia", "username": "octavia", "hostname": "10.0.0.11"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Request = %v, want %v", got, want)
	}
}

func TestParse(t *testing.T) {
	percona := relations.Bag{
		"db_host":         "10.0.0.200",
		"password":        "pw-percona",
		"allowed_units":   "octavia/0 octavia/1 octavia/2",
		"private-address": "10.0.0.41",
	}
	tests := []struct {
		name      string
		e         relations.Endpoint
		local     string
		want      Database
		readiness relations.Readiness
		reason    string // substring of Reason when not Ready
	}{
		{
			name:      "no relation",
			e:         nil,
			local:     "octavia/0",
			readiness: relations.Missing,
			reason:    "joined",
		},
		{
			name:      "related, router not joined yet",
			e:         relations.Endpoint{{ID: "shared-db:12"}},
			local:     "octavia/0",
			readiness: relations.Missing,
			reason:    "joined",
		},
		{
			name:      "joined, nothing published",
			e:         endpoint(map[string]relations.Bag{"octavia-mysql-router/0": {"private-address": "10.0.0.11"}}),
			local:     "octavia/0",
			readiness: relations.Incomplete,
			reason:    "db_host, password and allowed_units",
		},
		{
			name:      "mysql-router §3.6",
			e:         endpoint(map[string]relations.Bag{"octavia-mysql-router/0": routerBag()}),
			local:     "octavia/0",
			want:      Database{Host: "127.0.0.1", Port: "3306", Password: "Xy9kq", WaitTimeout: "3600"},
			readiness: relations.Ready,
		},
		{
			name: "mysql-router before the cluster allowed it: allowed_units deleted",
			e: endpoint(map[string]relations.Bag{
				"octavia-mysql-router/0": with(routerBag(), "allowed_units", ""),
			}),
			local:     "octavia/0",
			readiness: relations.Incomplete,
			reason:    "octavia-mysql-router/0 has not published allowed_units",
		},
		{
			name: "allowed_units lists another unit only",
			e: endpoint(map[string]relations.Bag{
				"octavia-mysql-router/0": with(routerBag(), "allowed_units", "octavia/1 octavia/10"),
			}),
			local:     "octavia/0",
			readiness: relations.Incomplete,
			reason:    "allowed_units does not list octavia/0",
		},
		{
			name: "allowed_units token match is exact: octavia/1 is not octavia/10",
			e: endpoint(map[string]relations.Bag{
				"octavia-mysql-router/0": with(routerBag(), "allowed_units", "octavia/10"),
			}),
			local:     "octavia/1",
			readiness: relations.Incomplete,
			reason:    "does not list octavia/1",
		},
		{
			name:      "percona without db_port, three units mirroring the leader",
			e:         relations.Endpoint{{ID: "shared-db:3", Units: map[string]relations.Bag{"percona-cluster/0": percona, "percona-cluster/1": percona, "percona-cluster/2": percona}}},
			local:     "octavia/2",
			want:      Database{Host: "10.0.0.200", Password: "pw-percona"},
			readiness: relations.Ready,
		},
		{
			name: "percona: a non-leader that has not mirrored yet does not hide the leader",
			e: relations.Endpoint{{ID: "shared-db:3", Units: map[string]relations.Bag{
				"percona-cluster/0": {"private-address": "10.0.0.41"},
				"percona-cluster/1": percona,
			}}},
			local:     "octavia/1",
			want:      Database{Host: "10.0.0.200", Password: "pw-percona"},
			readiness: relations.Ready,
		},
		{
			name: "percona series upgrade",
			e: relations.Endpoint{{ID: "shared-db:3", Units: map[string]relations.Bag{
				"percona-cluster/0": with(percona, "cluster-series-upgrading", "True"),
				"percona-cluster/1": percona,
			}}},
			local:     "octavia/0",
			readiness: relations.Incomplete,
			reason:    "percona-cluster/0 reports cluster-series-upgrading",
		},
		{
			name: "cluster-series-upgrading False is fine",
			e: relations.Endpoint{{ID: "shared-db:3", Units: map[string]relations.Bag{
				"percona-cluster/0": with(percona, "cluster-series-upgrading", "False"),
			}}},
			local:     "octavia/0",
			want:      Database{Host: "10.0.0.200", Password: "pw-percona"},
			readiness: relations.Ready,
		},
		{
			name: "TLS: ssl_ca base64",
			e: endpoint(map[string]relations.Bag{
				"octavia-mysql-router/0": with(routerBag(), "ssl_ca", b64(caText)),
			}),
			local:     "octavia/0",
			want:      Database{Host: "127.0.0.1", Port: "3306", Password: "Xy9kq", WaitTimeout: "3600", SSLCA: []byte(caText)},
			readiness: relations.Ready,
		},
		{
			name: "TLS: ssl_ca wrapped over lines, raw PEM client cert",
			e: endpoint(map[string]relations.Bag{
				"octavia-mysql-router/0": with(routerBag(),
					"ssl_ca", b64(caText)[:10]+"\n"+b64(caText)[10:]+"\n",
					"ssl_cert", certText,
					"ssl_key", b64(keyText)),
			}),
			local:     "octavia/0",
			want:      Database{Host: "127.0.0.1", Port: "3306", Password: "Xy9kq", WaitTimeout: "3600", SSLCA: []byte(caText), SSLCert: []byte(certText), SSLKey: []byte(keyText)},
			readiness: relations.Ready,
		},
		{
			name: "bad base64 in ssl_ca",
			e: endpoint(map[string]relations.Bag{
				"octavia-mysql-router/0": with(routerBag(), "ssl_ca", "not*base64!"),
			}),
			local:     "octavia/0",
			readiness: relations.Incomplete,
			reason:    "ssl_ca is not base64 PEM",
		},
		{
			name: "ssl_ca is base64 but not PEM",
			e: endpoint(map[string]relations.Bag{
				"octavia-mysql-router/0": with(routerBag(), "ssl_ca", b64("hello")),
			}),
			local:     "octavia/0",
			readiness: relations.Incomplete,
			reason:    "ssl_ca is not base64 PEM",
		},
		{
			name: "ssl_cert without ssl_key",
			e: endpoint(map[string]relations.Bag{
				"octavia-mysql-router/0": with(routerBag(), "ssl_ca", b64(caText), "ssl_cert", b64(certText)),
			}),
			local:     "octavia/0",
			readiness: relations.Incomplete,
			reason:    "must come together",
		},
		{
			name: "IPv6 db_host",
			e: endpoint(map[string]relations.Bag{
				"octavia-mysql-router/0": with(routerBag(), "db_host", "fd00:10::50"),
			}),
			local:     "octavia/0",
			want:      Database{Host: "fd00:10::50", Port: "3306", Password: "Xy9kq", WaitTimeout: "3600"},
			readiness: relations.Ready,
		},
		{
			name: "garbage db_host",
			e: endpoint(map[string]relations.Bag{
				"octavia-mysql-router/0": with(routerBag(), "db_host", "evil@host/x"),
			}),
			local:     "octavia/0",
			readiness: relations.Incomplete,
			reason:    "db_host is not an IP address or host name",
		},
		{
			name: "garbage db_port",
			e: endpoint(map[string]relations.Bag{
				"octavia-mysql-router/0": with(routerBag(), "db_port", "3306/x"),
			}),
			local:     "octavia/0",
			readiness: relations.Incomplete,
			reason:    "db_port is not a TCP port",
		},
		{
			name: "db_port out of range",
			e: endpoint(map[string]relations.Bag{
				"octavia-mysql-router/0": with(routerBag(), "db_port", "70000"),
			}),
			local:     "octavia/0",
			readiness: relations.Incomplete,
			reason:    "db_port",
		},
		{
			name: "garbage wait_timeout",
			e: endpoint(map[string]relations.Bag{
				"octavia-mysql-router/0": with(routerBag(), "wait_timeout", "an hour"),
			}),
			local:     "octavia/0",
			readiness: relations.Incomplete,
			reason:    "wait_timeout",
		},
		{
			name:      "empty local unit name is never allowed",
			e:         endpoint(map[string]relations.Bag{"octavia-mysql-router/0": routerBag()}),
			local:     "",
			readiness: relations.Incomplete,
			reason:    "allowed_units",
		},
		{
			name:      "nil databag",
			e:         endpoint(map[string]relations.Bag{"octavia-mysql-router/0": nil}),
			local:     "octavia/0",
			readiness: relations.Incomplete,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, r := Parse(tt.e, tt.local)
			if r != tt.readiness {
				t.Fatalf("readiness = %v, want %v (reason %q)", r, tt.readiness, got.Reason)
			}
			if r == relations.Ready {
				if got.Reason != "" {
					t.Errorf("Ready with reason %q", got.Reason)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("Parse =\n %v\nwant\n %v", got, tt.want)
				}
				if got.Password != tt.want.Password {
					t.Errorf("password differs")
				}
				return
			}
			if got.Reason == "" || !strings.Contains(got.Reason, tt.reason) {
				t.Errorf("reason %q does not contain %q", got.Reason, tt.reason)
			}
			if got.Password != "" || got.Host != "" {
				t.Errorf("not Ready but returned connection data: %v", got)
			}
		})
	}
}

func TestURI(t *testing.T) {
	files := SSLPaths{CA: "/var/lib/charm/octavia/db-ca.pem", Cert: "/var/lib/charm/octavia/db-cert.pem", Key: "/var/lib/charm/octavia/db-key.pem"}
	tests := []struct {
		name  string
		db    Database
		files SSLPaths
		want  string
	}{
		{
			name: "§3.6 router",
			db:   Database{Host: "127.0.0.1", Port: "3306", Password: "Xy9kq"},
			want: "mysql+pymysql://octavia:Xy9kq@127.0.0.1:3306/octavia",
		},
		{
			name: "percona without port",
			db:   Database{Host: "10.0.0.200", Password: "pw"},
			want: "mysql+pymysql://octavia:pw@10.0.0.200/octavia",
		},
		{
			name: "IPv6 with port",
			db:   Database{Host: "fd00:10::50", Port: "3306", Password: "pw"},
			want: "mysql+pymysql://octavia:pw@[fd00:10::50]:3306/octavia",
		},
		{
			name: "IPv6 without port",
			db:   Database{Host: "fd00:10::50", Password: "pw"},
			want: "mysql+pymysql://octavia:pw@[fd00:10::50]/octavia",
		},
		{
			name:  "CA only",
			db:    Database{Host: "127.0.0.1", Port: "3306", Password: "pw", SSLCA: []byte(caText)},
			files: files,
			want:  "mysql+pymysql://octavia:pw@127.0.0.1:3306/octavia?ssl_ca=/var/lib/charm/octavia/db-ca.pem",
		},
		{
			name:  "CA, cert and key",
			db:    Database{Host: "127.0.0.1", Port: "3306", Password: "pw", SSLCA: []byte(caText), SSLCert: []byte(certText), SSLKey: []byte(keyText)},
			files: files,
			want: "mysql+pymysql://octavia:pw@127.0.0.1:3306/octavia?ssl_ca=/var/lib/charm/octavia/db-ca.pem" +
				"&ssl_cert=/var/lib/charm/octavia/db-cert.pem&ssl_key=/var/lib/charm/octavia/db-key.pem",
		},
		{
			name:  "no TLS material: paths ignored",
			db:    Database{Host: "127.0.0.1", Port: "3306", Password: "pw"},
			files: files,
			want:  "mysql+pymysql://octavia:pw@127.0.0.1:3306/octavia",
		},
		{
			name:  "path with odd characters is escaped",
			db:    Database{Host: "127.0.0.1", Password: "pw", SSLCA: []byte(caText)},
			files: SSLPaths{CA: "/tmp/a b+$.pem"},
			want:  "mysql+pymysql://octavia:pw@127.0.0.1/octavia?ssl_ca=/tmp/a%20b%2B%24.pem",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.db.URI("octavia", "octavia", tt.files); got != tt.want {
				t.Errorf("URI =\n %s\nwant\n %s", got, tt.want)
			}
		})
	}
}

// sqlalchemyURL is SQLAlchemy's own URL pattern (sqlalchemy.engine.url
// _parse_url, whitespace of its re.X form removed): the parser the URI
// really meets. Note that a password may not contain a raw '@'.
const sqlalchemyURL = `^(?P<name>[\w\+]+)://` +
	`(?:(?P<username>[^:/]*)(?::(?P<password>[^@]*))?@)?` +
	`(?:(?:\[(?P<ipv6host>[^/\?]+)\]|(?P<ipv4host>[^/:\?]+))?(?::(?P<port>[^/\?]*))?)?` +
	`(?:/(?P<database>[^\?]*))?` +
	`(?:\?(?P<query>.*))?$`

// sqlalchemyParse splits uri as SQLAlchemy does and unquotes the user name
// and password as it does (urllib.parse.unquote).
func sqlalchemyParse(t *testing.T, uri string) map[string]string {
	t.Helper()
	re := regexp.MustCompile(sqlalchemyURL)
	m := re.FindStringSubmatch(uri)
	if m == nil {
		t.Fatalf("SQLAlchemy's pattern does not match the URI")
	}
	out := map[string]string{}
	for i, name := range re.SubexpNames() {
		if name != "" {
			out[name] = m[i]
		}
	}
	for _, k := range []string{"username", "password"} {
		v, err := url.PathUnescape(out[k])
		if err != nil {
			t.Fatalf("unquote %s: %v", k, err)
		}
		out[k] = v
	}
	return out
}

// TestURIPasswordRoundTrip checks that hostile passwords survive the URI:
// net/url (which, like SQLAlchemy, percent-decodes the userinfo) reads back
// exactly the password, host, port and database, and nothing in the URI can
// set off oslo.config interpolation.
func TestURIPasswordRoundTrip(t *testing.T) {
	passwords := []string{
		"Xy9kq",
		"p@ss:w/rd%41$HOME",
		"@:/%$",
		"a b+c&d=e?f#g",
		"[::1]",
		"üñí€😀",
		"%",
		"%%25",
		"${foo}",
		"line\nbreak",
		",;'\"\\",
	}
	hosts := []struct{ host, port string }{
		{"127.0.0.1", "3306"},
		{"10.0.0.200", ""},
		{"fd00:10::50", "3307"},
		{"db.example.com", ""},
	}
	for _, pw := range passwords {
		for _, h := range hosts {
			db := Database{Host: h.host, Port: h.port, Password: pw, SSLCA: []byte(caText)}
			uri := db.URI("octavia", "octavia", SSLPaths{CA: "/var/lib/charm/octavia/db-ca.pem"})
			if strings.Contains(uri, "$") {
				t.Errorf("URI for %q contains '$'", pw)
			}
			sa := sqlalchemyParse(t, uri)
			saHost := sa["ipv4host"] + sa["ipv6host"]
			if sa["name"] != "mysql+pymysql" || sa["username"] != "octavia" || sa["password"] != pw ||
				saHost != h.host || sa["port"] != h.port || sa["database"] != "octavia" ||
				sa["query"] != "ssl_ca=/var/lib/charm/octavia/db-ca.pem" {
				t.Errorf("SQLAlchemy would read password %q as user=%q host=%q port=%q db=%q query=%q (password ok: %v)",
					pw, sa["username"], saHost, sa["port"], sa["database"], sa["query"], sa["password"] == pw)
			}
			u, err := url.Parse(uri)
			if err != nil {
				t.Errorf("url.Parse(URI with %q on %s): %v", pw, h.host, err)
				continue
			}
			got, ok := u.User.Password()
			if !ok || got != pw {
				t.Errorf("password %q came back as %q", pw, got)
			}
			if u.User.Username() != "octavia" || u.Scheme != "mysql+pymysql" ||
				u.Hostname() != h.host || u.Port() != h.port || u.Path != "/octavia" ||
				u.Query().Get("ssl_ca") != "/var/lib/charm/octavia/db-ca.pem" {
				t.Errorf("URI %s parsed as user=%q host=%q port=%q path=%q query=%q",
					strings.ReplaceAll(uri, db.Password, "<pw>"), u.User.Username(), u.Hostname(), u.Port(), u.Path, u.RawQuery)
			}
		}
	}
}

// TestNoSecretInOutput checks that neither Reason nor the formatted Database
// ever carries the password or the client key.
func TestNoSecretInOutput(t *testing.T) {
	const pw = "S3cr3t-P@ss/w:rd%$"
	bags := []relations.Bag{
		with(routerBag(), "password", pw),
		with(routerBag(), "password", pw, "allowed_units", ""),
		with(routerBag(), "password", pw, "allowed_units", "octavia/9"),
		with(routerBag(), "password", pw, "db_host", pw),
		with(routerBag(), "password", pw, "db_port", pw),
		with(routerBag(), "password", pw, "wait_timeout", pw),
		with(routerBag(), "password", pw, "ssl_ca", pw),
		with(routerBag(), "password", pw, "ssl_ca", b64(caText), "ssl_cert", b64(certText), "ssl_key", pw),
		with(routerBag(), "password", pw, "ssl_ca", b64(caText), "ssl_cert", b64(certText), "ssl_key", b64(keyText)),
		with(routerBag(), "password", pw, "cluster-series-upgrading", "True"),
	}
	for i, b := range bags {
		db, r := Parse(endpoint(map[string]relations.Bag{"octavia-mysql-router/0": b}), "octavia/0")
		for _, out := range []string{db.Reason, db.String(), db.GoString(), fmt.Sprint(db), fmt.Sprintf("%v %+v %#v %s", db, db, db, db), fmt.Sprint([]Database{db})} {
			if strings.Contains(out, pw) || strings.Contains(out, "S3cr3t") {
				t.Errorf("case %d (%v): output leaks the password: %s", i, r, out)
			}
			if strings.Contains(out, keyText) || strings.Contains(out, "PRIVATE KEY") {
				t.Errorf("case %d: output leaks the key: %s", i, out)
			}
		}
	}
}

// FuzzParse feeds arbitrary provider data to Parse: it must never panic, and
// whatever it accepts must give a URI that SQLAlchemy's pattern and net/url
// read back intact.
func FuzzParse(f *testing.F) {
	f.Add("127.0.0.1", "3306", "Xy9kq", "octavia/0", "3600", "", "")
	f.Add("10.0.0.200", "", "@:/%$", "octavia/0 octavia/1", "", b64(caText), "")
	f.Add("fd00::50", "3306", "p w", "octavia/0", "x", "%%%", "True")
	f.Fuzz(func(t *testing.T, host, port, password, allowed, wait, ca, upgrading string) {
		bag := relations.Bag{"db_host": host, "db_port": port, "password": password, "allowed_units": allowed,
			"wait_timeout": wait, "ssl_ca": ca, "cluster-series-upgrading": upgrading}
		db, r := Parse(endpoint(map[string]relations.Bag{"octavia-mysql-router/0": bag}), "octavia/0")
		if r != relations.Ready {
			if db.Reason == "" {
				t.Errorf("%v without a reason", r)
			}
			return
		}
		uri := db.URI("octavia", "octavia", SSLPaths{CA: "/ca.pem"})
		if sa := sqlalchemyParse(t, uri); sa["password"] != password || sa["ipv4host"]+sa["ipv6host"] != relations.UnbracketHost(host) {
			t.Errorf("SQLAlchemy would not read the URI back")
		}
		u, err := url.Parse(uri)
		if err != nil {
			t.Fatalf("accepted data gives an unparsable URI: %v", err)
		}
		if pw, _ := u.User.Password(); pw != password || u.Hostname() != relations.UnbracketHost(host) || u.Path != "/octavia" {
			t.Errorf("URI does not read back: host %q path %q", u.Hostname(), u.Path)
		}
	})
}
