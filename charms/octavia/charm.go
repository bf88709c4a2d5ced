// Package octavia holds the octavia charm's descriptor files: metadata.yaml
// (endpoints, bindings, resource), config.yaml (options), actions.yaml,
// lxd-profile.yaml, the icon and README that Charmhub shows, and
// charmcraft.yaml. cmd/charmpack packs them, with the dispatch binary, into
// the .charm archive.
//
// The tests of this package are the compatibility contract with the upstream
// Python charm (openstack/charm-octavia): every endpoint, option and action it
// has must exist here with the same name, interface, type and default.
package octavia

import "embed"

// Files holds the charm's descriptor files, for tools and tests elsewhere in
// the module (bundle and overlay checks, for one) that must agree with what
// the charm declares.
//
//go:embed metadata.yaml config.yaml actions.yaml lxd-profile.yaml charmcraft.yaml
var Files embed.FS
