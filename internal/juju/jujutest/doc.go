// Package jujutest is one fake Juju model core that behaves like Juju for
// the hook tools a charm calls.
//
// A Model holds what one charm's units can see of a Juju model: the
// application's units and leader, config, leader settings, statuses, charm
// state, opened ports, network bindings, resources, relations (with every
// data bag) and secrets (with revisions, consumer pins and grants). A
// Context is one hook or action running on one unit: its Run method
// implements juju.Runner, parsing each tool's arguments the way Juju's
// jujuc does and answering as Juju would. Writes Juju defers (relation-set,
// state-set, ports, secrets) are held in the context and applied by
// Close(true), or dropped by Close(false); immediate ones (status-set,
// leader-set, juju-log, application-version-set, action-log) land at once.
// A call real Juju would reject fails here too, with Juju's exit status (2
// for a bad invocation, 1 for a failure) and an "ERROR ..." message.
//
// The Model is JSON-serialisable (Save, Load). The same core runs out of
// process in cmd/jujuc-emulator, a multi-call binary symlinked as each hook
// tool; BeginContext, EndContext and the other state-file functions let a
// functional-test driver run the charm's real dispatch binary against it.
//
// Not emulated: YAML output (the charm always asks for JSON; a YAML request
// fails), credential-get, goal-state, storage and payload tools, juju-reboot.
package jujutest
