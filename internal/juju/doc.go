// Package juju is the charm's thin layer over the Juju hook tools.
//
// A hook (or action) talks to Juju only by executing hook tools such as
// config-get or relation-set, which Juju puts first on PATH for the length of
// the hook. This package runs them through a Runner (ExecRunner in
// production, a fake model in tests), asks every read tool for JSON, decodes
// the answers into typed values, and keeps sensitive values off argv:
// relation and state data travel on stdin (--file -) and secret content in
// 0600 files inside a private temporary directory (key#file=PATH).
//
// Env parses the hook environment (JUJU_* variables) once, and Event tells a
// hook from an action.
package juju
