package juju

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
)

// secretKeyPattern is Juju's rule for secret content keys
// (core/secrets/createsecret.go): lowercase, at least 3 characters, single
// dashes between letters and digits.
var secretKeyPattern = regexp.MustCompile(`^([a-z](?:-?[a-z0-9]){2,})$`)

// secretFiles holds secret content in 0600 files inside a private 0700
// directory, so the tools can read it as key#file=PATH arguments.
type secretFiles struct {
	dir  string
	args []string
}

// writeSecretFiles writes one file per key. The caller must call remove.
func writeSecretFiles(what string, content map[string]string) (*secretFiles, error) {
	keys := make([]string, 0, len(content))
	for k := range content {
		if !secretKeyPattern.MatchString(k) {
			return nil, fmt.Errorf("%s: secret key %q is not valid: Juju wants lowercase letters, digits and single dashes, starting with a letter, at least 3 characters", what, k)
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	dir, err := os.MkdirTemp("", "juju-secret-")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	f := &secretFiles{dir: dir}
	if err := os.Chmod(dir, 0o700); err != nil {
		f.remove()
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	for i, k := range keys {
		path := filepath.Join(dir, fmt.Sprintf("value-%d", i))
		if err := os.WriteFile(path, []byte(content[k]), 0o600); err != nil {
			f.remove()
			return nil, fmt.Errorf("%s: write secret value file: %w", what, err)
		}
		f.args = append(f.args, k+"#file="+path)
	}
	return f, nil
}

// remove deletes the directory and the values in it.
func (f *secretFiles) remove() {
	_ = os.RemoveAll(f.dir)
}
