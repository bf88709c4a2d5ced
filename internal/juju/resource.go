package juju

import "context"

// ResourceGet fetches a charm resource and returns the path of its local
// copy. It fails when the operator has not attached the resource.
func (t *Tools) ResourceGet(ctx context.Context, name string) (string, error) {
	return t.runScalar(ctx, "resource-get "+name, "resource-get", []string{"--", name})
}
