package files

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"charm-octavia/internal/system/users"
)

// octaviaID is the ID the fixture gives the octavia user and group.
const octaviaID = 64060

// newRoot returns a Root in a temporary directory whose account databases
// hold "me" (the test's own user and group, which it can chown to without
// privileges), "root" and "octavia".
func newRoot(t *testing.T) (*Root, string) {
	t.Helper()
	dir := t.TempDir()
	uid, gid := os.Getuid(), os.Getgid()
	mustWrite(t, filepath.Join(dir, "etc/passwd"), fmt.Sprintf(
		"root:x:0:0:root:/root:/bin/bash\nme:x:%d:%d::/:/bin/sh\noctavia:x:%d:%d::/var/lib/octavia:/usr/sbin/nologin\n",
		uid, gid, octaviaID, octaviaID))
	mustWrite(t, filepath.Join(dir, "etc/group"), fmt.Sprintf(
		"root:x:0:\nme:x:%d:\noctavia:x:%d:\n", gid, octaviaID))
	mustMkdir(t, filepath.Join(dir, "etc/octavia"))
	return New(dir), dir
}

func mustWrite(t *testing.T, path, content string) {
	t.Helper()
	mustMkdir(t, filepath.Dir(path))
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustMkdir(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(path, 0o755); err != nil {
		t.Fatal(err)
	}
}

func needRoot(t *testing.T) {
	t.Helper()
	if os.Getuid() != 0 {
		t.Skip("changing a file's owner to another user needs root")
	}
}

// stat returns the file's mode, owner, group, inode and modification time.
func stat(t *testing.T, path string) (fs.FileMode, int, int, uint64, time.Time) {
	t.Helper()
	st, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	sys := st.Sys().(*syscall.Stat_t)
	return st.Mode(), int(sys.Uid), int(sys.Gid), sys.Ino, st.ModTime()
}

// entries lists a directory's names.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	return names
}

func TestWriteFileCreates(t *testing.T) {
	r, dir := newRoot(t)
	changed, err := r.WriteFile("/etc/octavia/octavia.conf", []byte("[DEFAULT]\n"), "me", "me", 0o640)
	if err != nil || !changed {
		t.Fatalf("WriteFile = %v, %v; want true, nil", changed, err)
	}
	path := filepath.Join(dir, "etc/octavia/octavia.conf")
	data, err := os.ReadFile(path)
	if err != nil || string(data) != "[DEFAULT]\n" {
		t.Fatalf("content = %q, %v", data, err)
	}
	mode, uid, gid, _, _ := stat(t, path)
	if mode != 0o640 || uid != os.Getuid() || gid != os.Getgid() {
		t.Errorf("mode %v owner %d:%d, want -rw-r----- %d:%d", mode, uid, gid, os.Getuid(), os.Getgid())
	}
	if got := entries(t, filepath.Dir(path)); len(got) != 1 {
		t.Errorf("directory holds %v, want only octavia.conf", got)
	}
}

func TestWriteFileUnchangedDoesNothing(t *testing.T) {
	r, dir := newRoot(t)
	path := filepath.Join(dir, "etc/octavia/octavia.conf")
	if _, err := r.WriteFile("/etc/octavia/octavia.conf", []byte("a = 1\n"), "me", "me", 0o600); err != nil {
		t.Fatal(err)
	}
	past := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(path, past, past); err != nil {
		t.Fatal(err)
	}
	_, _, _, ino, _ := stat(t, path)

	changed, err := r.WriteFile("/etc/octavia/octavia.conf", []byte("a = 1\n"), "me", "me", 0o600)
	if err != nil || changed {
		t.Fatalf("second WriteFile = %v, %v; want false, nil", changed, err)
	}
	_, _, _, ino2, mtime := stat(t, path)
	if !mtime.Equal(past) || ino2 != ino {
		t.Errorf("file was rewritten: mtime %v (want %v), inode %d (want %d)", mtime, past, ino2, ino)
	}
}

func TestWriteFileReplacesContent(t *testing.T) {
	r, dir := newRoot(t)
	for _, content := range []string{"old\n", "new content\n", "new\n", ""} {
		changed, err := r.WriteFile("/etc/octavia/x.conf", []byte(content), "me", "me", 0o644)
		if err != nil || !changed {
			t.Fatalf("WriteFile(%q) = %v, %v; want true, nil", content, changed, err)
		}
		data, _ := os.ReadFile(filepath.Join(dir, "etc/octavia/x.conf"))
		if string(data) != content {
			t.Errorf("content = %q, want %q", data, content)
		}
	}
	if got := entries(t, filepath.Join(dir, "etc/octavia")); len(got) != 1 {
		t.Errorf("directory holds %v, want only x.conf", got)
	}
}

