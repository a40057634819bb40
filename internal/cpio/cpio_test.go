package cpio

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func hdr(ino, mode, nlink, size, namesize uint32) string {
	return fmt.Sprintf("070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		ino, mode, 0, 0, nlink, 0, size, 0, 0, 0, 0, namesize, 0)
}

func TestWriterExactBytes(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	require.NoError(t, w.Mkdir("d", 0o755))
	require.NoError(t, w.WriteFile("d/a", 0o644, []byte("hi")))
	require.NoError(t, w.WriteFile("bc", 0o100600, []byte("four")))
	require.NoError(t, w.Close())

	want := hdr(1, 0o40755, 2, 0, 2) + "d\x00" + // 112: aligned
		hdr(2, 0o100644, 1, 2, 4) + "d/a\x00" + "\x00\x00" + "hi" + "\x00\x00" + // 114 -> 116, data 2 -> 4
		hdr(3, 0o100600, 1, 4, 3) + "bc\x00" + "\x00\x00\x00" + "four" + // 113 -> 116, data 4
		hdr(0, 0, 1, 0, 11) + "TRAILER!!!\x00" + "\x00\x00\x00" // 121 -> 124
	assert.Equal(t, want, buf.String())
	assert.Zero(t, buf.Len()%4)

	// Deterministic.
	var buf2 bytes.Buffer
	w2 := NewWriter(&buf2)
	require.NoError(t, w2.Mkdir("d", 0o755))
	require.NoError(t, w2.WriteFile("d/a", 0o644, []byte("hi")))
	require.NoError(t, w2.WriteFile("bc", 0o100600, []byte("four")))
	require.NoError(t, w2.Close())
	assert.Equal(t, buf.Bytes(), buf2.Bytes())
}

func TestWriterPaddingAllLengths(t *testing.T) {
	for nl := 1; nl <= 8; nl++ {
		for dl := 0; dl <= 8; dl++ {
			var buf bytes.Buffer
			w := NewWriter(&buf)
			name := strings.Repeat("n", nl)
			data := bytes.Repeat([]byte{'x'}, dl)
			require.NoError(t, w.WriteFile(name, 0o644, data))
			require.NoError(t, w.Close())
			first := 110 + nl + 1
			first += (4 - first%4) % 4
			first += dl + (4-dl%4)%4
			assert.Equal(t, first+124, buf.Len(), "name %d data %d", nl, dl)
			b := buf.Bytes()
			assert.Equal(t, "070701", string(b[first:first+6]))
			assert.Equal(t, data, b[first-dl-(4-dl%4)%4:first-(4-dl%4)%4])

			es, err := ReadAll(b)
			require.NoError(t, err)
			require.Len(t, es, 1)
			assert.Equal(t, name, es[0].Name)
			assert.Equal(t, data, []byte(es[0].Data)[:dl])
		}
	}
}

func TestWriterErrors(t *testing.T) {
	w := NewWriter(io.Discard)
	assert.Error(t, w.WriteFile("", 0o644, nil))
	assert.Error(t, w.WriteFile("a\x00b", 0o644, nil))
	assert.Error(t, w.WriteFile(Trailer, 0o644, nil))
	assert.Error(t, w.WriteFile("x", 0o40755, nil), "directory type for a file")
	assert.Error(t, w.Mkdir("x", 0o100644), "file type for a dir")
	assert.Error(t, w.WriteFile(strings.Repeat("a", MaxNameSize), 0o644, nil))
	assert.Error(t, w.Symlink("l", ""))
	require.NoError(t, w.Close())
	require.NoError(t, w.Close())
	assert.ErrorIs(t, w.WriteFile("x", 0o644, nil), ErrWriteClosed)
	assert.ErrorIs(t, w.Mkdir("x", 0o755), ErrWriteClosed)
}

type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("disk full")
	}
	f.n--
	return len(p), nil
}

