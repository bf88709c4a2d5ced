package files

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
)

// WriteFile makes the file at path hold data, owned by owner:group with
// mode, and reports whether it changed anything:
//
//   - the file already has these bytes, owner, group and mode: nothing is
//     written or synced, and changed is false;
//   - only the owner, group or mode differ: they are fixed in place (the
//     content is left alone) and changed is true;
//   - otherwise the file is replaced atomically (see the package comment)
//     and changed is true. A symbolic link at path is replaced by a regular
//     file.
//
// The parent directory must exist. owner and group are names (or numeric
// IDs) looked up under the root.
func (r *Root) WriteFile(path string, data []byte, owner, group string, mode fs.FileMode) (changed bool, err error) {
	mode &= modeBits
	full, err := r.resolve(path)
	if err != nil {
		return false, fmt.Errorf("write file: %w", err)
	}
	fail := func(err error) (bool, error) {
		return false, fmt.Errorf("write %s: %w", path, err)
	}
	uid, gid, err := r.ids(owner, group)
	if err != nil {
		return fail(err)
	}
	st, err := os.Lstat(full)
	switch {
	case err == nil && st.IsDir():
		return fail(errors.New("is a directory"))
	case err == nil && st.Mode().IsRegular() && st.Size() == int64(len(data)):
		old, err := os.ReadFile(full)
		if err != nil {
			return fail(err)
		}
		if bytes.Equal(old, data) {
			if matches(st, uid, gid, mode) {
				return false, nil
			}
			if err := setOwnerMode(full, st, uid, gid, mode); err != nil {
				return fail(err)
			}
			return true, nil
		}
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return fail(err)
	}
	if err := r.replace(full, data, uid, gid, mode); err != nil {
		return fail(err)
	}
	return true, nil
}

// replace writes data to a temporary file beside full with its final owner
// and mode, syncs it, renames it to full and syncs the directory. On error
// the temporary file is gone.
func (r *Root) replace(full string, data []byte, uid, gid int, mode fs.FileMode) (err error) {
	dir := filepath.Dir(full)
	f, err := createTemp(dir, filepath.Base(full), mode)
	if err != nil {
		return err
	}
	tmp := f.Name()
	renamed := false
	defer func() {
		if err != nil {
			f.Close()
			if !renamed {
				os.Remove(tmp)
			}
		}
	}()
	if err := r.chown(f, uid, gid); err != nil {
		return fmt.Errorf("set owner: %w", err)
	}
	// After chown, which clears setuid and setgid; also restores any
	// permission bit the umask removed at creation.
	if err := f.Chmod(mode); err != nil {
		return fmt.Errorf("set mode: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, full); err != nil {
		return err
	}
	renamed = true
	return syncDir(dir)
}

// createTemp creates a new file for base in dir, with a name no other
// writer uses and with the permission bits of mode from its first byte (the
// umask can only remove bits).
func createTemp(dir, base string, mode fs.FileMode) (*os.File, error) {
	if len(base) > 200 {
		base = base[:200]
	}
	var suffix [8]byte
	for range 100 {
		u := rand.Uint64()
		for i := range suffix {
			suffix[i] = byte(u >> (8 * i))
		}
		name := filepath.Join(dir, "."+base+".tmp-"+hex.EncodeToString(suffix[:]))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, mode.Perm())
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("create temporary file: %w", err)
		}
		return f, nil
	}
	return nil, fmt.Errorf("create temporary file in %s: too many collisions", dir)
}
