package reconcile

import (
	"bytes"
	"context"
	"fmt"
	"sort"

	"charm-octavia/internal/octavia"
	"charm-octavia/internal/relations/hacluster"
	"charm-octavia/internal/system/apt"
	"charm-octavia/internal/system/service"
	"charm-octavia/internal/system/users"
)

// fakeSystem is a machine in memory: it records every effect so tests can
// assert that a converged pass has none.
type fakeSystem struct {
	installed  map[string]bool
	version    string // octavia-common once installed
	files      map[string]octavia.File
	dirs       map[string]octavia.Dir
	running    map[string]bool
	mgmt       string
	ops        []string // every effect, in order
	migrateErr error
	// candidate is the octavia-common version an upgrade installs ("": none newer).
	candidate string
	// interfaces are the machine's network interfaces and their addresses.
	interfaces []hacluster.Interface
}

func newFakeSystem() *fakeSystem {
	return &fakeSystem{installed: map[string]bool{}, files: map[string]octavia.File{}, dirs: map[string]octavia.Dir{}, running: map[string]bool{}}
}

func (f *fakeSystem) op(format string, a ...any) { f.ops = append(f.ops, fmt.Sprintf(format, a...)) }

// takeOps returns the effects recorded since the last call.
func (f *fakeSystem) takeOps() []string { ops := f.ops; f.ops = nil; return ops }

func (f *fakeSystem) CPUs() int                           { return 2 }
func (f *fakeSystem) Series() string                      { return "jammy" }
func (f *fakeSystem) InterfaceAddress(name string) string { return f.mgmt }
func (f *fakeSystem) Interfaces() []hacluster.Interface   { return f.interfaces }
func (f *fakeSystem) MissingPackages(_ context.Context, names []string) ([]string, error) {
	var missing []string
	for _, n := range names {
		if !f.installed[n] {
			missing = append(missing, n)
		}
	}
	return missing, nil
}
func (f *fakeSystem) PackageVersion(_ context.Context, name string) (string, error) {
	if name == "octavia-common" && f.installed["octavia-api"] {
		return f.version, nil
	}
	return "", nil
}
func (f *fakeSystem) WriteSource(o apt.Origin) error { f.op("source %s", o.String()); return nil }
func (f *fakeSystem) UpdatePackages(context.Context) error {
	f.op("apt-get update")
	return nil
}
func (f *fakeSystem) InstallPackages(_ context.Context, names []string) error {
	sort.Strings(names)
	f.op("apt-get install %v", names)
	for _, n := range names {
		f.installed[n] = true
	}
	return nil
}
func (f *fakeSystem) UpgradePackages(_ context.Context, names []string) error {
	names = append([]string(nil), names...)
	sort.Strings(names)
	f.op("apt-get upgrade %v", names)
	if f.candidate != "" {
		f.version = f.candidate
	}
	return nil
}
func (f *fakeSystem) EnsureDir(d octavia.Dir) (bool, error) {
	if old, ok := f.dirs[d.Path]; ok && old == d {
		return false, nil
	}
	f.dirs[d.Path] = d
	f.op("mkdir %s", d.Path)
	return true, nil
}
func (f *fakeSystem) WriteFile(file octavia.File) (bool, error) {
	old, ok := f.files[file.Path]
	if ok && bytes.Equal(old.Data, file.Data) && old.Mode == file.Mode && old.Owner == file.Owner && old.Group == file.Group {
		return false, nil
	}
	f.files[file.Path] = file
	f.op("write %s", file.Path)
	return true, nil
}
func (f *fakeSystem) EnsureMember(_ context.Context, user, group string) (bool, error) {
	if !f.installed["user:"+user] {
		return false, &users.UnknownError{Kind: "user", Name: user}
	}
	if f.installed["member:"+user+":"+group] {
		return false, nil
	}
	f.installed["member:"+user+":"+group] = true
	f.op("usermod -a -G %s %s", group, user)
	return true, nil
}
func (f *fakeSystem) RemoveFile(path string) (bool, error) {
	if _, ok := f.files[path]; !ok {
		return false, nil
	}
	delete(f.files, path)
	f.op("remove %s", path)
	return true, nil
}
func (f *fakeSystem) EnableApacheModule(_ context.Context, name string) (bool, error) {
	if f.installed["mod:"+name] {
		return false, nil
	}
	f.installed["mod:"+name] = true
	f.op("a2enmod %s", name)
	return true, nil
}
func (f *fakeSystem) EnableApacheSite(_ context.Context, name string) (bool, error) {
	if f.installed["site:"+name] {
		return false, nil
	}
	f.installed["site:"+name] = true
	f.op("a2ensite %s", name)
	return true, nil
}
func (f *fakeSystem) ServiceExists(name string) bool { return f.installed[name] }
func (f *fakeSystem) Services() service.Services     { return fakeServices{f} }

// UpdateCATrust records update-ca-certificates.
func (f *fakeSystem) UpdateCATrust(context.Context) error {
	f.op("update-ca-certificates")
	return nil
}

func (f *fakeSystem) Run(_ context.Context, name string, args ...string) ([]byte, error) {
	f.op("run %s %v", name, args)
	if f.migrateErr != nil {
		return []byte("Traceback (most recent call last):\n" + f.migrateErr.Error() + "\n"), f.migrateErr
	}
	return nil, nil
}

type fakeServices struct{ f *fakeSystem }

func (s fakeServices) Start(_ context.Context, n string) error {
	s.f.running[n] = true
	s.f.op("start %s", n)
	return nil
}
func (s fakeServices) Stop(_ context.Context, n string) error {
	s.f.running[n] = false
	s.f.op("stop %s", n)
	return nil
}
func (s fakeServices) Restart(_ context.Context, n string) error {
	s.f.running[n] = true
	s.f.op("restart %s", n)
	return nil
}
func (s fakeServices) Reload(_ context.Context, n string) error {
	s.f.op("reload %s", n)
	return nil
}
func (s fakeServices) Enable(_ context.Context, n string) error { s.f.op("enable %s", n); return nil }
func (s fakeServices) Disable(_ context.Context, n string) error {
	s.f.op("disable %s", n)
	return nil
}
func (s fakeServices) Running(_ context.Context, names []string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, n := range names {
		out[n] = s.f.running[n]
	}
	return out, nil
}
