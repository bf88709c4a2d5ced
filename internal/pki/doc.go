// Package pki holds Octavia's amphora control-plane certificates: the dual
// certificate authority that lets controllers and amphorae authenticate each
// other over the amphora agent's two-way TLS.
//
// Octavia needs two separate CAs. The issuing CA (cert and passphrase
// protected key) signs every amphora's server certificate at build time and
// lets controllers verify amphorae. The controller CA signs the controller's
// client certificate; only its certificate is needed, and it is pushed into
// every amphora so that amphorae accept controllers and nothing else. With one
// CA for both, an amphora's own certificate (Octavia issues it for both server
// and client auth) could impersonate a controller.
//
// The material either comes from the five upstream lb-mgmt-* config options
// ([FromOptions], which validates everything upstream never checked) or is
// generated ([Generate]). Either way the result is a [Bundle] of PEM files for
// the charm to render.
//
// Secret material (private keys, the passphrase, decoded option values) never
// appears in an error string; faults in operator input are [*OptionError]s that
// name the option and the problem only.
package pki
