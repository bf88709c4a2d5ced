package apt

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
)

// KeyringPackage is the package holding the Ubuntu Cloud Archive signing
// key, needed before a cloud archive source can be used.
const KeyringPackage = "ubuntu-cloud-keyring"

// Where the package sources of an Origin are written.
const (
	// CloudArchiveFile holds the Ubuntu Cloud Archive source line.
	CloudArchiveFile = "/etc/apt/sources.list.d/cloud-archive.list"
	// ProposedFile holds the distribution's proposed pocket source line.
	ProposedFile = "/etc/apt/sources.list.d/proposed.list"
)

// cloudArchiveURL is the Ubuntu Cloud Archive, the same for every
// architecture.
const cloudArchiveURL = "http://ubuntu-cloud.archive.canonical.com/ubuntu"

// originKind tells the three forms of openstack-origin apart.
type originKind int

const (
	distro originKind = iota
	distroProposed
	cloud
)

// Origin is a parsed openstack-origin: where OpenStack packages come from.
// The zero Origin is "distro".
type Origin struct {
	kind originKind
	// series is the series a cloud: origin names; for distro-proposed, the
	// host series given to ForSeries.
	series string
	// release is the OpenStack codename a cloud: origin names.
	release string
	// pocket is "updates" or "proposed" for a cloud archive origin.
	pocket string
}

// ParseOrigin parses an openstack-origin value. Accepted forms:
//
//	distro                            the distribution's own packages
//	distro-proposed                   plus its proposed pocket (Ubuntu only)
//	cloud:<series>-<release>          Ubuntu Cloud Archive, updates pocket
//	cloud:<series>-<release>/updates  the same
//	cloud:<series>-updates/<release>  the same
//	cloud:<series>-<release>/proposed Ubuntu Cloud Archive, proposed pocket
//	cloud:<series>-proposed/<release> the same
//
// where the series and release are a pair from the table in cloudArchive;
// cloud:<series>-<its own release> (cloud:jammy-yoga) means distro. PPAs,
// "deb ..." lines and the staging pocket are not supported: an arbitrary
// source is better added by the operator than by a charm option. The error
// for a rejected value says what is wrong without repeating a long input.
func ParseOrigin(s string) (Origin, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return Origin{}, fmt.Errorf("empty package source: use distro or cloud:<series>-<release>")
	case s == "distro":
		return Origin{kind: distro}, nil
	case s == "distro-proposed":
		return Origin{kind: distroProposed}, nil
	case strings.HasPrefix(s, "cloud:"):
		o, err := parseCloud(strings.TrimPrefix(s, "cloud:"))
		if err != nil {
			return Origin{}, fmt.Errorf("package source %s: %w", quote(s), err)
		}
		return o, nil
	case strings.HasPrefix(s, "ppa:"), strings.HasPrefix(s, "deb "),
		strings.HasPrefix(s, "http:"), strings.HasPrefix(s, "https:"),
		strings.HasPrefix(s, "cloud-archive:"):
		return Origin{}, fmt.Errorf("package source %s: PPAs and custom archives are not supported; use distro, distro-proposed or cloud:<series>-<release>", quote(s))
	}
	return Origin{}, fmt.Errorf("unknown package source %s: use distro, distro-proposed or cloud:<series>-<release>[/updates|/proposed]", quote(s))
}

// parseCloud parses what follows "cloud:".
func parseCloud(spec string) (Origin, error) {
	head, tail, slash := strings.Cut(spec, "/")
	series, rest, ok := strings.Cut(head, "-")
	if !ok || series == "" || rest == "" {
		return Origin{}, fmt.Errorf("want cloud:<series>-<release>")
	}
	release, pocket := rest, "updates"
	switch {
	case slash && (rest == "updates" || rest == "proposed"):
		release, pocket = tail, rest
	case slash:
		pocket = tail
		if pocket != "updates" && pocket != "proposed" {
			return Origin{}, fmt.Errorf("unknown pocket %s: want updates or proposed", quote(pocket))
		}
	}
	if release == "" || strings.Contains(release, "/") {
		return Origin{}, fmt.Errorf("want cloud:<series>-<release>")
	}
	distroRelease, releases, ok := cloudArchive(series)
	if !ok {
		return Origin{}, fmt.Errorf("unknown series %s: supported are %s", quote(series), supportedSeries)
	}
	if release == distroRelease {
		if pocket == "proposed" {
			return Origin{}, fmt.Errorf("%s is %s's own release: use distro-proposed", release, series)
		}
		return Origin{kind: distro, release: release}, nil
	}
	if !slices.Contains(releases, release) {
		return Origin{}, fmt.Errorf("release %s is not in the Ubuntu Cloud Archive for %s (available: %s)",
			quote(release), series, strings.Join(releases, ", "))
	}
	return Origin{kind: cloud, series: series, release: release, pocket: pocket}, nil
}

