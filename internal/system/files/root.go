// Package files writes the charm's files and directories atomically and
// only when they differ from what is on disk, so a converged unit sees no
// write at all.
//
// A file is never visible half-written or with the wrong owner or mode: it
// is written to a temporary file in the same directory that is created with
// its final mode (so a secret is never readable by others, not even for an
// instant), given its owner and mode, synced, renamed over the target, and
// the directory is synced. Every error path removes the temporary file.
package files

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"charm-octavia/internal/system/users"
)

// modeBits are the parts of a fs.FileMode that WriteFile and EnsureDir set:
// permissions and the setuid, setgid and sticky bits.
const modeBits = fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky

// Root is a filesystem tree that paths are resolved under: "/" on a unit,
// a t.TempDir() in tests. Owner and group names are looked up in the
// etc/passwd and etc/group files of the same tree.
type Root struct {
	dir string
	// chown sets the owner of the temporary file; tests replace it to make
	// it fail.
	chown func(f *os.File, uid, gid int) error
}

// New returns the tree rooted at dir.
func New(dir string) *Root {
	return &Root{
		dir:   dir,
		chown: func(f *os.File, uid, gid int) error { return f.Chown(uid, gid) },
	}
}

// Path returns where the absolute path lies under the root.
func (r *Root) Path(path string) string {
	return filepath.Join(r.dir, path)
}

// resolve checks that path is absolute and returns where it lies under the
// root.
func (r *Root) resolve(path string) (string, error) {
	if !filepath.IsAbs(path) {
		return "", fmt.Errorf("path %q is not absolute", path)
	}
	return r.Path(path), nil
}

// ids looks up the user and group IDs of owner and group.
func (r *Root) ids(owner, group string) (uid, gid int, err error) {
	if uid, err = users.UID(r.dir, owner); err != nil {
		return 0, 0, err
	}
	if gid, err = users.GID(r.dir, group); err != nil {
		return 0, 0, err
	}
	return uid, gid, nil
}

// matches reports whether st has the owner, group and mode given.
func matches(st fs.FileInfo, uid, gid int, mode fs.FileMode) bool {
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return false
	}
	return int(sys.Uid) == uid && int(sys.Gid) == gid && st.Mode()&modeBits == mode
}

// setOwnerMode gives the file or directory at path its owner and mode, in
// that order since chown clears the setuid and setgid bits.
func setOwnerMode(path string, st fs.FileInfo, uid, gid int, mode fs.FileMode) error {
	if sys, ok := st.Sys().(*syscall.Stat_t); !ok || int(sys.Uid) != uid || int(sys.Gid) != gid {
		if err := os.Chown(path, uid, gid); err != nil {
			return err
		}
	}
	return os.Chmod(path, mode)
}

// syncDir makes a change to the entries of dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync directory: %w", err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil && !errors.Is(err, syscall.EINVAL) {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}