func TestWriterPropagatesWriteError(t *testing.T) {
	w := NewWriter(&failWriter{n: 1})
	err := w.WriteFile("a", 0o644, []byte("abc"))
	assert.EqualError(t, err, "disk full")
	assert.EqualError(t, w.Close(), "disk full")
}

func buildArchive(t testing.TB, f func(w *Writer)) []byte {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	f(w)
	require.NoError(t, w.Close())
	return buf.Bytes()
}

func TestStreamReader(t *testing.T) {
	b := buildArchive(t, func(w *Writer) {
		require.NoError(t, w.Mkdir("etc", 0o755))
		require.NoError(t, w.WriteFile("etc/motd", 0o644, []byte("hello, world\n")))
		require.NoError(t, w.Symlink("init", "/bin/sh"))
		require.NoError(t, w.WriteFile("empty", 0o600, nil))
	})
	r := NewReader(bytes.NewReader(b))
	h, err := r.Next()
	require.NoError(t, err)
	assert.Equal(t, "etc", h.Name)
	assert.True(t, h.IsDir())
	assert.Equal(t, uint32(0o40755), h.Mode)
	assert.Equal(t, uint32(2), h.Nlink)
	assert.Equal(t, uint32(1), h.Ino)

	h, err = r.Next()
	require.NoError(t, err)
	assert.Equal(t, "etc/motd", h.Name)
	assert.True(t, h.IsRegular())
	assert.Equal(t, int64(13), h.Size)
	assert.Equal(t, uint32(0), h.Mtime)
	p := make([]byte, 5)
	n, err := r.Read(p) // partial read, rest skipped by Next
	require.NoError(t, err)
	assert.Equal(t, "hello", string(p[:n]))

	h, err = r.Next()
	require.NoError(t, err)
	assert.True(t, h.IsSymlink())
	d, err := io.ReadAll(r)
	require.NoError(t, err)
	assert.Equal(t, "/bin/sh", string(d))

	h, err = r.Next()
	require.NoError(t, err)
	assert.Equal(t, "empty", h.Name)
	d, err = io.ReadAll(r)
	require.NoError(t, err)
	assert.Empty(t, d)

	_, err = r.Next()
	assert.Equal(t, io.EOF, err)
	_, err = r.Next()
	assert.Equal(t, io.EOF, err)
	assert.Equal(t, int64(len(b)), r.Offset())
}

func TestReaderAcceptsCRCMagicAndLowercaseHex(t *testing.T) {
	b := buildArchive(t, func(w *Writer) { require.NoError(t, w.WriteFile("f", 0o644, []byte("x"))) })
	b[5] = '2'
	copy(b[6+8:], "000081a4") // mode, lower-case
	es, err := ReadAll(b)
	require.NoError(t, err)
	require.Len(t, es, 1)
	assert.Equal(t, uint32(0o100644), es[0].Mode)
}

func TestReaderMalformed(t *testing.T) {
	good := buildArchive(t, func(w *Writer) { require.NoError(t, w.WriteFile("file", 0o644, []byte("data"))) })
	mod := func(f func(b []byte) []byte) []byte {
		b := append([]byte(nil), good...)
		return f(b)
	}
	cases := map[string][]byte{
		"bad magic":     mod(func(b []byte) []byte { b[0] = '1'; return b }),
		"bad magic2":    mod(func(b []byte) []byte { b[5] = '7'; return b }),
		"bad hex":       mod(func(b []byte) []byte { b[20] = 'g'; return b }),
		"hex sign":      mod(func(b []byte) []byte { b[6] = '-'; return b }),
		"truncated hdr": good[:50],
		"truncated nm":  good[:112],
		"truncated dat": good[:118],
		"no trailer":    good[:124],
		"name no NUL":   mod(func(b []byte) []byte { b[110+4] = 'x'; return b }),
		"NUL in name":   mod(func(b []byte) []byte { b[110+1] = 0; return b }),
		"namesize 0":    mod(func(b []byte) []byte { copy(b[6+11*8:], "00000000"); return b }),
		"huge namesize": mod(func(b []byte) []byte { copy(b[6+11*8:], "FFFFFFFF"); return b }),
		"huge size":     mod(func(b []byte) []byte { copy(b[6+6*8:], "FFFFFFFF"); return b }),
		"junk":          []byte("hello world!"),
		"misaligned":    append([]byte{0}, good...),
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ReadAll(b)
			require.Error(t, err)
			t.Log(err)
			// The stream reader must fail too (misaligned start is a
			// ReadAll-only rule; a leading NUL is bad magic for it).
			r := NewReader(bytes.NewReader(b))
			for i := 0; ; i++ {
				require.Less(t, i, 10)
				h, err := r.Next()
				if err != nil {
					assert.NotEqual(t, io.EOF, err)
					break
				}
				if _, err := io.Copy(io.Discard, r); err != nil {
					_ = h
					break
				}
			}
		})
	}
}

