package files

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// EnsureDir makes path a directory owned by owner:group with mode and
// reports whether it changed anything. An existing directory (or symbolic
// link to one) keeps its content and only has its owner, group and mode
// fixed if they differ. A missing directory is created; its parent must
// exist. If giving a new directory its owner or mode fails, it is removed.
func (r *Root) EnsureDir(path, owner, group string, mode fs.FileMode) (changed bool, err error) {
	mode &= modeBits
	full, err := r.resolve(path)
	if err != nil {
		return false, fmt.Errorf("ensure directory: %w", err)
	}
	fail := func(err error) (bool, error) {
		return false, fmt.Errorf("ensure directory %s: %w", path, err)
	}
	uid, gid, err := r.ids(owner, group)
	if err != nil {
		return fail(err)
	}
	st, err := os.Stat(full)
	switch {
	case err == nil && !st.IsDir():
		return fail(errors.New("exists and is not a directory"))
	case err == nil:
		if matches(st, uid, gid, mode) {
			return false, nil
		}
		if err := setOwnerMode(full, st, uid, gid, mode); err != nil {
			return fail(err)
		}
		return true, nil
	case !errors.Is(err, fs.ErrNotExist):
		return fail(err)
	}
	if err := os.Mkdir(full, mode.Perm()); err != nil {
		return fail(err)
	}
	if err := os.Chown(full, uid, gid); err != nil {
		os.Remove(full)
		return fail(err)
	}
	if err := os.Chmod(full, mode); err != nil {
		os.Remove(full)
		return fail(err)
	}
	if err := syncDir(filepath.Dir(full)); err != nil {
		return true, fmt.Errorf("ensure directory %s: %w", path, err)
	}
	return true, nil
}
