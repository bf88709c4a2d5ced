package system

import (
	"os"
	"path/filepath"
	"testing"
)

func TestCodename(t *testing.T) {
	for _, tc := range []struct {
		content, want string
		wantErr       bool
	}{
		{content: "NAME=\"Ubuntu\"\nVERSION_CODENAME=jammy\nID=ubuntu\n", want: "jammy"},
		{content: "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nVERSION_CODENAME=\"bookworm\"\n", want: "bookworm"},
		{content: "NAME=\"Something\"\n", wantErr: true},
		{content: "VERSION_CODENAME=\n", wantErr: true},
	} {
		root := t.TempDir()
		os.MkdirAll(filepath.Join(root, "etc"), 0o755)
		if err := os.WriteFile(filepath.Join(root, "etc/os-release"), []byte(tc.content), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := Codename(root)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("Codename(%q) = %q, %v; want %q, error %v", tc.content, got, err, tc.want, tc.wantErr)
		}
	}
	if _, err := Codename(t.TempDir()); err == nil {
		t.Error("Codename without os-release: want an error")
	}
}

func TestHostFacts(t *testing.T) {
	if n := CPUCount(); n < 1 {
		t.Errorf("CPUCount() = %d", n)
	}
	if name, err := Hostname(); err != nil || name == "" {
		t.Errorf("Hostname() = %q, %v", name, err)
	}
}
