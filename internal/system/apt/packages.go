// Package apt installs and inspects Debian packages (apt-get, dpkg-query),
// describes the openstack-origin package source, and names OpenStack
// releases from package versions.
package apt

import (
	"fmt"
	"strings"
	"time"

	"charm-octavia/internal/system"
)

// DefaultLockRetryDelay is how long New's Packages wait before retrying an
// apt-get that found the dpkg lock taken.
const DefaultLockRetryDelay = 10 * time.Second

// Packages runs dpkg-query and apt-get.
type Packages struct {
	cmd system.Commander
	// LockRetryDelay is how long to wait before the single retry of an
	// apt-get run that could not get the dpkg or apt lists lock (another
	// apt or unattended-upgrades run).
	LockRetryDelay time.Duration
}

// New returns Packages that run programs with cmd.
func New(cmd system.Commander) *Packages {
	return &Packages{cmd: cmd, LockRetryDelay: DefaultLockRetryDelay}
}

// validName reports whether name is a Debian package name, optionally with
// an architecture qualifier (name:arch). It keeps glob patterns, which
// dpkg-query would expand, and options out of argv.
func validName(name string) bool {
	pkg, arch, qualified := strings.Cut(name, ":")
	if len(pkg) < 2 || !isLowerAlnum(pkg[0]) {
		return false
	}
	for i := 1; i < len(pkg); i++ {
		c := pkg[i]
		if !isLowerAlnum(c) && c != '+' && c != '-' && c != '.' {
			return false
		}
	}
	if !qualified {
		return true
	}
	if arch == "" {
		return false
	}
	for i := 0; i < len(arch); i++ {
		if c := arch[i]; !isLowerAlnum(c) && c != '-' {
			return false
		}
	}
	return true
}

// isLowerAlnum reports whether c is a lower-case ASCII letter or a digit.
func isLowerAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
}

// checkNames returns an error naming the first invalid package name.
func checkNames(names []string) error {
	for _, n := range names {
		if !validName(n) {
			if len(n) > 64 {
				n = n[:64] + "..."
			}
			return fmt.Errorf("invalid package name %q", n)
		}
	}
	return nil
}
