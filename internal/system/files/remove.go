package files

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// RemoveFile removes the file (or symbolic link) at path and reports
// whether there was one. It refuses to remove a directory.
func (r *Root) RemoveFile(path string) (changed bool, err error) {
	full, err := r.resolve(path)
	if err != nil {
		return false, fmt.Errorf("remove file: %w", err)
	}
	st, err := os.Lstat(full)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("remove %s: %w", path, err)
	case st.IsDir():
		return false, fmt.Errorf("remove %s: is a directory", path)
	}
	if err := os.Remove(full); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		return false, fmt.Errorf("remove %s: %w", path, err)
	}
	if err := syncDir(filepath.Dir(full)); err != nil {
		return true, fmt.Errorf("remove %s: %w", path, err)
	}
	return true, nil
}
