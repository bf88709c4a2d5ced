package apt

import (
	"strings"
	"testing"
)

func TestParseOrigin(t *testing.T) {
	const uca = "deb http://ubuntu-cloud.archive.canonical.com/ubuntu "
	for _, tc := range []struct {
		in, canonical, release, file, line string
		distro, keyring                    bool
	}{
		{in: "distro", canonical: "distro", distro: true},
		{in: " distro\n", canonical: "distro", distro: true},
		{in: "distro-proposed", canonical: "distro-proposed", distro: true, file: ProposedFile},
		{in: "cloud:jammy-zed", canonical: "cloud:jammy-zed", release: "zed", file: CloudArchiveFile, line: uca + "jammy-updates/zed main", keyring: true},
		{in: "cloud:jammy-zed/updates", canonical: "cloud:jammy-zed", release: "zed", file: CloudArchiveFile, line: uca + "jammy-updates/zed main", keyring: true},
		{in: "cloud:jammy-updates/antelope", canonical: "cloud:jammy-antelope", release: "antelope", file: CloudArchiveFile, line: uca + "jammy-updates/antelope main", keyring: true},
		{in: "cloud:jammy-bobcat/proposed", canonical: "cloud:jammy-bobcat/proposed", release: "bobcat", file: CloudArchiveFile, line: uca + "jammy-proposed/bobcat main", keyring: true},
		{in: "cloud:jammy-proposed/caracal", canonical: "cloud:jammy-caracal/proposed", release: "caracal", file: CloudArchiveFile, line: uca + "jammy-proposed/caracal main", keyring: true},
		{in: "cloud:noble-dalmatian", canonical: "cloud:noble-dalmatian", release: "dalmatian", file: CloudArchiveFile, line: uca + "noble-updates/dalmatian main", keyring: true},
		{in: "cloud:noble-gazpacho", canonical: "cloud:noble-gazpacho", release: "gazpacho", file: CloudArchiveFile, line: uca + "noble-updates/gazpacho main", keyring: true},
		{in: "cloud:focal-yoga", canonical: "cloud:focal-yoga", release: "yoga", file: CloudArchiveFile, line: uca + "focal-updates/yoga main", keyring: true},
		{in: "cloud:focal-victoria", canonical: "cloud:focal-victoria", release: "victoria", file: CloudArchiveFile, line: uca + "focal-updates/victoria main", keyring: true},
		// A series' own release is the distribution's archive.
		{in: "cloud:focal-ussuri", canonical: "distro", release: "ussuri", distro: true},
		{in: "cloud:jammy-yoga", canonical: "distro", release: "yoga", distro: true},
		{in: "cloud:noble-caracal", canonical: "distro", release: "caracal", distro: true},
	} {
		o, err := ParseOrigin(tc.in)
		if err != nil {
			t.Errorf("ParseOrigin(%q): %v", tc.in, err)
			continue
		}
		if o.String() != tc.canonical || o.Release() != tc.release || o.IsDistro() != tc.distro ||
			o.NeedsKeyring() != tc.keyring || o.SourcesFile() != tc.file || o.SourcesLine() != tc.line {
			t.Errorf("ParseOrigin(%q) = %s release %q distro %v keyring %v file %q line %q;\nwant %s release %q distro %v keyring %v file %q line %q",
				tc.in, o, o.Release(), o.IsDistro(), o.NeedsKeyring(), o.SourcesFile(), o.SourcesLine(),
				tc.canonical, tc.release, tc.distro, tc.keyring, tc.file, tc.line)
		}
	}
}

