// Package ovsdb speaks the two OVN interfaces Octavia requires in OVN
// deployments: ovsdb-subordinate on the ovsdb-subordinate endpoint (from the
// container-scoped ovn-chassis subordinate: the chassis name and whether OVN
// is configured) and ovsdb-cms on the ovsdb-cms endpoint (from ovn-central:
// the addresses of the OVN northbound and southbound databases).
//
// It was written against the providers canonical/charm-ovn-chassis (with
// charm-layer-ovn) and canonical/charm-ovn-central, and the reactive
// interface openstack-charmers/charm-interface-ovsdb
// (shared/reference/relation-interfaces.md §10–11). Both providers publish
// JSON-encoded values (reactive to_publish). Octavia publishes only its own
// address on ovsdb-cms, raw.
//
// Not handled here: the chassis certificates ovn-chassis publishes on
// ovsdb-subordinate, whose key name and encoding are unconfirmed (§17.1).
package ovsdb

import (
	"fmt"
	"slices"
	"strings"

	"charm-octavia/internal/relations"
)

const (
	keyChassisName   = "chassis-name"
	keyOVNConfigured = "ovn-configured"
	keyBoundAddress  = "bound-address"
	keyClientAddress = "cms-client-bound-address"
)

// Ports of the OVN databases on ovn-central.
const (
	// NorthboundPort is the OVN northbound database port.
	NorthboundPort = "6641"
	// SouthboundPort is the OVN southbound database port.
	SouthboundPort = "6642"
)

// Chassis is what the ovn-chassis subordinate said.
type Chassis struct {
	// Name is chassis-name, the chassis host name
	// (Open_vSwitch external_ids:hostname), used as binding:host_id of the
	// health-manager port; empty until the subordinate publishes it.
	Name string
	// OVNConfigured is ovn-configured: true once the chassis has an
	// ovn-remote, which is when Octavia enables its OVN provider driver.
	OVNConfigured bool
	// Reason says, when ParseSubordinate reports Incomplete, which key is malformed.
	Reason string
}

// ParseSubordinate reads the ovsdb-subordinate endpoint.
//
// It reports Missing when the subordinate has not joined and Ready as soon as
// it has (ovsdb-subordinate.available is set on join, §10), even before any
// data. chassis-name is a JSON string (a raw one is accepted) and must be a
// host name, or the relation reports Incomplete rather than binding the port
// to a made-up host; ovn-configured is a JSON boolean (True and yes are
// accepted too).
func ParseSubordinate(e relations.Endpoint) (Chassis, relations.Readiness) {
	if !e.Joined() {
		return Chassis{}, relations.Missing
	}
	var c Chassis
	if raw, ok := e.First(keyChassisName); ok {
		name := relations.JSONString(raw)
		if name != "" && !relations.ValidHost(name) {
			return Chassis{Reason: keyChassisName + " is not a host name"}, relations.Incomplete
		}
		c.Name = name
	}
	if raw, ok := e.First(keyOVNConfigured); ok {
		c.OVNConfigured = relations.IsTrue(relations.JSONString(raw))
	}
	return c, relations.Ready
}

// Central is what the ovn-central units said.
type Central struct {
	// Addresses are the units' bound-address values, in unit order, without
	// duplicates; IPv6 addresses are plain. Complete only when ParseCMS
	// reports Ready.
	Addresses []string
	// Reason says, when ParseCMS reports Incomplete, which units have not
	// answered or answered garbage.
	Reason string
}

// ParseCMS reads the ovsdb-cms endpoint.
//
// It reports Missing when no ovn-central unit has joined, and Ready when
// every joined unit has published a bound-address (a JSON string; a raw one
// is accepted) that is an IP address or host name. A unit that has not
// answered yet, or answered garbage, keeps it Incomplete: a connection
// string missing one database member is not rendered.
//
// Upstream also waits until the number of joined units matches the
// endpoint's goal state; the caller, which has the goal state, must add that
// check.
func ParseCMS(e relations.Endpoint) (Central, relations.Readiness) {
	if !e.Joined() {
		return Central{}, relations.Missing
	}
	var c Central
	var waiting, bad []string
	for _, u := range e.Units() {
		addr := relations.JSONString(u.Data[keyBoundAddress])
		switch {
		case addr == "":
			waiting = append(waiting, u.Name)
		case !relations.ValidHost(addr):
			bad = append(bad, u.Name)
		default:
			addr = relations.UnbracketHost(addr)
			if !slices.Contains(c.Addresses, addr) {
				c.Addresses = append(c.Addresses, addr)
			}
		}
	}
	var why []string
	if len(waiting) > 0 {
		why = append(why, fmt.Sprintf("no %s from %s", keyBoundAddress, strings.Join(waiting, ", ")))
	}
	if len(bad) > 0 {
		why = append(why, fmt.Sprintf("%s is not an address on %s", keyBoundAddress, strings.Join(bad, ", ")))
	}
	if len(why) > 0 {
		c.Reason = strings.Join(why, "; ")
		return c, relations.Incomplete
	}
	return c, relations.Ready
}

// NorthboundConnection returns the [ovn] ovn_nb_connection value:
// ssl:<addr>:6641 per address, comma-joined, IPv6 bracketed; "" when there
// are no addresses.
func (c Central) NorthboundConnection() string { return c.connection(NorthboundPort) }

// SouthboundConnection returns the [ovn] ovn_sb_connection value:
// ssl:<addr>:6642 per address, comma-joined, IPv6 bracketed; "" when there
// are no addresses.
func (c Central) SouthboundConnection() string { return c.connection(SouthboundPort) }

func (c Central) connection(port string) string {
	parts := make([]string, len(c.Addresses))
	for i, a := range c.Addresses {
		parts[i] = "ssl:" + relations.JoinHostPort(a, port)
	}
	return strings.Join(parts, ",")
}

// CMSRequest returns what this unit publishes on ovsdb-cms (§11):
// cms-client-bound-address, the unit's ovsdb-cms binding address as a raw
// string (IPv6 unbracketed), for which ovn-central opens its database ports.
// The key is left out when address is empty.
func CMSRequest(address string) relations.Bag {
	b := relations.Bag{}
	if address != "" {
		b[keyClientAddress] = relations.UnbracketHost(address)
	}
	return b
}
