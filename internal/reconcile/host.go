package reconcile

import (
	"context"
	"net"
	"net/netip"
	"os"
	"path/filepath"

	"charm-octavia/internal/octavia"
	"charm-octavia/internal/relations/hacluster"
	"charm-octavia/internal/system"
	"charm-octavia/internal/system/apache"
	"charm-octavia/internal/system/apt"
	"charm-octavia/internal/system/files"
	"charm-octavia/internal/system/service"
	"charm-octavia/internal/system/users"
)

// SystemHost is the real machine: Debian packages, files, accounts, Apache
// and the init system, all under one root directory ("/" on a unit).
type SystemHost struct {
	root     string
	cmd      system.Commander
	packages *apt.Packages
	files    *files.Root
	apache   *apache.Apache
	services service.Services
}

// NewSystemHost returns the machine under root, using systemd when the
// machine booted with it and the SysV init scripts otherwise.
func NewSystemHost(root string) *SystemHost {
	cmd := system.Exec{}
	return &SystemHost{
		root:     root,
		cmd:      cmd,
		packages: apt.New(cmd),
		files:    files.New(root),
		apache:   apache.New(root, cmd),
		services: service.Detect(root, cmd),
	}
}

// CPUs is the number of CPUs the workers are sized for.
func (h *SystemHost) CPUs() int { return system.CPUCount() }

// Series is the distribution codename ("jammy", "bookworm").
func (h *SystemHost) Series() string {
	s, _ := system.Codename(h.root)
	return s
}

// InterfaceAddress is the first global address of a network interface, IPv6
// first as the upstream charm does; "" when it has none or does not exist.
func (h *SystemHost) InterfaceAddress(name string) string {
	ifc, err := net.InterfaceByName(name)
	if err != nil {
		return ""
	}
	addrs, err := ifc.Addrs()
	if err != nil {
		return ""
	}
	var v4 string
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok || !ipn.IP.IsGlobalUnicast() {
			continue
		}
		if ipn.IP.To4() == nil {
			return ipn.IP.String()
		}
		if v4 == "" {
			v4 = ipn.IP.String()
		}
	}
	return v4
}

// Interfaces lists the machine's network interfaces with their addresses
// and prefix lengths, in kernel order (netlink through the standard library:
// no process). An interface whose addresses cannot be read is listed empty.
func (h *SystemHost) Interfaces() []hacluster.Interface {
	ifcs, err := net.Interfaces()
	if err != nil {
		return nil
	}
	out := make([]hacluster.Interface, 0, len(ifcs))
	for _, ifc := range ifcs {
		hi := hacluster.Interface{Name: ifc.Name}
		addrs, _ := ifc.Addrs()
		for _, a := range addrs {
			ipn, ok := a.(*net.IPNet)
			if !ok {
				continue
			}
			ip, ok := netip.AddrFromSlice(ipn.IP)
			if !ok {
				continue
			}
			// IPv4 comes as a 16-byte address with a 4-byte mask.
			bits, _ := ipn.Mask.Size()
			hi.Addrs = append(hi.Addrs, netip.PrefixFrom(ip.Unmap(), bits))
		}
		out = append(out, hi)
	}
	return out
}

// MissingPackages lists the names that are not installed.
func (h *SystemHost) MissingPackages(ctx context.Context, names []string) ([]string, error) {
	return h.packages.Missing(ctx, names)
}

// PackageVersion is the installed version of a package, "" when not installed.
func (h *SystemHost) PackageVersion(ctx context.Context, name string) (string, error) {
	return h.packages.Version(ctx, name)
}

// WriteSource writes (or, for distro, removes) the cloud archive source.
func (h *SystemHost) WriteSource(o apt.Origin) error {
	if o.SourcesLine() == "" {
		_, err := h.files.RemoveFile(apt.CloudArchiveFile)
		return err
	}
	_, err := h.files.WriteFile(o.SourcesFile(), []byte(o.SourcesLine()+"\n"), "root", "root", 0o644)
	return err
}

// UpdatePackages runs apt-get update.
func (h *SystemHost) UpdatePackages(ctx context.Context) error { return h.packages.Update(ctx) }

// InstallPackages installs packages with apt-get.
func (h *SystemHost) InstallPackages(ctx context.Context, names []string) error {
	return h.packages.Install(ctx, names)
}

// EnsureMember adds a user to a group unless it belongs to it already.
func (h *SystemHost) EnsureMember(ctx context.Context, user, group string) (bool, error) {
	return users.New(h.root, h.cmd).EnsureMember(ctx, user, group)
}

// RemoveFile removes a file the charm installed, if it is there.
func (h *SystemHost) RemoveFile(path string) (bool, error) { return h.files.RemoveFile(path) }

// UpgradePackages upgrades installed packages to their candidate versions
// (apt-get install of the same names: what they need comes along, the
// machine's other packages stay as they are).
func (h *SystemHost) UpgradePackages(ctx context.Context, names []string) error {
	return h.packages.Install(ctx, names)
}

// EnsureDir creates or fixes a directory.
func (h *SystemHost) EnsureDir(d octavia.Dir) (bool, error) {
	return h.files.EnsureDir(d.Path, d.Owner, d.Group, d.Mode)
}

// WriteFile writes a file when its content, owner or mode differ.
func (h *SystemHost) WriteFile(f octavia.File) (bool, error) {
	return h.files.WriteFile(f.Path, f.Data, f.Owner, f.Group, f.Mode)
}

// EnableApacheModule enables an Apache module.
func (h *SystemHost) EnableApacheModule(ctx context.Context, name string) (bool, error) {
	return h.apache.EnableModule(ctx, name)
}

// EnableApacheSite enables an Apache site.
func (h *SystemHost) EnableApacheSite(ctx context.Context, name string) (bool, error) {
	return h.apache.EnableSite(ctx, name)
}

// ServiceExists reports whether the init system knows a service.
func (h *SystemHost) ServiceExists(name string) bool {
	for _, p := range []string{"/etc/init.d/" + name, "/lib/systemd/system/" + name + ".service", "/etc/systemd/system/" + name + ".service"} {
		if _, err := os.Stat(filepath.Join(h.root, p)); err == nil {
			return true
		}
	}
	return false
}

// Services is the init system.
func (h *SystemHost) Services() service.Services { return h.services }

// Run runs a command (the schema migration) and returns its standard output.
func (h *SystemHost) Run(ctx context.Context, name string, args ...string) ([]byte, error) {
	return h.cmd.Run(ctx, name, args, nil, nil)
}

// UpdateCATrust rebuilds the system trust store from the CA files under
// /usr/local/share/ca-certificates (Debian's update-ca-certificates).
func (h *SystemHost) UpdateCATrust(ctx context.Context) error {
	_, err := h.cmd.Run(ctx, "update-ca-certificates", []string{"--fresh"}, nil, nil)
	return err
}
