// Package mysqlshared speaks the mysql-shared interface on Octavia's
// shared-db endpoint, where Octavia is the requirer: it builds the database
// request this unit publishes and reads the provider's answer into the
// SQLAlchemy connection URI octavia.conf needs.
//
// It was written against the providers mysql-router (the usual path, a
// container-scoped subordinate in front of mysql-innodb-cluster),
// percona-cluster and mysql-innodb-cluster's deprecated direct shared-db
// endpoint, and against the reactive requirer
// openstack/charm-interface-mysql-shared that the upstream charm uses
// (shared/reference/relation-interfaces.md §3). Every key on this interface
// is a raw string in the unit databag.
package mysqlshared

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"charm-octavia/internal/relations"
)

// Keys published by the provider (§3.2).
const (
	keyDBHost          = "db_host"
	keyDBPort          = "db_port"
	keyPassword        = "password"
	keyAllowedUnits    = "allowed_units"
	keyWaitTimeout     = "wait_timeout"
	keySSLCA           = "ssl_ca"
	keySSLCert         = "ssl_cert"
	keySSLKey          = "ssl_key"
	keySeriesUpgrading = "cluster-series-upgrading"
)

// Request returns what this unit publishes to ask for a database (§3.1, the
// single-database form): database, username and hostname as raw strings.
// hostname is the unit's shared-db binding address; the providers grant
// access from it.
func Request(database, username, hostname string) relations.Bag {
	return relations.Bag{
		"database": database,
		"username": username,
		"hostname": hostname,
	}
}

// Database is the provider's answer, complete only when Parse reports Ready.
// Password and SSLKey are secrets: String and GoString redact them, and
// Reason never contains a remote value.
type Database struct {
	// Host is db_host: 127.0.0.1 behind mysql-router, the VIP or a unit
	// address with percona-cluster. It is a valid IP address or host name.
	Host string
	// Port is db_port normalised to decimal, or "" when the provider sent
	// none (percona-cluster); the URI then carries no port.
	Port string
	// Password is the password granted to the requested username.
	Password string
	// SSLCA is the base64-decoded PEM CA (and chain) from ssl_ca, nil when
	// the database does not use TLS.
	SSLCA []byte
	// SSLCert and SSLKey are the base64-decoded PEM client certificate and
	// key, nil when absent. They come as a pair; no current provider sends them.
	SSLCert, SSLKey []byte
	// WaitTimeout is the server's wait_timeout in seconds, "" when absent.
	WaitTimeout string
	// Reason says, when Parse does not report Ready, what is missing or
	// malformed, naming units and keys only, never values.
	Reason string
}

// Parse reads the shared-db endpoint for the unit named localUnit
// ("octavia/0").
//
// It reports Missing when no provider unit has joined. It reports Ready when
// one provider unit's databag holds db_host, password and allowed_units, with
// localUnit among the whitespace-separated allowed_units tokens, and no
// provider unit says cluster-series-upgrading=True (§3.3). All values then
// come from that one unit (the first in unit order that qualifies), so a
// stale unit can never lend its password to another unit's host.
//
// Anything that would be used but is malformed keeps the relation Incomplete
// instead of being guessed around, with Database.Reason saying which key: a
// db_host that is not an IP address or host name, a db_port that is not a TCP
// port, a non-numeric wait_timeout, an ssl_ca/ssl_cert/ssl_key that is not
// base64 PEM, or ssl_cert without ssl_key (or the reverse).
func Parse(e relations.Endpoint, localUnit string) (Database, relations.Readiness) {
	if !e.Joined() {
		return Database{Reason: "no provider unit has joined"}, relations.Missing
	}
	units := e.Units()
	for _, u := range units {
		if relations.IsTrue(u.Data[keySeriesUpgrading]) {
			return Database{Reason: fmt.Sprintf("%s reports %s", u.Name, keySeriesUpgrading)}, relations.Incomplete
		}
	}
	reason := ""
	for _, u := range units {
		db, why := parseUnit(u, localUnit)
		if why == "" {
			return db, relations.Ready
		}
		if reason == "" && (u.Data[keyDBHost] != "" || u.Data[keyPassword] != "" || u.Data[keyAllowedUnits] != "") {
			reason = why
		}
	}
	if reason == "" {
		reason = "no provider unit has published db_host, password and allowed_units"
	}
	return Database{Reason: reason}, relations.Incomplete
}

