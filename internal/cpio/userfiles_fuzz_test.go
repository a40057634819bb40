package cpio

import (
	"bytes"
	"path"
	"strings"
	"testing"
)

// FuzzUserFiles: the files a user drops on the page (any names, split from
// one string at '|') are either refused, or placed under the prefix with
// clean relative names and appended to an initramfs so that reading the
// whole archive back yields every file with its data, under the prefix and
// nowhere else.
func FuzzUserFiles(f *testing.F) {
	for _, s := range []string{"notes.txt", "a|b", "a|a", "..", "a/../b", "/etc/passwd", "d/e|d", "x\x00y", "./a", "a//b",
		"TRAILER!!!", "d|d/e", "€.txt|ü/ß"} {
		f.Add(s, []byte("data"))
	}
	var base bytes.Buffer
	w := NewWriter(&base)
	_ = w.Mkdir("bin", 0o755)
	_ = w.WriteFile("bin/sh", 0o755, []byte("sh"))
	_ = w.Close()
	f.Fuzz(func(t *testing.T, names string, data []byte) {
		var files []File
		for i, n := range strings.Split(names, "|") {
			files = append(files, File{Name: n, Mode: 0o644, Data: content(data, i)})
		}
		placed, err := PlaceUserFiles("", files)
		if err != nil {
			return
		}
		for _, p := range placed {
			if !strings.HasPrefix(p.Name+"/", DefaultUserPrefix) && !strings.HasPrefix(DefaultUserPrefix, p.Name+"/") {
				t.Fatalf("%q placed outside %s", p.Name, DefaultUserPrefix)
			}
			if path.Clean(p.Name) != p.Name || path.IsAbs(p.Name) || strings.Contains("/"+p.Name+"/", "/../") {
				t.Fatalf("unclean name %q", p.Name)
			}
		}
		all, err := Append(base.Bytes(), placed)
		if err != nil {
			t.Fatalf("Append after PlaceUserFiles accepted: %v", err)
		}
		es, err := ReadAll(all)
		if err != nil {
			t.Fatalf("reading back: %v", err)
		}
		got := map[string][]byte{}
		for _, e := range es {
			got[e.Name] = e.Data
		}
		if string(got["bin/sh"]) != "sh" {
			t.Fatalf("the base archive's file was lost")
		}
		for i, fl := range files {
			d, ok := got[DefaultUserPrefix+fl.Name]
			if !ok || !bytes.Equal(d, content(data, i)) {
				t.Fatalf("file %q not read back intact (present %v)", fl.Name, ok)
			}
		}
	})
}

// content is the data of the i-th fuzzed file (a fresh slice each time).
func content(data []byte, i int) []byte { return append(append([]byte(nil), data...), byte(i)) }
