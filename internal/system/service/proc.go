package service

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// ProcessName returns the program name that shows a SysV service is
// running. It is the service name itself, which holds for everything the
// charm manages (octavia-worker, octavia-health-manager,
// octavia-housekeeping, apache2, haproxy, memcached), except for these
// services of the test bed:
//
//	mariadb          mariadbd
//	rabbitmq-server  beam.smp
//
// A process matches a program name when the base name of its argv[0] is
// that name or, for a script run by an interpreter (python*, perl, sh,
// bash, dash), when the base name of the script (its first argument that is
// not an option) is.
func ProcessName(service string) string {
	switch service {
	case "mariadb":
		return "mariadbd"
	case "rabbitmq-server":
		return "beam.smp"
	}
	return service
}

// cmdlineBytes is how much of /proc/PID/cmdline scanProc reads: enough for
// argv[0] and argv[1], which are all it looks at.
const cmdlineBytes = 1024

// scanProc reads procDir (a /proc) once and returns which of the program
// names in want have a process that is not a zombie. It stops as soon as
// every name is found. Processes that exit during the scan are skipped.
func scanProc(procDir string, want map[string]bool) (map[string]bool, error) {
	dir, err := os.Open(procDir)
	if err != nil {
		return nil, fmt.Errorf("read processes: %w", err)
	}
	pids, err := dir.Readdirnames(-1)
	dir.Close()
	if err != nil {
		return nil, fmt.Errorf("read processes: %w", err)
	}
	found := make(map[string]bool, len(want))
	buf := make([]byte, cmdlineBytes)
	for _, pid := range pids {
		if !isPID(pid) {
			continue
		}
		prog := programName(readPrefix(filepath.Join(procDir, pid, "cmdline"), buf))
		if len(prog) == 0 || !want[string(prog)] || found[string(prog)] {
			continue
		}
		name := string(prog) // copied before alive reuses buf
		if alive(filepath.Join(procDir, pid, "stat"), buf) {
			found[name] = true
			if len(found) == len(want) {
				break
			}
		}
	}
	return found, nil
}

// isPID reports whether a /proc entry is a process directory.
func isPID(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// readPrefix reads up to len(buf) bytes of a file into buf, returning nil
// if it cannot (the process has gone). It uses the system calls directly:
// os.Open's bookkeeping (poller registration, finalizer) doubles the cost of
// a scan.
func readPrefix(path string, buf []byte) []byte {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil
	}
	defer syscall.Close(fd)
	n, err := syscall.Read(fd, buf)
	if err != nil || n < 0 {
		return nil
	}
	return buf[:n]
}

// programName returns the program a command line (NUL-separated argv)
// runs: the base name of argv[0], or of the script for an interpreter. It
// returns nil for a kernel thread or a zombie, whose command line is empty.
//
// A daemon that rewrites its process title (oslo.service's setproctitle
// gives "octavia-worker: master process [/usr/bin/octavia-worker ...]")
// leaves one string with spaces in argv[0]: its program is the first word,
// up to a colon.
func programName(cmdline []byte) []byte {
	arg0, rest, _ := bytes.Cut(cmdline, []byte{0})
	if i := bytes.IndexAny(arg0, " :"); i > 0 {
		arg0 = arg0[:i]
	}
	if len(arg0) == 0 {
		return nil
	}
	name := base(arg0)
	if !isInterpreter(string(name)) {
		return name
	}
	for len(rest) > 0 {
		var arg []byte
		arg, rest, _ = bytes.Cut(rest, []byte{0})
		if len(arg) > 0 && arg[0] != '-' {
			return base(arg)
		}
	}
	return name
}

// base returns the last element of a slash-separated path.
func base(path []byte) []byte {
	if i := bytes.LastIndexByte(path, '/'); i >= 0 {
		return path[i+1:]
	}
	return path
}

// isInterpreter reports whether a program runs a script named by its first
// non-option argument.
func isInterpreter(name string) bool {
	switch name {
	case "perl", "sh", "bash", "dash":
		return true
	}
	return strings.HasPrefix(name, "python")
}

// alive reports whether the process whose /proc/PID/stat is at path still
// exists and is not a zombie (state Z) or dead (state X). The state is the
// first field after the command name, which is in parentheses and may
// itself contain spaces and parentheses.
func alive(path string, buf []byte) bool {
	stat := readPrefix(path, buf)
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 || i+2 >= len(stat) {
		return false
	}
	state := stat[i+2]
	return state != 'Z' && state != 'X' && state != 'x'
}
