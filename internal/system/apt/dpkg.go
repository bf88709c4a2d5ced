package apt

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"strings"

	"charm-octavia/internal/system"
)

// queryFormat is the dpkg-query output format: one line per known package
// with its name, status abbreviation (want, status, error flag) and version.
// dpkg-query expands the \t and \n escapes itself.
const queryFormat = `${Package}\t${db:Status-Abbrev}\t${Version}\n`

// pkgState is one package as dpkg-query reports it.
type pkgState struct {
	installed bool
	version   string
}

// Missing returns the packages among names that are not installed, in the
// order given, with a single dpkg-query call. A package counts as installed
// when dpkg wants it installed or held and has it fully installed with no
// error flag ("ii " or "hi "); a package dpkg has never heard of, one
// removed with its configuration files kept ("rc"), or one half-installed
// is missing.
func (p *Packages) Missing(ctx context.Context, names []string) ([]string, error) {
	states, err := p.query(ctx, names)
	if err != nil {
		return nil, fmt.Errorf("check installed packages: %w", err)
	}
	var missing []string
	for _, n := range names {
		if !states[baseName(n)].installed {
			missing = append(missing, n)
		}
	}
	return missing, nil
}

// Version returns the installed version of the package name (for example
// "1:11.0.0-3"), or "" when it is not installed.
func (p *Packages) Version(ctx context.Context, name string) (string, error) {
	states, err := p.query(ctx, []string{name})
	if err != nil {
		return "", fmt.Errorf("check version of %s: %w", name, err)
	}
	st := states[baseName(name)]
	if !st.installed {
		return "", nil
	}
	return st.version, nil
}

// query runs dpkg-query once for names. dpkg-query exits with status 1 when
// some names are unknown to dpkg but still prints the others: that is not an
// error.
func (p *Packages) query(ctx context.Context, names []string) (map[string]pkgState, error) {
	if len(names) == 0 {
		return nil, nil
	}
	if err := checkNames(names); err != nil {
		return nil, err
	}
	args := append([]string{"-W", "-f=" + queryFormat}, names...)
	out, err := p.cmd.Run(ctx, "dpkg-query", args, nil, nil)
	if err != nil && !(system.ExitCode(err) == 1 && onlyUnknown(system.Stderr(err))) {
		return nil, err
	}
	return parseQuery(out)
}

// onlyUnknown reports whether every line of dpkg-query's standard error says
// that a name matched no package.
func onlyUnknown(stderr string) bool {
	if stderr == "" {
		return false
	}
	for _, line := range strings.Split(stderr, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.Contains(line, "no packages found matching") {
			return false
		}
	}
	return true
}

// parseQuery parses dpkg-query output in queryFormat. A package listed for
// several architectures is installed if any of them is.
func parseQuery(out []byte) (map[string]pkgState, error) {
	states := map[string]pkgState{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		fields := strings.Split(line, "\t")
		if len(fields) != 3 {
			return nil, fmt.Errorf("unexpected dpkg-query output line %q", truncate(line, 120))
		}
		name, status, version := fields[0], fields[1], fields[2]
		installed := len(status) == 3 && (status[0] == 'i' || status[0] == 'h') &&
			status[1] == 'i' && status[2] == ' '
		if prev, ok := states[name]; ok && prev.installed {
			continue
		}
		states[name] = pkgState{installed: installed, version: version}
	}
	return states, sc.Err()
}

// baseName strips an architecture qualifier: dpkg-query prints ${Package}
// without it.
func baseName(name string) string {
	n, _, _ := strings.Cut(name, ":")
	return n
}

// truncate shortens s to at most n bytes for an error message.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
