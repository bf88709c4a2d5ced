// Command charmpack packs the octavia charm into a .charm archive with Go
// alone, no charmcraft needed. From the repository root:
//
//	CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o build/dispatch ./cmd/octavia
//	go run ./cmd/charmpack -src charms/octavia -dispatch build/dispatch -out octavia.charm
//
// The archive holds the charm directory's metadata, config, actions, LXD
// profile, icon and README, a manifest.yaml for Ubuntu 22.04 and 24.04 on
// amd64, and dispatch with mode 0755. See package charmpack for the checks it
// makes and why two packs of the same inputs are byte-identical.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"charm-octavia/internal/charmpack"
)

func main() {
	err := run(os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "charmpack:", err)
		os.Exit(1)
	}
}

// run parses the command line and packs the charm.
func run(args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("charmpack", flag.ContinueOnError)
	flags.SetOutput(stderr)
	src := flags.String("src", "charms/octavia", "charm directory holding metadata.yaml and the other charm files")
	dispatch := flags.String("dispatch", "build/dispatch", "the charm's executable, packed as dispatch")
	out := flags.String("out", "octavia.charm", "archive to write")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() != 0 {
		return fmt.Errorf("unexpected arguments: %q", flags.Args())
	}
	if err := charmpack.PackFile(*out, *src, *dispatch); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "packed %s\n", *out)
	return nil
}