// parseUnit reads one provider unit's answer; it returns a non-empty reason
// when that answer is not usable.
func parseUnit(u relations.RemoteUnit, localUnit string) (Database, string) {
	d := u.Data
	var missing []string
	for _, k := range []string{keyDBHost, keyPassword, keyAllowedUnits} {
		if d[k] == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return Database{}, fmt.Sprintf("%s has not published %s", u.Name, strings.Join(missing, ", "))
	}
	if localUnit == "" || !slices.Contains(strings.Fields(d[keyAllowedUnits]), localUnit) {
		return Database{}, fmt.Sprintf("%s: %s does not list %s yet", u.Name, keyAllowedUnits, localUnit)
	}
	db := Database{Host: d[keyDBHost], Password: d[keyPassword]}
	if !relations.ValidHost(db.Host) {
		return Database{}, fmt.Sprintf("%s: %s is not an IP address or host name", u.Name, keyDBHost)
	}
	if p := d[keyDBPort]; p != "" {
		n, ok := relations.ParsePort(p)
		if !ok {
			return Database{}, fmt.Sprintf("%s: %s is not a TCP port number", u.Name, keyDBPort)
		}
		db.Port = strconv.Itoa(n)
	}
	if w := d[keyWaitTimeout]; w != "" {
		n, err := strconv.ParseUint(w, 10, 32)
		if err != nil {
			return Database{}, fmt.Sprintf("%s: %s is not a number of seconds", u.Name, keyWaitTimeout)
		}
		db.WaitTimeout = strconv.FormatUint(n, 10)
	}
	for _, m := range []struct {
		key string
		dst *[]byte
	}{{keySSLCA, &db.SSLCA}, {keySSLCert, &db.SSLCert}, {keySSLKey, &db.SSLKey}} {
		if d[m.key] == "" {
			continue
		}
		b, err := relations.DecodeBase64PEM(d[m.key])
		if err != nil {
			return Database{}, fmt.Sprintf("%s: %s is not base64 PEM: %v", u.Name, m.key, err)
		}
		*m.dst = b
	}
	if (db.SSLCert == nil) != (db.SSLKey == nil) {
		return Database{}, fmt.Sprintf("%s: %s and %s must come together", u.Name, keySSLCert, keySSLKey)
	}
	return db, ""
}

// SSLPaths are the files the caller writes the TLS material of a Database
// to, for the URI's query.
type SSLPaths struct {
	// CA is where Database.SSLCA is written.
	CA string
	// Cert is where Database.SSLCert is written.
	Cert string
	// Key is where Database.SSLKey is written.
	Key string
}

// URI returns the SQLAlchemy connection URI for octavia.conf [database]
// connection, as charms.openstack's DatabaseRelationAdapter builds it (§3.3):
//
//	mysql+pymysql://user:password@host[:port]/database[?ssl_ca=..[&ssl_cert=..&ssl_key=..]]
//
// The user name and password are percent-encoded (SQLAlchemy decodes them),
// so any password round-trips and none of its characters can end the
// userinfo or trigger oslo.config '$' interpolation. An IPv6 host is
// bracketed, and the port is left out when the provider sent none. ssl_ca is
// added when the Database has a CA and files.CA is set; ssl_cert and ssl_key
// are added after it when the Database has both and both paths are set.
//
// The result contains the password: treat it as a secret.
func (d Database) URI(username, database string, files SSLPaths) string {
	var b strings.Builder
	b.WriteString("mysql+pymysql://")
	b.WriteString(relations.PercentEncode(username))
	b.WriteByte(':')
	b.WriteString(relations.PercentEncode(d.Password))
	b.WriteByte('@')
	b.WriteString(relations.BracketHost(d.Host))
	if d.Port != "" {
		b.WriteByte(':')
		b.WriteString(d.Port)
	}
	b.WriteByte('/')
	b.WriteString(relations.PercentEncode(database))
	if d.SSLCA != nil && files.CA != "" {
		b.WriteString("?ssl_ca=")
		b.WriteString(relations.PercentEncodePath(files.CA))
		if d.SSLCert != nil && d.SSLKey != nil && files.Cert != "" && files.Key != "" {
			b.WriteString("&ssl_cert=")
			b.WriteString(relations.PercentEncodePath(files.Cert))
			b.WriteString("&ssl_key=")
			b.WriteString(relations.PercentEncodePath(files.Key))
		}
	}
	return b.String()
}

// String describes the Database for logs with the password and key redacted.
func (d Database) String() string {
	return fmt.Sprintf("Database{Host:%s Port:%s Password:%s SSLCA:%s SSLCert:%s SSLKey:%s WaitTimeout:%s Reason:%q}",
		d.Host, d.Port, redact(d.Password != ""), size(d.SSLCA), size(d.SSLCert), redact(d.SSLKey != nil), d.WaitTimeout, d.Reason)
}

// GoString is String, so that %#v does not print the password either.
func (d Database) GoString() string { return d.String() }

func redact(set bool) string {
	if set {
		return "<redacted>"
	}
	return "<none>"
}

func size(b []byte) string {
	if b == nil {
		return "<none>"
	}
	return fmt.Sprintf("<%d bytes>", len(b))
}
