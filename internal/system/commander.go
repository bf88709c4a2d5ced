package system

import "context"

// Commander runs a program and returns what it wrote to standard output.
//
// name is the program (a path, or a name looked up in PATH); args are its
// arguments, never including secrets; env holds extra "KEY=value" entries
// added to the charm's own environment (later entries win); stdin, when not
// nil, is written to the program's standard input and is the only way to
// hand it a secret.
//
// When the program cannot be started or exits with a non-zero status, Run
// returns whatever it wrote to standard output together with an error; the
// Exec implementation returns a *CommandError.
type Commander interface {
	Run(ctx context.Context, name string, args []string, env []string, stdin []byte) (stdout []byte, err error)
}
