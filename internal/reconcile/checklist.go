package reconcile

// The security-checklist action: gather checklist.Facts from the unit
// (files under /etc/octavia, a few settings of octavia.conf, what the unit
// published to Keystone) and report checklist.Run's verdicts. Secret values
// read from octavia.conf are reduced to booleans here and go no further.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"charm-octavia/internal/checklist"
	"charm-octavia/internal/octavia"
)

// securityChecklist is the security-checklist action.
func (u *Unit) securityChecklist(ctx context.Context) error {
	facts, err := u.checklistFacts()
	if err != nil {
		return u.Tools.ActionFail(ctx, "cannot audit the unit: "+u.Redact(firstLine(err.Error())))
	}
	results := checklist.Run(facts)
	if err := u.Tools.ActionSet(ctx, checklist.ActionOutput(results)); err != nil {
		return err
	}
	if _, failed := checklist.Summary(results); failed > 0 {
		return u.Tools.ActionFail(ctx, checklist.FailMessage)
	}
	return nil
}

// checklistFacts gathers what the checks judge, from the machine under
// u.Root and from the snapshot.
func (u *Unit) checklistFacts() (checklist.Facts, error) {
	var f checklist.Facts
	names := &accountNames{passwd: u.root("/etc/passwd"), group: u.root("/etc/group")}
	files, err := u.auditFiles(names)
	if err != nil {
		return f, err
	}
	f.Files = files

	conf, err := readINI(u.root(checklist.ConfPath))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// Not rendered yet: the file checks say so, and every setting
		// below reads as unset.
		conf = iniFile{}
	case err != nil:
		return f, err
	}
	f.DebugEnabled = osloBool(conf.get("DEFAULT", "debug"))
	f.AuthStrategy = conf.get("api_settings", "auth_strategy")
	f.KeystoneURLIsTLS = keystoneURLsAreTLS(conf)
	f.KeystoneInsecure = osloBool(conf.get("keystone_authtoken", "insecure")) || osloBool(conf.get("service_auth", "insecure"))
	f.HeartbeatKeyInsecure = checklist.InsecureDefault(conf.get("health_manager", "heartbeat_key"))
	f.ServerCertsKeyPassphraseInsecure = checklist.InsecureDefault(conf.get("certificates", "server_certs_key_passphrase"))
	if v := conf.get("certificates", "ca_private_key_passphrase"); v != "" {
		f.CAKeyPassphraseInsecure = checklist.InsecureDefault(v)
	}
	f.APIServesTLS = u.apiServesTLS()
	return f, nil
}

// auditFiles stats ConfigDir and everything under it (symbolic links are
// not followed), and the secret files the charm writes elsewhere.
func (u *Unit) auditFiles(names *accountNames) ([]checklist.FileFact, error) {
	var out []checklist.FileFact
	fact := func(path string, st fs.FileInfo, secret bool) {
		ff := checklist.FileFact{Path: path, Exists: true, Mode: st.Mode(), Secret: secret}
		if sys, ok := st.Sys().(*syscall.Stat_t); ok {
			ff.Owner = names.userName(sys.Uid)
			ff.Group = names.groupName(sys.Gid)
		}
		out = append(out, ff)
	}
	base := u.root(checklist.ConfigDir)
	err := filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == base && errors.Is(err, fs.ErrNotExist) {
				return nil // the checks report a missing ConfigDir
			}
			return fmt.Errorf("audit %s: %w", p, err)
		}
		st, err := d.Info()
		if err != nil {
			return fmt.Errorf("audit %s: %w", p, err)
		}
		rel, err := filepath.Rel(base, p)
		if err != nil {
			return err
		}
		fact(filepath.ToSlash(filepath.Join(checklist.ConfigDir, rel)), st, false)
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, p := range []string{octavia.DatabaseKeyPath} {
		st, err := os.Lstat(u.root(p))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue
		case err != nil:
			return nil, fmt.Errorf("audit %s: %w", p, err)
		}
		fact(p, st, true)
	}
	return out, nil
}

