// Command jujuc-emulator is the fake Juju model core of
// charm-octavia/internal/juju/jujutest as a multi-call binary, standing in
// for Juju's jujuc in functional tests.
//
// Symlink it under each hook tool's name (config-get, relation-set, ...) in
// a directory put first on the charm's PATH. Each call takes the tool name
// from its argv[0] (or, called as jujuc-emulator, from its first argument),
// the state file from JUJU_EMULATOR_STATE, the context from JUJU_CONTEXT_ID
// and the unit from JUJU_UNIT_NAME. It runs the tool against the model in
// the state file under an exclusive lock, keeps the context's deferred
// writes there, and exits with the tool's status. The test driver opens and
// closes contexts with jujutest.BeginContext and jujutest.EndContext.
package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"charm-octavia/internal/juju/jujutest"
)

func main() {
	os.Exit(run(os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr))
}

// run is main with its inputs and outputs passed in; it returns the exit
// status.
func run(argv []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	tool, args := filepath.Base(argv[0]), argv[1:]
	if tool == "jujuc-emulator" {
		if len(args) == 0 {
			fmt.Fprintln(stderr, "usage: jujuc-emulator <hook-tool> [args...] (or symlink it as the hook tool)")
			return 2
		}
		tool, args = args[0], args[1:]
	}
	state, ctxID := getenv(jujutest.StateEnvVar), getenv("JUJU_CONTEXT_ID")
	if state == "" {
		fmt.Fprintf(stderr, "ERROR %s is not set\n", jujutest.StateEnvVar)
		return 1
	}
	if ctxID == "" {
		fmt.Fprintln(stderr, "ERROR JUJU_CONTEXT_ID not set")
		return 1
	}
	res, err := jujutest.RunTool(state, ctxID, getenv("JUJU_UNIT_NAME"), tool, args, stdin)
	if err != nil {
		fmt.Fprintf(stderr, "ERROR jujuc-emulator: %v\n", err)
		return 1
	}
	stdout.Write(res.Stdout)
	stderr.Write(res.Stderr)
	return res.Code
}
