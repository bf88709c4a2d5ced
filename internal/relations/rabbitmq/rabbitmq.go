// Package rabbitmq speaks the rabbitmq interface on Octavia's amqp endpoint,
// where Octavia is the requirer: it builds the vhost and user request this
// unit publishes and reads the brokers' answers into the oslo.messaging
// transport_url.
//
// It was written against the provider rabbitmq-server (classic hooks:
// amqp_changed, update_clients, ssl_utils) and the requirer side the upstream
// charm uses, openstack/charm-interface-rabbitmq with charms.openstack's
// RabbitMQRelationAdapter (shared/reference/relation-interfaces.md §4). Every
// key on this interface is a raw string in the unit databag.
package rabbitmq

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"charm-octavia/internal/relations"
)

// DefaultPort is the AMQP port used when the broker publishes no ssl_port.
const DefaultPort = 5672

const (
	keyPrivateAddress = "private-address"
	keyPassword       = "password"
	keySSLPort        = "ssl_port"
	keySSLCA          = "ssl_ca"
	keyHAQueues       = "ha_queues"
)

// Request returns what this unit publishes to ask for a user on a vhost
// (§4.1): username, vhost and private-address (the amqp binding address,
// overriding the value Juju fills in). private-address is left out when
// address is empty, so Juju's own value stays.
func Request(username, vhost, address string) relations.Bag {
	b := relations.Bag{"username": username, "vhost": vhost}
	if address != "" {
		b[keyPrivateAddress] = address
	}
	return b
}

// Broker is the brokers' answer, complete only when Parse reports Ready.
// Password is a secret: String and GoString redact it, and Reason never
// contains a remote value.
type Broker struct {
	// Hosts are the private-address values of the broker units that
	// published both a password and a private-address, sorted and without
	// duplicates. IPv6 addresses are plain (TransportURL brackets them).
	Hosts []string
	// Port is ssl_port when the brokers publish one, else DefaultPort.
	Port int
	// Password is the user's password (the same on every broker unit).
	Password string
	// SSLCA is the base64-decoded PEM CA (and chain) from ssl_ca. It is nil
	// when ssl_ca is absent, and also when SSL is false, so that a caller
	// keying TLS options on it cannot turn TLS on against the plain port.
	SSLCA []byte
	// SSL is true when the brokers publish ssl_port: clients must speak TLS
	// on Port (ssl = True in [oslo_messaging_rabbit]).
	SSL bool
	// HAQueues is ha_queues=True, sent only by rabbitmq-server < 3.0.1.
	HAQueues bool
	// Reason says, when Parse does not report Ready, what is missing or
	// malformed, naming units and keys only, never values.
	Reason string
}

// Parse reads the amqp endpoint.
//
// It reports Missing when no broker unit has joined, and Ready when at least
// one broker unit published both password and private-address (§4.4; the
// username and vhost the upstream check also needs are ours, not the
// broker's). A unit whose private-address is not an IP address or host name
// is left out of Hosts, as if it had not answered.
//
// The password is taken from the first qualifying unit in unit order. The
// TLS keys are read from any unit: ssl_port must be a TCP port and ssl_ca
// base64 PEM, or the relation stays Incomplete with Reason naming the key.
//
// Where this differs from upstream: upstream turns TLS on only when both
// ssl_port and ssl_ca are present, yet always connects to ssl_port when it
// is set, so ssl_port without ssl_ca gives a plain-text client on the TLS
// port. Here SSL follows ssl_port alone (SSLCA then nil: the caller verifies
// against the system CA store), and ssl_ca without ssl_port leaves SSL off
// and SSLCA nil, as upstream does.
func Parse(e relations.Endpoint) (Broker, relations.Readiness) {
	if !e.Joined() {
		return Broker{Reason: "no broker unit has joined"}, relations.Missing
	}
	var b Broker
	skipped := ""
	for _, u := range e.Units() {
		addr, pw := u.Data[keyPrivateAddress], u.Data[keyPassword]
		if addr == "" || pw == "" {
			continue
		}
		if !relations.ValidHost(addr) {
			if skipped == "" {
				skipped = u.Name
			}
			continue
		}
		if b.Password == "" {
			b.Password = pw
		}
		addr = relations.UnbracketHost(addr)
		if !slices.Contains(b.Hosts, addr) {
			b.Hosts = append(b.Hosts, addr)
		}
	}
	if len(b.Hosts) == 0 {
		reason := "no broker unit has published password and private-address"
		if skipped != "" {
			reason = fmt.Sprintf("%s: %s is not an IP address or host name", skipped, keyPrivateAddress)
		}
		return Broker{Reason: reason}, relations.Incomplete
	}
	slices.Sort(b.Hosts)

	b.Port = DefaultPort
	if p, ok := e.First(keySSLPort); ok {
		n, valid := relations.ParsePort(p)
		if !valid {
			return Broker{Reason: keySSLPort + " is not a TCP port number"}, relations.Incomplete
		}
		b.Port, b.SSL = n, true
	}
	if ca, ok := e.First(keySSLCA); ok {
		pem, err := relations.DecodeBase64PEM(ca)
		if err != nil {
			return Broker{Reason: fmt.Sprintf("%s is not base64 PEM: %v", keySSLCA, err)}, relations.Incomplete
		}
		if b.SSL {
			b.SSLCA = pem
		}
	}
	if v, ok := e.First(keyHAQueues); ok {
		b.HAQueues = relations.IsTrue(v)
	}
	return b, relations.Ready
}

// TransportURL returns the oslo.messaging transport_url for username on
// vhost (§4.4):
//
//	rabbit://user:password@h1:port,user:password@h2:port/vhost
//
// one entry per host, in Hosts order. The user name, password and vhost are
// percent-encoded, which oslo.messaging decodes (urllib.parse.unquote), so
// any password round-trips and none of its characters can split the host
// list or trigger oslo.config '$' interpolation. IPv6 hosts are bracketed.
// It returns "" when the Broker has no hosts.
//
// The result contains the password: treat it as a secret.
func (b Broker) TransportURL(username, vhost string) string {
	if len(b.Hosts) == 0 {
		return ""
	}
	user := relations.PercentEncode(username) + ":" + relations.PercentEncode(b.Password) + "@"
	port := strconv.Itoa(b.Port)
	entries := make([]string, len(b.Hosts))
	for i, h := range b.Hosts {
		entries[i] = user + relations.JoinHostPort(h, port)
	}
	return "rabbit://" + strings.Join(entries, ",") + "/" + relations.PercentEncode(vhost)
}

// String describes the Broker for logs with the password redacted.
func (b Broker) String() string {
	pw := "<none>"
	if b.Password != "" {
		pw = "<redacted>"
	}
	ca := "<none>"
	if b.SSLCA != nil {
		ca = fmt.Sprintf("<%d bytes>", len(b.SSLCA))
	}
	return fmt.Sprintf("Broker{Hosts:%v Port:%d Password:%s SSLCA:%s SSL:%t HAQueues:%t Reason:%q}",
		b.Hosts, b.Port, pw, ca, b.SSL, b.HAQueues, b.Reason)
}

// GoString is String, so that %#v does not print the password either.
func (b Broker) GoString() string { return b.String() }
