package policyd

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

type entry struct {
	name string
	data string
}

// zipOf builds a ZIP holding entries in order; a name ending in "/" is a
// directory entry.
func zipOf(t *testing.T, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, e := range entries {
		f, err := w.Create(e.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write([]byte(e.data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const providerRule = "os_load-balancer_api:provider:get_all: '!'\n"

func TestLoadValid(t *testing.T) {
	z := zipOf(t,
		entry{"overrides/", ""},
		entry{"overrides/lb.yaml", "os_load-balancer_api:loadbalancer:get_all: rule:load-balancer:read\n" + providerRule},
		entry{"README.md", "ignored: [not, yaml, rules]"},
		entry{"Quota.YML", "# comment\nos_load-balancer_api:quota:get_all: \"rule:load-balancer:global_observer\"\n"},
		entry{"plain.j2", "context_is_admin: role:admin\n"},
		entry{".hidden.yaml", "a: b\n"},
		entry{".yaml", "this has no extension, as in Python"},
		entry{"__MACOSX/overrides/._lb.yaml", "\x00\x05\x16\x07 AppleDouble"},
	)
	o, err := Load(z)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got, want := strings.Join(o.Names(), ","), ".hidden,Quota,lb,plain"; got != want {
		t.Errorf("Names = %s, want %s", got, want)
	}
	files := o.Files(Dir)
	want := map[string]string{
		"/etc/octavia/policy.d/.hidden.yaml": "a: b\n",
		"/etc/octavia/policy.d/Quota.yaml":   "os_load-balancer_api:quota:get_all: rule:load-balancer:global_observer\n",
		"/etc/octavia/policy.d/lb.yaml": "os_load-balancer_api:loadbalancer:get_all: rule:load-balancer:read\n" +
			providerRule,
		"/etc/octavia/policy.d/plain.yaml": "context_is_admin: role:admin\n",
	}
	if len(files) != len(want) {
		t.Fatalf("Files = %d files, want %d", len(files), len(want))
	}
	for i, f := range files {
		if i > 0 && files[i-1].Path >= f.Path {
			t.Errorf("Files not sorted: %s before %s", files[i-1].Path, f.Path)
		}
		if w, ok := want[f.Path]; !ok || string(f.Data) != w {
			t.Errorf("%s = %q, want %q (present %v)", f.Path, f.Data, w, ok)
		}
	}
}

func TestLoadRewritesSortedAndReadableAsYAML11(t *testing.T) {
	src := "z: 'yes'\na: \"!\"\nm: ''\nanchor: &x rule:admin\nalias: *x\nlong: " + strings.Repeat("role:a or ", 30) + "role:b\n"
	o, err := Load(zipOf(t, entry{"p.yaml", src}))
	if err != nil {
		t.Fatal(err)
	}
	data := o.Files("/d")[0].Data
	var back map[string]string
	if err := yaml.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if back["z"] != "yes" || back["a"] != "!" || back["m"] != "" || back["alias"] != "rule:admin" {
		t.Errorf("round trip = %v", back)
	}
	// 'yes' must stay quoted so that PyYAML (YAML 1.1) reads a string.
	if !strings.Contains(string(data), `z: "yes"`) {
		t.Errorf("yes not quoted in output:\n%s", data)
	}
	keys := []string{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		keys = append(keys, line[:strings.Index(line, ":")])
	}
	if got := strings.Join(keys, ","); got != "a,alias,anchor,long,m,z" {
		t.Errorf("keys in order %s", got)
	}
}

func TestHashDeterministic(t *testing.T) {
	a, err := Load(zipOf(t, entry{"b.yaml", "y: b\nx: a\n"}, entry{"a.yaml", "k: v\n"}))
	if err != nil {
		t.Fatal(err)
	}
	// Same rules, other key order, other entry order, other extension.
	b, err := Load(zipOf(t, entry{"d/a.yml", "k: 'v'\n"}, entry{"b.YAML", "x: a\ny: b\n"}))
	if err != nil {
		t.Fatal(err)
	}
	if a.Hash() != b.Hash() {
		t.Errorf("equal rules, different hashes")
	}
	c, err := Load(zipOf(t, entry{"b.yaml", "y: b\nx: a\n"}, entry{"a.yaml", "k: w\n"}))
	if err != nil {
		t.Fatal(err)
	}
	if a.Hash() == c.Hash() {
		t.Errorf("different rules, same hash")
	}
	if (Overrides{}).Hash() == a.Hash() || len((Overrides{}).Files(Dir)) != 0 {
		t.Errorf("zero Overrides")
	}
	// Files returns copies.
	a.Files(Dir)[0].Data[0] = 'X'
	if a.Files(Dir)[0].Data[0] == 'X' {
		t.Errorf("Files shares its bytes")
	}
}

func TestLoadRefuses(t *testing.T) {
	tests := []struct {
		name    string
		zip     func(t *testing.T) []byte
		wantErr string
	}{
		{"not a zip", func(*testing.T) []byte { return []byte("os_policy: rule:admin\n") }, "not a valid ZIP file"},
		{"empty resource", func(*testing.T) []byte { return nil }, "resource is empty"},
		{"empty zip", func(t *testing.T) []byte { return zipOf(t) }, "ZIP has no policy files (.yaml, .yml, .j2, .tmpl, .tpl)"},
		{"no policy file", func(t *testing.T) []byte {
			return zipOf(t, entry{"rules.json", "{}"}, entry{"dir/", ""})
		}, "ZIP has no policy files"},
		{"bad YAML", func(t *testing.T) []byte {
			return zipOf(t, entry{"ok.yaml", "a: b\n"}, entry{"bad.yaml", "a: b\n  c: [d\n"})
		}, `"bad.yaml": invalid YAML: line `},
		{"empty file", func(t *testing.T) []byte { return zipOf(t, entry{"e.yaml", ""}) }, `"e.yaml": empty, not a mapping`},
		{"comment only", func(t *testing.T) []byte { return zipOf(t, entry{"e.yaml", "# nothing\n"}) }, `"e.yaml": empty, not a mapping`},
		{"list", func(t *testing.T) []byte { return zipOf(t, entry{"l.yaml", "- a\n- b\n"}) }, `"l.yaml": not a mapping of policy rules`},
		{"scalar", func(t *testing.T) []byte { return zipOf(t, entry{"s.yml", "rule:admin\n"}) }, `"s.yml": not a mapping`},
		{"null document", func(t *testing.T) []byte { return zipOf(t, entry{"n.yaml", "~\n"}) }, `"n.yaml": not a mapping`},
		{"two documents", func(t *testing.T) []byte {
			return zipOf(t, entry{"t.yaml", "a: b\n---\nc: d\n"})
		}, `"t.yaml": has more than one YAML document`},
		{"int value", func(t *testing.T) []byte { return zipOf(t, entry{"v.yaml", "a: b\nrule: 3\n"}) }, `"v.yaml": value of "rule" is not a string`},
		{"bool value", func(t *testing.T) []byte { return zipOf(t, entry{"v.yaml", "rule: true\n"}) }, `value of "rule" is not a string`},
		{"YAML 1.1 bool value", func(t *testing.T) []byte { return zipOf(t, entry{"v.yaml", "rule: yes\n"}) }, `value of "rule" is not a string`},
		{"null value", func(t *testing.T) []byte { return zipOf(t, entry{"v.yaml", "rule:\n"}) }, `value of "rule" is not a string`},
		{"list value", func(t *testing.T) []byte { return zipOf(t, entry{"v.yaml", "rule: [a, b]\n"}) }, `value of "rule" is not a string`},
		{"mapping value", func(t *testing.T) []byte { return zipOf(t, entry{"v.yaml", "rule: {a: b}\n"}) }, `value of "rule" is not a string`},
		{"int key", func(t *testing.T) []byte { return zipOf(t, entry{"k.yaml", "a: b\n42: rule:admin\n"}) }, `"k.yaml": line 2: key "42" is not a string`},
		{"sequence key", func(t *testing.T) []byte { return zipOf(t, entry{"k.yaml", "? [a]\n: b\n"}) }, `key (a sequence) is not a string`},
		{"merge key", func(t *testing.T) []byte {
			return zipOf(t, entry{"m.yaml", "base: &b {x: y}\n<<: *b\n"})
		}, `"m.yaml": value of "base" is not a string`},
		{"merge key only", func(t *testing.T) []byte {
			return zipOf(t, entry{"m.yaml", "<<: {x: y}\n"})
		}, `"m.yaml": merge keys (<<) are not supported`},
		{"duplicate key", func(t *testing.T) []byte { return zipOf(t, entry{"d.yaml", "a: b\na: c\n"}) }, `"d.yaml": key "a" appears twice`},
		{"admin_required", func(t *testing.T) []byte {
			return zipOf(t, entry{"a.yaml", "x: y\nadmin_required: '@'\n"})
		}, `"a.yaml": key "admin_required" may not be overridden`},
		{"cloud_admin", func(t *testing.T) []byte {
			return zipOf(t, entry{"sub/c.yaml", "cloud_admin: '@'\n"})
		}, `"sub/c.yaml": key "cloud_admin" may not be overridden`},
		{"custom tag", func(t *testing.T) []byte { return zipOf(t, entry{"g.yaml", "a: !secret b\n"}) }, `value of "a" is not a string`},
		{"template syntax", func(t *testing.T) []byte {
			return zipOf(t, entry{"t.j2", "a: \"{{ admin_rule }}\"\n"})
		}, `"t.j2": uses template syntax, which this charm does not render`},
		{"template statement", func(t *testing.T) []byte {
			return zipOf(t, entry{"t.TPL", "{% if x %}a: b{% endif %}\n"})
		}, `"t.TPL": uses template syntax`},
		{"duplicate after flattening", func(t *testing.T) []byte {
			return zipOf(t, entry{"one/x.yaml", "a: b\n"}, entry{"two/x.yaml", "c: d\n"})
		}, `"one/x.yaml" and "two/x.yaml" both install "x.yaml"`},
		{"duplicate across extensions", func(t *testing.T) []byte {
			return zipOf(t, entry{"x.yaml", "a: b\n"}, entry{"x.tmpl", "c: d\n"})
		}, `"x.yaml" and "x.tmpl" both install "x.yaml"`},
		{"duplicate entry", func(t *testing.T) []byte {
			return zipOf(t, entry{"x.yaml", "a: b\n"}, entry{"x.yaml", "a: b\n"})
		}, `"x.yaml" and "x.yaml" both install`},
		{"backslash directories", func(t *testing.T) []byte {
			return zipOf(t, entry{`win\x.yaml`, "a: b\n"}, entry{"x.yml", "c: d\n"})
		}, `both install "x.yaml"`},
		{"too many files", func(t *testing.T) []byte {
			var es []entry
			for i := 0; i <= MaxFiles; i++ {
				es = append(es, entry{strings.Repeat("f", i+1) + ".yaml", "a: b\n"})
			}
			return zipOf(t, es...)
		}, "ZIP has 101 policy files, at most 100 allowed"},
		{"too many entries", func(t *testing.T) []byte {
			var es []entry
			for i := 0; i <= MaxEntries; i++ {
				es = append(es, entry{"d/", ""})
			}
			return zipOf(t, es...)
		}, "ZIP has 1001 entries, at most 1000 allowed"},
		{"too large in total", func(t *testing.T) []byte {
			big := "a: '" + strings.Repeat("x", MaxTotalSize/2) + "'\n"
			return zipOf(t, entry{"1.yaml", big}, entry{"2.yaml", big})
		}, `"2.yaml": policy files exceed 1024 KiB uncompressed in total`},
		{"resource too large", func(*testing.T) []byte { return make([]byte, MaxResourceSize+1) }, "resource is larger than 8 MiB"},
		{"control character in name", func(t *testing.T) []byte {
			return zipOf(t, entry{"a\x1b[31m.yaml", "a: b\n"})
		}, `"a\x1b[31m.yaml": name has control characters`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := Load(tt.zip(t))
			if err == nil {
				t.Fatalf("Load accepted it: %v", o.Names())
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q, want it to contain %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "\n") || len(err.Error()) > 200 {
				t.Errorf("error not short and single-line: %q", err)
			}
			if len(o.Names()) != 0 {
				t.Errorf("refused resource still yields files")
			}
		})
	}
}

// TestLoadBomb: a small ZIP of a huge file is refused, whether the size in
// its header is honest or not.
func TestLoadBomb(t *testing.T) {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	f, err := w.CreateHeader(&zip.FileHeader{Name: "bomb.yaml", Method: zip.Deflate})
	if err != nil {
		t.Fatal(err)
	}
	// 8 MiB of one repeated line compresses to well under a MiB.
	line := []byte("a: bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\n")
	for n := 0; n < 8<<20; n += len(line) {
		f.Write(line)
	}
	w.Close()
	z := buf.Bytes()
	if len(z) > MaxResourceSize {
		t.Fatalf("test zip is %d bytes, too big to test the uncompressed limit", len(z))
	}
	// Lie about the size in the central directory: 10 bytes.
	r, _ := zip.NewReader(bytes.NewReader(z), int64(len(z)))
	hdr := r.File[0].FileHeader
	var lied bytes.Buffer
	w = zip.NewWriter(&lied)
	hdr.UncompressedSize64 = 10
	raw, err := w.CreateRaw(&hdr)
	if err != nil {
		t.Fatal(err)
	}
	rc, _ := r.File[0].OpenRaw()
	buf.Reset()
	buf.ReadFrom(rc)
	raw.Write(buf.Bytes())
	w.Close()

	// Declared honestly, the size is refused before reading.
	if _, err := Load(z); err == nil || !strings.Contains(err.Error(), `"bomb.yaml": policy files exceed 1024 KiB`) {
		t.Errorf("bomb: err = %v", err)
	}
	// Declared falsely, the reader stops at the declared size.
	if _, err := Load(lied.Bytes()); err == nil || !strings.Contains(err.Error(), `"bomb.yaml": corrupt ZIP entry`) {
		t.Errorf("lying bomb: err = %v", err)
	}
}

func TestLoadCorruptEntry(t *testing.T) {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	f, _ := w.CreateHeader(&zip.FileHeader{Name: "c.yaml", Method: zip.Store})
	f.Write([]byte("a: b\n"))
	w.Close()
	z := buf.Bytes()
	// Flip a byte of the stored data: the CRC no longer matches.
	i := bytes.Index(z, []byte("a: b\n"))
	z[i] = 'x'
	_, err := Load(z)
	if err == nil || !strings.Contains(err.Error(), `"c.yaml": corrupt ZIP entry`) {
		t.Errorf("err = %v", err)
	}
}

func TestErrorsNeverShowValues(t *testing.T) {
	const secretish = "do-not-print-this-value"
	for _, src := range []string{
		"a: [" + secretish + "]\n",
		"a: " + secretish + "\n" + "a: " + secretish + "\n",
		secretish + "\n",
		"a: b\n---\n" + secretish + "\n",
		"a: \"" + secretish + "\n",
	} {
		_, err := Load(zipOf(t, entry{"f.yaml", src}))
		if err == nil {
			t.Fatalf("accepted %q", src)
		}
		if strings.Contains(err.Error(), secretish) {
			t.Errorf("error shows file contents: %v", err)
		}
	}
}

func TestStatusPrefix(t *testing.T) {
	bad := errors.New("x")
	for _, tt := range []struct {
		enabled bool
		err     error
		want    string
	}{
		{false, nil, ""},
		{false, bad, ""},
		{true, nil, "PO: "},
		{true, bad, "PO (broken): "},
		{true, ErrNoResource, "PO (broken): "},
	} {
		if got := StatusPrefix(tt.enabled, tt.err); got != tt.want {
			t.Errorf("StatusPrefix(%v, %v) = %q, want %q", tt.enabled, tt.err, got, tt.want)
		}
	}
}

// TestLoadUnsafeNames: names that climb out of a directory are flattened
// like any other, whatever GODEBUG zipinsecurepath says.
func TestLoadUnsafeNames(t *testing.T) {
	for _, godebug := range []string{"zipinsecurepath=1", "zipinsecurepath=0"} {
		t.Run(godebug, func(t *testing.T) {
			t.Setenv("GODEBUG", godebug)
			o, err := Load(zipOf(t, entry{"../../etc/x.yaml", "a: b\n"}, entry{"/abs/y.yml", "c: d\n"}))
			if err != nil {
				t.Fatal(err)
			}
			var paths []string
			for _, f := range o.Files(Dir) {
				paths = append(paths, f.Path)
			}
			if got := strings.Join(paths, " "); got != "/etc/octavia/policy.d/x.yaml /etc/octavia/policy.d/y.yaml" {
				t.Errorf("paths = %s", got)
			}
		})
	}
}

func ExampleLoad() {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	f, _ := w.Create("overrides/no-providers.yaml")
	f.Write([]byte("os_load-balancer_api:provider:get_all: '!'\n"))
	w.Close()

	o, err := Load(buf.Bytes())
	for _, f := range o.Files(Dir) {
		fmt.Printf("%s:\n%s", f.Path, f.Data)
	}
	fmt.Printf("status: %q\n", StatusPrefix(true, err)+"Unit is ready")

	_, err = Load([]byte("not a zip"))
	fmt.Printf("status: %q\n", StatusPrefix(true, err)+"Unit is ready")
	fmt.Println("reason:", err)
	// Output:
	// /etc/octavia/policy.d/no-providers.yaml:
	// os_load-balancer_api:provider:get_all: '!'
	// status: "PO: Unit is ready"
	// status: "PO (broken): Unit is ready"
	// reason: not a valid ZIP file
}
