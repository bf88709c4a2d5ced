package system

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// Hostname returns the host's name as the kernel reports it.
func Hostname() (string, error) {
	name, err := os.Hostname()
	if err != nil {
		return "", fmt.Errorf("hostname: %w", err)
	}
	return name, nil
}

// CPUCount returns the number of CPUs the charm's process may run on
// (runtime.NumCPU: the scheduler affinity mask). It does not look at cgroup
// CPU quotas: a LXD container limited with limits.cpu gets a reduced
// affinity mask and is counted correctly, while a quota expressed as CPU
// time (limits.cpu.allowance) is not. Worker counts derived from it are
// what the upstream charm computes from the same figure.
func CPUCount() int {
	return runtime.NumCPU()
}

// Codename returns the distribution codename (VERSION_CODENAME in
// <root>/etc/os-release, for example "jammy", "noble" or "bookworm"), which
// apt.Origin.ForSeries needs.
func Codename(root string) (string, error) {
	path := filepath.Join(root, "etc/os-release")
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read distribution codename: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		key, value, ok := strings.Cut(strings.TrimSpace(sc.Text()), "=")
		if !ok || key != "VERSION_CODENAME" {
			continue
		}
		value = strings.Trim(value, `"'`)
		if value != "" {
			return value, nil
		}
	}
	return "", fmt.Errorf("read distribution codename: no VERSION_CODENAME in %s", path)
}
