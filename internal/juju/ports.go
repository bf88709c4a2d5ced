package juju

import (
	"context"
	"fmt"
)

// OpenPort asks Juju to open port/proto ("tcp" when proto is empty) on this
// unit. Juju applies it when the hook succeeds.
func (t *Tools) OpenPort(ctx context.Context, port int, proto string) error {
	p := portArg(port, proto)
	_, err := t.run(ctx, "open-port "+p, "open-port", []string{"--", p}, nil)
	return err
}

// ClosePort asks Juju to close port/proto ("tcp" when proto is empty).
// Juju applies it when the hook succeeds.
func (t *Tools) ClosePort(ctx context.Context, port int, proto string) error {
	p := portArg(port, proto)
	_, err := t.run(ctx, "close-port "+p, "close-port", []string{"--", p}, nil)
	return err
}

// OpenedPorts lists the port ranges this unit has open, e.g. "9876/tcp",
// "1000-2000/udp" or "icmp".
func (t *Tools) OpenedPorts(ctx context.Context) ([]string, error) {
	var ports []string
	if err := t.runJSON(ctx, "opened-ports", "opened-ports", []string{"--format=json"}, &ports); err != nil {
		return nil, err
	}
	return ports, nil
}

func portArg(port int, proto string) string {
	if proto == "" {
		proto = "tcp"
	}
	return fmt.Sprintf("%d/%s", port, proto)
}
