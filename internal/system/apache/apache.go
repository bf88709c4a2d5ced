// Package apache enables and disables Apache sites and modules with the
// a2en*/a2dis* tools, running them only when the symbolic link they manage
// shows that something must change.
package apache

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"charm-octavia/internal/system"
)

// Apache configures the Apache installation under /etc/apache2. It does not
// reload Apache: callers reload it when a method reports a change.
type Apache struct {
	root string
	cmd  system.Commander
}

// New returns an Apache that looks for links under root ("/" on a unit) and
// runs the a2en* tools with cmd. The tools act on the real host whatever the
// root: a root other than "/" is for tests with a fake Commander.
func New(root string, cmd system.Commander) *Apache {
	return &Apache{root: root, cmd: cmd}
}

// EnableSite enables the site name (sites-available/NAME.conf) with
// a2ensite unless sites-enabled/NAME.conf already exists, and reports
// whether it ran it.
func (a *Apache) EnableSite(ctx context.Context, name string) (bool, error) {
	return a.ensure(ctx, "a2ensite", "sites-enabled", name, ".conf", true)
}

// DisableSite disables the site name with a2dissite if
// sites-enabled/NAME.conf exists, and reports whether it ran it.
func (a *Apache) DisableSite(ctx context.Context, name string) (bool, error) {
	return a.ensure(ctx, "a2dissite", "sites-enabled", name, ".conf", false)
}

// EnableModule enables the module name with a2enmod unless
// mods-enabled/NAME.load already exists, and reports whether it ran it.
func (a *Apache) EnableModule(ctx context.Context, name string) (bool, error) {
	return a.ensure(ctx, "a2enmod", "mods-enabled", name, ".load", true)
}

// ensure runs tool for name when the presence of
// /etc/apache2/<dir>/<name><ext> differs from want.
func (a *Apache) ensure(ctx context.Context, tool, dir, name, ext string, want bool) (bool, error) {
	if name == "" || strings.ContainsAny(name, "/\x00") || name[0] == '-' || name[0] == '.' {
		return false, fmt.Errorf("%s: invalid name %q", tool, name)
	}
	link := filepath.Join(a.root, "etc/apache2", dir, name+ext)
	_, err := os.Lstat(link)
	switch {
	case err == nil && want, errors.Is(err, fs.ErrNotExist) && !want:
		return false, nil
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return false, fmt.Errorf("%s %s: %w", tool, name, err)
	}
	if _, err := a.cmd.Run(ctx, tool, []string{"-q", name}, nil, nil); err != nil {
		return false, fmt.Errorf("%s %s: %w", tool, name, err)
	}
	return true, nil
}
