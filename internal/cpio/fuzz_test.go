package cpio

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func seedArchives(f *testing.F) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	_ = w.Mkdir("d", 0o755)
	_ = w.WriteFile("d/a", 0o644, []byte("hello"))
	_ = w.Symlink("l", "d/a")
	_ = w.Close()
	a := buf.Bytes()
	f.Add(a)
	f.Add(append(append(append([]byte(nil), a...), 0, 0, 0, 0), a...))
	f.Add(a[:len(a)-20])
	f.Add([]byte("070701"))
	f.Add([]byte{})
	var z bytes.Buffer
	zw := newGzip(&z)
	_, _ = zw.Write(a)
	_ = zw.Close()
	f.Add(z.Bytes())
	f.Add(append(append([]byte(nil), a...), z.Bytes()...))
}

func FuzzReader(f *testing.F) {
	seedArchives(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		es, err := ReadAll(data)
		if err == nil {
			for _, e := range es {
				require.NotEqual(t, Trailer, e.Name)
				require.Equal(t, e.Size, int64(len(e.Data)))
				require.NotContains(t, e.Name, "\x00")
			}
		}
		r := NewReader(bytes.NewReader(data))
		var n int
		for i := 0; i < 1000; i++ {
			h, err := r.Next()
			if err != nil {
				break
			}
			n++
			d, err := io.ReadAll(r)
			if err != nil {
				break
			}
			require.Equal(t, h.Size, int64(len(d)))
		}
	})
}

func FuzzRoundTrip(f *testing.F) {
	f.Add("a\nb/c\nd", []byte("some data here"), uint16(0o644))
	f.Add("x", []byte{}, uint16(0o755))
	f.Add("", []byte("\x00\x01"), uint16(0))
	f.Fuzz(func(t *testing.T, names string, data []byte, perm uint16) {
		type ent struct {
			name string
			dir  bool
			data []byte
		}
		var want []ent
		for i, n := range strings.Split(names, "\n") {
			if checkName(n) != nil {
				continue
			}
			d := data
			if len(d) > 0 {
				d = d[:i%(len(d)+1)]
			}
			want = append(want, ent{name: n, dir: i%3 == 2, data: d})
		}
		var buf bytes.Buffer
		w := NewWriter(&buf)
		mode := uint32(perm) & 0o7777
		for _, e := range want {
			if e.dir {
				require.NoError(t, w.Mkdir(e.name, mode))
			} else {
				require.NoError(t, w.WriteFile(e.name, mode, e.data))
			}
		}
		require.NoError(t, w.Close())
		out := buf.Bytes()
		require.Zero(t, len(out)%4)

		es, err := ReadAll(out)
		require.NoError(t, err)
		require.Len(t, es, len(want))
		r := NewReader(bytes.NewReader(out))
		for i, e := range want {
			require.Equal(t, e.name, es[i].Name)
			require.Equal(t, uint32(i+1), es[i].Ino)
			require.Equal(t, e.dir, es[i].IsDir())
			require.Equal(t, !e.dir, es[i].IsRegular())
			require.Equal(t, mode, es[i].Mode&0o7777)
			if !e.dir {
				require.Equal(t, len(e.data), len(es[i].Data))
				require.True(t, bytes.Equal(e.data, es[i].Data))
			}
			h, err := r.Next()
			require.NoError(t, err)
			require.Equal(t, es[i].Header, *h)
			d, err := io.ReadAll(r)
			require.NoError(t, err)
			require.True(t, bytes.Equal(es[i].Data, d))
		}
		_, err = r.Next()
		require.Equal(t, io.EOF, err)
		require.Equal(t, int64(len(out)), r.Offset())

		// Appending to itself gives both archives.
		two, err := Append(out, nil)
		require.NoError(t, err)
		es2, err := ReadAll(two)
		require.NoError(t, err)
		require.Len(t, es2, len(want))
	})
}