func TestReadAllConcatenated(t *testing.T) {
	a := buildArchive(t, func(w *Writer) { require.NoError(t, w.WriteFile("a", 0o644, []byte("A"))) })
	b := buildArchive(t, func(w *Writer) {
		require.NoError(t, w.Mkdir("dir", 0o700))
		require.NoError(t, w.WriteFile("dir/b", 0o644, []byte("BB")))
	})
	var data []byte
	data = append(data, a...)
	data = append(data, make([]byte, 8)...) // zero padding between archives
	data = append(data, b...)
	data = append(data, make([]byte, 512)...) // trailing block padding
	es, err := ReadAll(data)
	require.NoError(t, err)
	require.Len(t, es, 3)
	assert.Equal(t, []string{"a", "dir", "dir/b"}, []string{es[0].Name, es[1].Name, es[2].Name})
	assert.Equal(t, "BB", string(es[2].Data))

	es, err = ReadAll(nil)
	require.NoError(t, err)
	assert.Empty(t, es)
	es, err = ReadAll(make([]byte, 7))
	require.NoError(t, err)
	assert.Empty(t, es)
}

func gz(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write(b)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func TestAppendToGzipBase(t *testing.T) {
	base := buildArchive(t, func(w *Writer) {
		require.NoError(t, w.Mkdir("bin", 0o755))
		require.NoError(t, w.WriteFile("bin/sh", 0o755, []byte("\x00asm")))
	})
	zbase := gz(t, base)
	for extra := 0; extra < 4; extra++ {
		zb := append(append([]byte(nil), zbase...), make([]byte, 0)...)
		// vary the base length modulo 4 using gzip's trailing zero tolerance:
		// append the member then pad manually before Append pads the rest.
		zb = append(zb, make([]byte, extra)...)
		out, err := Append(zb, []File{{Name: "x", Mode: 0o644, Data: []byte("X")}})
		require.NoError(t, err)
		assert.Equal(t, zb, out[:len(zb)], "base kept as is")
		assert.Zero(t, (len(out)-len(zb)-(4-len(zb)%4)%4)%4)
		es, err := ReadAll(out)
		require.NoError(t, err)
		require.Len(t, es, 3)
		assert.Equal(t, "bin/sh", es[1].Name)
		assert.Equal(t, "x", es[2].Name)
		assert.Equal(t, "X", string(es[2].Data))
	}
}

func TestAppendUncompressedBaseNoPadding(t *testing.T) {
	base := buildArchive(t, func(w *Writer) { require.NoError(t, w.WriteFile("a", 0o644, nil)) })
	out, err := Append(base, []File{
		{Name: "d", Mode: TypeDir | 0o755},
		{Name: "d/l", Mode: TypeSymlink | 0o777, Data: []byte("../a")},
		{Name: "d/f", Mode: 0o600, Data: []byte("f")},
	})
	require.NoError(t, err)
	assert.Equal(t, "070701", string(out[len(base):len(base)+6]))
	es, err := ReadAll(out)
	require.NoError(t, err)
	require.Len(t, es, 4)
	assert.True(t, es[1].IsDir())
	assert.True(t, es[2].IsSymlink())
	assert.Equal(t, "../a", string(es[2].Data))
	assert.Equal(t, uint32(0o100600), es[3].Mode)

	_, err = Append(base, []File{{Name: "dev", Mode: 0o020644}})
	assert.Error(t, err)
	_, err = Append(base, []File{{Name: "", Mode: 0o644}})
	assert.Error(t, err)
}

func TestGzipErrors(t *testing.T) {
	a := buildArchive(t, func(w *Writer) { require.NoError(t, w.WriteFile("a", 0o644, []byte("A"))) })
	z := gz(t, a)
	_, err := ReadAll(z[:len(z)-3])
	assert.Error(t, err, "truncated gzip")
	_, err = ReadAll(gz(t, []byte("junk")))
	assert.Error(t, err, "junk inside gzip")
	_, err = ReadAll(gz(t, gz(t, a)))
	assert.Error(t, err, "nested gzip is refused")

	old := MaxDecompressed
	MaxDecompressed = 100
	defer func() { MaxDecompressed = old }()
	_, err = ReadAll(z)
	assert.ErrorContains(t, err, "MaxDecompressed")
}

func TestPlaceUserFiles(t *testing.T) {
	got, err := PlaceUserFiles("", []File{
		{Name: "notes.txt", Mode: 0o644, Data: []byte("n")},
		{Name: "src/main.c", Mode: 0o644, Data: []byte("c")},
		{Name: "src/lib/x.h", Mode: 0o600},
		{Name: "run.sh", Mode: 0o755},
	})
	require.NoError(t, err)
	var names []string
	for _, f := range got {
		names = append(names, fmt.Sprintf("%s %o", f.Name, f.Mode))
	}
	assert.Equal(t, []string{
		"home 40755", "home/user 40755", "home/user/src 40755", "home/user/src/lib 40755",
		"home/user/notes.txt 644", "home/user/src/main.c 644", "home/user/src/lib/x.h 600",
		"home/user/run.sh 755",
	}, names)

	got, err = PlaceUserFiles("tmp/", []File{{Name: "a", Mode: 0o644}, {Name: "d", Mode: TypeDir | 0o700}, {Name: "d/b", Mode: 0o644}})
	require.NoError(t, err)
	require.Len(t, got, 4)
	assert.Equal(t, File{Name: "tmp", Mode: DirMode}, got[0])
	assert.Equal(t, "tmp/d", got[1].Name)
	assert.Equal(t, uint32(TypeDir|0o700), got[1].Mode)

	out, err := Append(nil, got)
	require.NoError(t, err)
	es, err := ReadAll(out)
	require.NoError(t, err)
	assert.Len(t, es, 4)

	for _, bad := range []string{"", "/etc/passwd", "../x", "a/../../x", "a/..", "a\x00b", "./a", "a//b", "a/", ".", Trailer} {
		_, err := PlaceUserFiles("", []File{{Name: bad, Mode: 0o644}})
		assert.Error(t, err, "%q", bad)
	}
	for _, bad := range []string{"/home", "../x", "a\x00", "a//b"} {
		_, err := PlaceUserFiles(bad, nil)
		assert.Error(t, err, "prefix %q", bad)
	}
	_, err = PlaceUserFiles("", []File{{Name: "a"}, {Name: "a"}})
	assert.ErrorContains(t, err, "duplicate")
	_, err = PlaceUserFiles("", []File{{Name: "a"}, {Name: "a/b"}})
	assert.ErrorContains(t, err, "both a file and a directory")
}

func newGzip(w io.Writer) *gzip.Writer { return gzip.NewWriter(w) }
