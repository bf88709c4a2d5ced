// Package users looks up users and groups in the account databases
// (/etc/passwd and /etc/group under a filesystem root) and manages group
// membership. It reads the files itself, like os/user without cgo, but under
// a root so tests need no real accounts.
package users

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// UnknownError reports a user or group that the account database does not
// hold, for example the group "octavia" before the octavia-common package
// has created it.
type UnknownError struct {
	// Kind is "user" or "group".
	Kind string
	// Name is the name that was looked up.
	Name string
}

// Error names the missing account.
func (e *UnknownError) Error() string {
	return fmt.Sprintf("%s %q does not exist", e.Kind, e.Name)
}

// UID returns the user ID of the user called name in <root>/etc/passwd. A
// name made only of digits is taken as the ID itself, as chown(1) does.
func UID(root, name string) (int, error) {
	if id, ok := numeric(name); ok {
		return id, nil
	}
	e, err := find(root, "etc/passwd", name)
	if err != nil {
		return 0, fmt.Errorf("look up user: %w", err)
	}
	if e == nil {
		return 0, &UnknownError{Kind: "user", Name: name}
	}
	return e.id, nil
}

// GID returns the group ID of the group called name in <root>/etc/group. A
// name made only of digits is taken as the ID itself, as chown(1) does.
func GID(root, name string) (int, error) {
	if id, ok := numeric(name); ok {
		return id, nil
	}
	e, err := find(root, "etc/group", name)
	if err != nil {
		return 0, fmt.Errorf("look up group: %w", err)
	}
	if e == nil {
		return 0, &UnknownError{Kind: "group", Name: name}
	}
	return e.id, nil
}

// entry is one line of /etc/passwd or /etc/group.
type entry struct {
	name string
	// id is the user ID (passwd) or group ID (group).
	id int
	// gid is the primary group ID (passwd only).
	gid int
	// members are the group's supplementary members (group only).
	members []string
}

// find returns the entry called name in the colon-separated database file
// at <root>/<rel>, or nil when there is none.
func find(root, rel, name string) (*entry, error) {
	if name == "" || strings.ContainsAny(name, ":\n") {
		return nil, fmt.Errorf("invalid name %q", name)
	}
	data, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		return nil, err
	}
	prefix := []byte(name + ":")
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Bytes()
		if !bytes.HasPrefix(line, prefix) {
			continue
		}
		return parse(rel, string(line))
	}
	return nil, sc.Err()
}

// parse parses one passwd (name:pw:uid:gid:...) or group
// (name:pw:gid:members) line.
func parse(rel, line string) (*entry, error) {
	fields := strings.Split(line, ":")
	if len(fields) < 4 {
		return nil, fmt.Errorf("%s: malformed entry for %q", rel, fields[0])
	}
	id, err := strconv.Atoi(fields[2])
	if err != nil {
		return nil, fmt.Errorf("%s: bad ID for %q", rel, fields[0])
	}
	e := &entry{name: fields[0], id: id}
	if strings.HasSuffix(rel, "passwd") {
		if e.gid, err = strconv.Atoi(fields[3]); err != nil {
			return nil, fmt.Errorf("%s: bad group ID for %q", rel, fields[0])
		}
		return e, nil
	}
	if fields[3] != "" {
		e.members = strings.Split(fields[3], ",")
	}
	return e, nil
}

// numeric reports whether s is a decimal ID and returns it.
func numeric(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, false
		}
	}
	id, err := strconv.Atoi(s)
	return id, err == nil
}
