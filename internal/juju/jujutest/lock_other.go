//go:build !unix

package jujutest

import "fmt"

// lockFile is not available here: the emulator needs flock.
func lockFile(path string) (func(), error) {
	return nil, fmt.Errorf("lock %s: the hook-tool emulator needs a unix system", path)
}
