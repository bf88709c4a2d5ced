package apt

import (
	"strconv"
	"strings"
)

// cloudArchive is the table of OpenStack releases a series can get, the one
// place it is written down:
//
//	series  distribution's own release   Ubuntu Cloud Archive pockets
//	focal   ussuri                       victoria wallaby xena yoga
//	jammy   yoga                         zed antelope bobcat caracal
//	noble   caracal                      dalmatian epoxy flamingo gazpacho
//
// It reports the series' own release, the cloud archive releases oldest
// first, and whether the series is known at all.
func cloudArchive(series string) (distro string, cloud []string, ok bool) {
	switch series {
	case "focal":
		return "ussuri", []string{"victoria", "wallaby", "xena", "yoga"}, true
	case "jammy":
		return "yoga", []string{"zed", "antelope", "bobcat", "caracal"}, true
	case "noble":
		return "caracal", []string{"dalmatian", "epoxy", "flamingo", "gazpacho"}, true
	}
	return "", nil, false
}

// supportedSeries lists the series cloudArchive knows, for error messages.
const supportedSeries = "focal, jammy, noble"

// ReleaseNumber returns Octavia's upstream major version in the OpenStack
// release codename (6 for ussuri ... 11 for zed ... 18 for gazpacho), or 0
// for a codename it does not know. A larger number is a newer release, so it
// also orders releases.
func ReleaseNumber(codename string) int {
	switch codename {
	case "ussuri":
		return 6
	case "victoria":
		return 7
	case "wallaby":
		return 8
	case "xena":
		return 9
	case "yoga":
		return 10
	case "zed":
		return 11
	case "antelope":
		return 12
	case "bobcat":
		return 13
	case "caracal":
		return 14
	case "dalmatian":
		return 15
	case "epoxy":
		return 16
	case "flamingo":
		return 17
	case "gazpacho":
		return 18
	}
	return 0
}

// ReleaseOf returns the OpenStack release codename of an Octavia package
// version, Debian ("1:11.0.0-3") or Ubuntu ("11.0.0-0ubuntu1~cloud0") alike,
// from Octavia's upstream major version: 11 zed, 12 antelope, 13 bobcat,
// 14 caracal, 15 dalmatian, 16 epoxy, 17 flamingo, 18 gazpacho (and 6-10
// ussuri to yoga). It returns "" for a version it cannot place.
func ReleaseOf(octaviaVersion string) string {
	up := UpstreamVersion(octaviaVersion)
	end := 0
	for end < len(up) && up[end] >= '0' && up[end] <= '9' {
		end++
	}
	major, err := strconv.Atoi(up[:end])
	if err != nil {
		return ""
	}
	for _, name := range []string{
		"ussuri", "victoria", "wallaby", "xena", "yoga", "zed", "antelope",
		"bobcat", "caracal", "dalmatian", "epoxy", "flamingo", "gazpacho",
	} {
		if ReleaseNumber(name) == major {
			return name
		}
	}
	return ""
}

// UpstreamVersion returns the upstream part of a Debian package version:
// without the epoch ("1:") and the Debian revision (from the last "-"), so
// "1:11.0.0-3" and "11.0.0-0ubuntu1~cloud0" both give "11.0.0".
func UpstreamVersion(debVersion string) string {
	v := strings.TrimSpace(debVersion)
	if epoch, rest, ok := strings.Cut(v, ":"); ok {
		if _, err := strconv.Atoi(epoch); err == nil {
			v = rest
		}
	}
	if i := strings.LastIndexByte(v, '-'); i >= 0 {
		v = v[:i]
	}
	return v
}