// quote quotes s for an error message, shortened if it is long.
func quote(s string) string {
	const max = 48
	if len(s) > max {
		return fmt.Sprintf("%q...", s[:max])
	}
	return fmt.Sprintf("%q", s)
}

// ForSeries checks the origin against the series the unit runs (from
// system.Codename) and returns it bound to that series: a cloud archive
// origin must name the host's series, and distro-proposed, whose source
// line names the host series, needs an Ubuntu series. distro fits any
// series, Debian's included.
func (o Origin) ForSeries(series string) (Origin, error) {
	switch o.kind {
	case cloud:
		if o.series != series {
			return Origin{}, fmt.Errorf("package source %s is for %s, but this unit runs %s", o, o.series, quote(series))
		}
	case distroProposed:
		if _, _, ok := cloudArchive(series); !ok {
			return Origin{}, fmt.Errorf("package source distro-proposed needs Ubuntu (%s), but this unit runs %s", supportedSeries, quote(series))
		}
		o.series = series
	}
	return o, nil
}

// String returns the origin in its canonical openstack-origin form.
func (o Origin) String() string {
	switch {
	case o.kind == distroProposed:
		return "distro-proposed"
	case o.kind == cloud && o.pocket == "proposed":
		return "cloud:" + o.series + "-" + o.release + "/proposed"
	case o.kind == cloud:
		return "cloud:" + o.series + "-" + o.release
	}
	return "distro"
}

// Release returns the OpenStack release codename the origin names, or ""
// for distro and distro-proposed, whose release depends on the series.
func (o Origin) Release() string { return o.release }

// Series returns the series a cloud archive origin names, the series given
// to ForSeries for distro-proposed, or "".
func (o Origin) Series() string { return o.series }

// IsDistro reports whether packages come from the distribution's own
// archive (distro, distro-proposed) rather than the Ubuntu Cloud Archive.
func (o Origin) IsDistro() bool { return o.kind != cloud }

// NeedsKeyring reports whether the origin needs KeyringPackage installed
// before its source can be used.
func (o Origin) NeedsKeyring() bool { return o.kind == cloud }

// SourcesFile returns the file SourcesLine belongs in, or "" when the origin
// needs no source beyond the distribution's (distro).
func (o Origin) SourcesFile() string {
	switch o.kind {
	case cloud:
		return CloudArchiveFile
	case distroProposed:
		return ProposedFile
	}
	return ""
}

// SourcesLine returns the APT source line for the origin, for example
//
//	deb http://ubuntu-cloud.archive.canonical.com/ubuntu jammy-updates/zed main
//
// or "" for distro, and for distro-proposed until ForSeries gave it the host
// series.
func (o Origin) SourcesLine() string {
	switch {
	case o.kind == cloud:
		return "deb " + cloudArchiveURL + " " + o.series + "-" + o.pocket + "/" + o.release + " main"
	case o.kind == distroProposed && o.series != "":
		return "deb " + ubuntuArchive() + " " + o.series + "-proposed main universe multiverse restricted"
	}
	return ""
}

// ubuntuArchive returns the Ubuntu archive for the architecture the charm
// was built for (and so runs on): the main archive for x86, ports
// otherwise.
func ubuntuArchive() string {
	if runtime.GOARCH == "amd64" || runtime.GOARCH == "386" {
		return "http://archive.ubuntu.com/ubuntu"
	}
	return "http://ports.ubuntu.com/ubuntu-ports"
}