func TestParseOriginInvalid(t *testing.T) {
	huge := "cloud:jammy-" + strings.Repeat("z", 10000)
	for _, tc := range []struct{ in, want string }{
		{"", "empty"},
		{"   ", "empty"},
		{"cloud:jammy-dalmatian", `release "dalmatian" is not in the Ubuntu Cloud Archive for jammy (available: zed, antelope, bobcat, caracal)`},
		{"cloud:noble-zed", `release "zed" is not in the Ubuntu Cloud Archive for noble`},
		{"cloud:focal-zed", "not in the Ubuntu Cloud Archive for focal"},
		{"cloud:bionic-rocky", `unknown series "bionic"`},
		{"cloud:bookworm-zed", `unknown series "bookworm"`},
		{"cloud:jammy-zed/staging", `unknown pocket "staging"`},
		{"cloud:jammy-zed/", `unknown pocket ""`},
		{"cloud:jammy-updates/", "want cloud:<series>-<release>"},
		{"cloud:jammy-updates/zed/x", "want cloud:<series>-<release>"},
		{"cloud:jammy", "want cloud:<series>-<release>"},
		{"cloud:zed", "want cloud:<series>-<release>"},
		{"cloud:", "want cloud:<series>-<release>"},
		{"cloud:jammy-Zed", "not in the Ubuntu Cloud Archive"},
		{"cloud:jammy-yoga/proposed", "use distro-proposed"},
		{"ppa:openstack/octavia", "PPAs and custom archives are not supported"},
		{"deb http://example.com/ubuntu jammy main", "PPAs and custom archives are not supported"},
		{"cloud-archive:zed", "not supported"},
		{"Distro", "unknown package source"},
		{"proposed", "unknown package source"},
		{"zed", "unknown package source"},
		{"\x00garbage\n\tmore", "unknown package source"},
		{huge, "not in the Ubuntu Cloud Archive"},
	} {
		o, err := ParseOrigin(tc.in)
		if err == nil {
			t.Errorf("ParseOrigin(%q) = %s, want an error", tc.in, o)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseOrigin(%q) error %q does not contain %q", tc.in, err, tc.want)
		}
		if len(err.Error()) > 300 {
			t.Errorf("ParseOrigin(%.20q...) error is %d bytes long", tc.in, len(err.Error()))
		}
	}
}

func TestOriginForSeries(t *testing.T) {
	mustParse := func(s string) Origin {
		o, err := ParseOrigin(s)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	if _, err := mustParse("cloud:jammy-zed").ForSeries("jammy"); err != nil {
		t.Errorf("cloud:jammy-zed on jammy: %v", err)
	}
	if _, err := mustParse("cloud:jammy-zed").ForSeries("noble"); err == nil || !strings.Contains(err.Error(), "is for jammy, but this unit runs \"noble\"") {
		t.Errorf("cloud:jammy-zed on noble: error = %v", err)
	}
	if o, err := mustParse("distro").ForSeries("bookworm"); err != nil || o.SourcesLine() != "" {
		t.Errorf("distro on bookworm = %q, %v", o.SourcesLine(), err)
	}
	o, err := mustParse("distro-proposed").ForSeries("noble")
	if err != nil || !strings.Contains(o.SourcesLine(), " noble-proposed main universe multiverse restricted") ||
		!strings.HasPrefix(o.SourcesLine(), "deb http://") || o.Series() != "noble" {
		t.Errorf("distro-proposed on noble: line %q, %v", o.SourcesLine(), err)
	}
	if _, err := mustParse("distro-proposed").ForSeries("bookworm"); err == nil {
		t.Error("distro-proposed on bookworm: want an error")
	}
}

func TestReleaseOf(t *testing.T) {
	for v, want := range map[string]string{
		"1:11.0.0-3":                   "zed",
		"11.0.0-0ubuntu1~cloud0":       "zed",
		"12.0.0-0ubuntu1~cloud0":       "antelope",
		"1:13.0.0-0ubuntu1":            "bobcat",
		"14.0.0-0ubuntu1":              "caracal",
		"15.0.0-0ubuntu1~cloud0":       "dalmatian",
		"16.0.1-0ubuntu1":              "epoxy",
		"17.0.0~rc1-0ubuntu1":          "flamingo",
		"18.0.0+git2026010112.abc-0u1": "gazpacho",
		"10.0.0-0ubuntu1":              "yoga",
		"6.2.0-0ubuntu1":               "ussuri",
		"5.0.0-1":                      "",
		"19.0.0-1":                     "",
		"":                             "",
		"garbage":                      "",
		"1:":                           "",
	} {
		if got := ReleaseOf(v); got != want {
			t.Errorf("ReleaseOf(%q) = %q, want %q", v, got, want)
		}
	}
	if ReleaseNumber("zed") != 11 || ReleaseNumber("gazpacho") <= ReleaseNumber("flamingo") || ReleaseNumber("nope") != 0 {
		t.Error("ReleaseNumber does not order releases")
	}
}

func TestUpstreamVersion(t *testing.T) {
	for v, want := range map[string]string{
		"1:11.0.0-3":             "11.0.0",
		"11.0.0-0ubuntu1~cloud0": "11.0.0",
		"2:1.2-3-4":              "1.2-3",
		"11.0.0":                 "11.0.0",
		"":                       "",
	} {
		if got := UpstreamVersion(v); got != want {
			t.Errorf("UpstreamVersion(%q) = %q, want %q", v, got, want)
		}
	}
}