func TestWriteFileFixesModeInPlace(t *testing.T) {
	r, dir := newRoot(t)
	path := filepath.Join(dir, "etc/octavia/key.pem")
	mustWrite(t, path, "secret")
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, _, ino, mtime := stat(t, path)

	changed, err := r.WriteFile("/etc/octavia/key.pem", []byte("secret"), "me", "me", 0o600)
	if err != nil || !changed {
		t.Fatalf("WriteFile = %v, %v; want true, nil", changed, err)
	}
	mode, _, _, ino2, mtime2 := stat(t, path)
	if mode != 0o600 {
		t.Errorf("mode = %v, want -rw-------", mode)
	}
	if ino2 != ino || !mtime2.Equal(mtime) {
		t.Error("file was rewritten, want its mode fixed in place")
	}
	if changed, err := r.WriteFile("/etc/octavia/key.pem", []byte("secret"), "me", "me", 0o600); err != nil || changed {
		t.Errorf("third WriteFile = %v, %v; want false, nil", changed, err)
	}
}

func TestWriteFileFixesOwnerInPlace(t *testing.T) {
	needRoot(t)
	r, dir := newRoot(t)
	path := filepath.Join(dir, "etc/octavia/octavia.conf")
	if _, err := r.WriteFile("/etc/octavia/octavia.conf", []byte("x"), "root", "root", 0o640); err != nil {
		t.Fatal(err)
	}
	_, _, _, ino, _ := stat(t, path)
	changed, err := r.WriteFile("/etc/octavia/octavia.conf", []byte("x"), "root", "octavia", 0o640)
	if err != nil || !changed {
		t.Fatalf("WriteFile = %v, %v; want true, nil", changed, err)
	}
	mode, uid, gid, ino2, _ := stat(t, path)
	if uid != 0 || gid != octaviaID || mode != 0o640 || ino2 != ino {
		t.Errorf("got %v %d:%d inode %d, want -rw-r----- 0:%d inode %d", mode, uid, gid, ino2, octaviaID, ino)
	}
	changed, err = r.WriteFile("/etc/octavia/octavia.conf", []byte("x"), "octavia", "octavia", 0o640)
	if _, uid, _, _, _ := stat(t, path); err != nil || !changed || uid != octaviaID {
		t.Errorf("WriteFile = %v, %v, owner %d; want true, nil, %d", changed, err, uid, octaviaID)
	}
}

// A secret is never readable by others: the temporary file has its final
// permissions before anything is written to it.
func TestWriteFileTempHasFinalModeFromCreation(t *testing.T) {
	for _, mode := range []fs.FileMode{0o600, 0o640, 0o440} {
		r, dir := newRoot(t)
		var seen fs.FileMode
		var size int64 = -1
		r.chown = func(f *os.File, uid, gid int) error {
			st, err := f.Stat()
			if err != nil {
				return err
			}
			seen, size = st.Mode().Perm(), st.Size()
			return f.Chown(uid, gid)
		}
		if _, err := r.WriteFile("/etc/octavia/key.pem", []byte("secret"), "me", "me", mode); err != nil {
			t.Fatal(err)
		}
		if seen != mode || size != 0 {
			t.Errorf("mode %v: temporary file had mode %v and %d bytes before chown, want %v and 0", mode, seen, size, mode)
		}
		if m, _, _, _, _ := stat(t, filepath.Join(dir, "etc/octavia/key.pem")); m != mode {
			t.Errorf("final mode %v, want %v", m, mode)
		}
	}
}

func TestWriteFileFailureLeavesNoTempFile(t *testing.T) {
	r, dir := newRoot(t)
	path := filepath.Join(dir, "etc/octavia/octavia.conf")
	mustWrite(t, path, "old\n")
	r.chown = func(*os.File, int, int) error { return errors.New("injected chown failure") }

	changed, err := r.WriteFile("/etc/octavia/octavia.conf", []byte("new\n"), "me", "me", 0o640)
	if err == nil || changed {
		t.Fatalf("WriteFile = %v, %v; want false and an error", changed, err)
	}
	if got := entries(t, filepath.Dir(path)); len(got) != 1 || got[0] != "octavia.conf" {
		t.Errorf("directory holds %v, want only octavia.conf", got)
	}
	if data, _ := os.ReadFile(path); string(data) != "old\n" {
		t.Errorf("content = %q, want the old content kept", data)
	}
}

func TestWriteFileErrors(t *testing.T) {
	r, dir := newRoot(t)
	mustMkdir(t, filepath.Join(dir, "etc/octavia/certs"))
	for _, tc := range []struct {
		name, path, owner, group string
	}{
		{"relative path", "etc/octavia/x.conf", "me", "me"},
		{"unknown owner", "/etc/octavia/x.conf", "nobody-here", "me"},
		{"unknown group", "/etc/octavia/x.conf", "me", "nogroup-here"},
		{"missing parent", "/etc/missing/x.conf", "me", "me"},
		{"directory", "/etc/octavia/certs", "me", "me"},
	} {
		changed, err := r.WriteFile(tc.path, []byte("x"), tc.owner, tc.group, 0o640)
		if err == nil || changed {
			t.Errorf("%s: WriteFile = %v, %v; want false and an error", tc.name, changed, err)
		}
	}
	if got := entries(t, filepath.Join(dir, "etc/octavia")); len(got) != 1 {
		t.Errorf("etc/octavia holds %v, want only certs", got)
	}
	_, err := r.WriteFile("/etc/octavia/x.conf", []byte("x"), "me", "nogroup-here", 0o640)
	var unknown *users.UnknownError
	if !errors.As(err, &unknown) || unknown.Kind != "group" || unknown.Name != "nogroup-here" {
		t.Errorf("error = %v, want a *users.UnknownError for the group", err)
	}
}

