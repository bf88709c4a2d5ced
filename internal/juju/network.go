package juju

import "context"

// Network is network-get's answer for one binding.
type Network struct {
	BindAddresses    []BindAddress `json:"bind-addresses,omitempty"`    // interfaces to listen on
	EgressSubnets    []string      `json:"egress-subnets,omitempty"`    // CIDRs traffic leaves from
	IngressAddresses []string      `json:"ingress-addresses,omitempty"` // addresses to advertise
}

// BindAddress is one interface of a binding's space.
type BindAddress struct {
	MACAddress    string          `json:"mac-address"`    // e.g. "00:16:3e:12:34:56"
	InterfaceName string          `json:"interface-name"` // e.g. "eth0"
	Addresses     []InterfaceAddr `json:"addresses"`      // the interface's addresses in the space
}

// InterfaceAddr is one address of an interface.
type InterfaceAddr struct {
	Hostname string `json:"hostname"` // set when Juju resolved the address from a name
	Value    string `json:"value"`    // the IP address
	CIDR     string `json:"cidr"`     // its subnet
}

// PrimaryAddress is the address to listen on: the first bind address, else
// the first ingress address, else "".
func (n Network) PrimaryAddress() string {
	for _, b := range n.BindAddresses {
		for _, a := range b.Addresses {
			if a.Value != "" {
				return a.Value
			}
		}
	}
	if len(n.IngressAddresses) > 0 {
		return n.IngressAddresses[0]
	}
	return ""
}

// NetworkGet reads the network config of an endpoint or extra binding.
func (t *Tools) NetworkGet(ctx context.Context, binding string) (Network, error) {
	var n Network
	if err := t.runJSON(ctx, "network-get "+binding, "network-get", []string{"--format=json", "--", binding}, &n); err != nil {
		return Network{}, err
	}
	return n, nil
}

// UnitGet reads "private-address" or "public-address" (legacy: prefer
// NetworkGet).
func (t *Tools) UnitGet(ctx context.Context, key string) (string, error) {
	var v string
	if err := t.runJSON(ctx, "unit-get "+key, "unit-get", []string{"--format=json", "--", key}, &v); err != nil {
		return "", err
	}
	return v, nil
}