// keystoneURLsAreTLS: every Keystone URL octavia.conf names is https, and
// it names at least one.
func keystoneURLsAreTLS(conf iniFile) bool {
	n := 0
	for _, k := range [][2]string{
		{"keystone_authtoken", "www_authenticate_uri"},
		{"keystone_authtoken", "auth_url"},
		{"service_auth", "auth_url"},
		{"neutron", "auth_url"},
	} {
		v := conf.get(k[0], k[1])
		if v == "" {
			continue
		}
		if !strings.HasPrefix(strings.ToLower(v), "https://") {
			return false
		}
		n++
	}
	return n > 0
}

// apiServesTLS: the API endpoints this unit published to Keystone are all
// https. A unit that published none yet is judged by its haproxy frontend,
// which terminates TLS when its bind line has "ssl". Until the charm
// serves TLS both say plain HTTP.
func (u *Unit) apiServesTLS() bool {
	if s, ok, err := loadSnapshot(SnapshotPath(u.Env.CharmDir)); err == nil && ok {
		n := 0
		for _, r := range s.Relations[octavia.EndpointIdentityService] {
			for _, key := range []string{"public_url", "internal_url", "admin_url"} {
				v := r.Local[key]
				if v == "" {
					continue
				}
				if !strings.HasPrefix(v, "https://") {
					return false
				}
				n++
			}
		}
		if n > 0 {
			return true
		}
	}
	b, err := os.ReadFile(u.root(octavia.HAProxyConfPath))
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		fields := strings.Fields(line)
		if len(fields) > 0 && fields[0] == "bind" && strings.Contains(" "+strings.Join(fields[1:], " ")+" ", " ssl ") {
			return true
		}
	}
	return false
}

// iniFile is an oslo.config file: section → key → value, the last
// occurrence winning as in oslo.config.
type iniFile map[string]map[string]string

func (f iniFile) get(section, key string) string { return f[section][key] }

// readINI parses an oslo.config file minimally: sections, "key = value"
// lines, comments, and "$$" for a literal dollar (how the charm writes
// one). Values are never put in an error.
func readINI(path string) (iniFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f := iniFile{}
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
			continue
		case line[0] == '[' && line[len(line)-1] == ']':
			section = strings.TrimSpace(line[1 : len(line)-1])
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		if f[section] == nil {
			f[section] = map[string]string{}
		}
		f[section][strings.TrimSpace(key)] = strings.ReplaceAll(strings.TrimSpace(value), "$$", "$")
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return f, nil
}

// osloBool is oslo.config's reading of a boolean option.
func osloBool(v string) bool {
	switch strings.ToLower(v) {
	case "true", "1", "yes", "on":
		return true
	}
	return false
}

// accountNames turns user and group IDs into names through the passwd
// and group files (under the unit's root), each read on first use. An ID
// with no name is shown as the number.
type accountNames struct {
	passwd, group string
	users, groups map[uint32]string
}

func (a *accountNames) userName(id uint32) string {
	if a.users == nil {
		a.users = readIDNames(a.passwd)
	}
	return nameOr(a.users, id)
}

func (a *accountNames) groupName(id uint32) string {
	if a.groups == nil {
		a.groups = readIDNames(a.group)
	}
	return nameOr(a.groups, id)
}

func nameOr(names map[uint32]string, id uint32) string {
	if n, ok := names[id]; ok {
		return n
	}
	return strconv.FormatUint(uint64(id), 10)
}

// readIDNames maps the IDs of a passwd or group file (name:x:id:...) to the
// first name that has them; a file that cannot be read maps nothing.
func readIDNames(path string) map[uint32]string {
	out := map[uint32]string{}
	b, err := os.ReadFile(path)
	if err != nil {
		return out
	}
	for _, line := range strings.Split(string(b), "\n") {
		parts := strings.SplitN(line, ":", 4)
		if len(parts) < 3 || parts[0] == "" || strings.HasPrefix(parts[0], "#") {
			continue
		}
		id, err := strconv.ParseUint(parts[2], 10, 32)
		if err != nil {
			continue
		}
		if _, seen := out[uint32(id)]; !seen {
			out[uint32(id)] = parts[0]
		}
	}
	return out
}