func TestWriteFileReplacesSymlink(t *testing.T) {
	r, dir := newRoot(t)
	target := filepath.Join(dir, "elsewhere")
	mustWrite(t, target, "x")
	link := filepath.Join(dir, "etc/octavia/link.conf")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	changed, err := r.WriteFile("/etc/octavia/link.conf", []byte("x"), "me", "me", 0o644)
	if err != nil || !changed {
		t.Fatalf("WriteFile = %v, %v", changed, err)
	}
	if mode, _, _, _, _ := stat(t, link); !mode.IsRegular() {
		t.Errorf("mode = %v, want a regular file", mode)
	}
}

func TestEnsureDir(t *testing.T) {
	r, dir := newRoot(t)
	path := filepath.Join(dir, "etc/octavia/certs")
	changed, err := r.EnsureDir("/etc/octavia/certs", "me", "me", 0o750)
	if err != nil || !changed {
		t.Fatalf("EnsureDir = %v, %v; want true, nil", changed, err)
	}
	if mode, _, _, _, _ := stat(t, path); mode != fs.ModeDir|0o750 {
		t.Errorf("mode = %v, want drwxr-x---", mode)
	}
	mustWrite(t, filepath.Join(path, "keep.pem"), "x")
	if changed, err := r.EnsureDir("/etc/octavia/certs", "me", "me", 0o750); err != nil || changed {
		t.Errorf("second EnsureDir = %v, %v; want false, nil", changed, err)
	}
	if changed, err := r.EnsureDir("/etc/octavia/certs", "me", "me", 0o700); err != nil || !changed {
		t.Errorf("EnsureDir with a new mode = %v, %v; want true, nil", changed, err)
	}
	if mode, _, _, _, _ := stat(t, path); mode != fs.ModeDir|0o700 {
		t.Errorf("mode = %v, want drwx------", mode)
	}
	if got := entries(t, path); len(got) != 1 {
		t.Errorf("directory content changed: %v", got)
	}
	if _, err := r.EnsureDir("/etc/octavia/certs/keep.pem", "me", "me", 0o750); err == nil {
		t.Error("EnsureDir on a file: want an error")
	}
	if _, err := r.EnsureDir("/etc/missing/certs", "me", "me", 0o750); err == nil {
		t.Error("EnsureDir without parent: want an error")
	}
}

func TestEnsureDirOwner(t *testing.T) {
	needRoot(t)
	r, dir := newRoot(t)
	if changed, err := r.EnsureDir("/etc/octavia/certs", "root", "octavia", 0o750); err != nil || !changed {
		t.Fatalf("EnsureDir = %v, %v", changed, err)
	}
	if _, uid, gid, _, _ := stat(t, filepath.Join(dir, "etc/octavia/certs")); uid != 0 || gid != octaviaID {
		t.Errorf("owner %d:%d, want 0:%d", uid, gid, octaviaID)
	}
}

func TestRemoveFile(t *testing.T) {
	r, dir := newRoot(t)
	mustWrite(t, filepath.Join(dir, "etc/octavia/old.conf"), "x")
	if changed, err := r.RemoveFile("/etc/octavia/old.conf"); err != nil || !changed {
		t.Errorf("RemoveFile = %v, %v; want true, nil", changed, err)
	}
	if changed, err := r.RemoveFile("/etc/octavia/old.conf"); err != nil || changed {
		t.Errorf("second RemoveFile = %v, %v; want false, nil", changed, err)
	}
	if _, err := r.RemoveFile("/etc/octavia"); err == nil {
		t.Error("RemoveFile on a directory: want an error")
	}
}

// BenchmarkWriteFileUnchanged measures the converged case: a file that is
// already right.
func BenchmarkWriteFileUnchanged(b *testing.B) {
	dir := b.TempDir()
	os.MkdirAll(filepath.Join(dir, "etc/octavia"), 0o755)
	os.WriteFile(filepath.Join(dir, "etc/passwd"), []byte(fmt.Sprintf("me:x:%d:%d::/:/bin/sh\n", os.Getuid(), os.Getgid())), 0o644)
	os.WriteFile(filepath.Join(dir, "etc/group"), []byte(fmt.Sprintf("me:x:%d:\n", os.Getgid())), 0o644)
	r := New(dir)
	data := make([]byte, 8<<10)
	if _, err := r.WriteFile("/etc/octavia/octavia.conf", data, "me", "me", 0o640); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if changed, err := r.WriteFile("/etc/octavia/octavia.conf", data, "me", "me", 0o640); err != nil || changed {
			b.Fatal(changed, err)
		}
	}
}
