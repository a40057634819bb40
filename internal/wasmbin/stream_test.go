package wasmbin

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// feed passes b to a Stream in chunks of size n, copying only what Want
// asks for, and returns the stream and how many bytes were copied.
func feed(b []byte, n int) (*Stream, int) {
	s := NewStream()
	copied := 0
	for at := 0; at < len(b); at += n {
		c := b[at:min(at+n, len(b))]
		from := s.Want(len(c))
		copied += len(c) - from
		s.Write(len(c), c[from:])
	}
	return s, copied
}

// withData is kernelLike with a data section after its code.
func withData() []byte {
	return cat(kernelLike(), sec(SecData, vec(cat([]byte{0x00, 0x41, 0x00, 0x0B}, uleb(200), bytes.Repeat([]byte{7}, 200)))))
}

func TestStreamKeepsTheHeadOnly(t *testing.T) {
	b := withData()
	whole, err := Parse(b)
	require.NoError(t, err)
	code := whole.Sections[len(whole.Sections)-3] // code, custom, data
	require.Equal(t, byte(SecCode), code.ID)
	headLen := code.Offset - 2 // the code section's id and one-byte size
	for n := 1; n <= len(b); n++ {
		s, _ := feed(b, n)
		require.NoError(t, s.End(), "chunks of %d", n)
		require.True(t, s.HeadDone(), "chunks of %d", n)
		require.Equal(t, b[:headLen], s.Head, "chunks of %d", n)
		m, err := ParseHead(s.Head)
		require.NoError(t, err)
		assert.Equal(t, whole.Imports, m.Imports)
		assert.Equal(t, whole.Exports, m.Exports)
	}
	_, err = Parse(b[:headLen])
	assert.Error(t, err, "the head alone is not a whole module")
}

// A module cut anywhere but at a section boundary is reported at the end.
func TestStreamTellsTruncation(t *testing.T) {
	b := withData()
	whole, err := Parse(b)
	require.NoError(t, err)
	boundary := map[int]bool{8: true}
	for _, sec := range whole.Sections {
		boundary[sec.Offset+sec.Size] = true
	}
	for cut := 0; cut < len(b); cut++ {
		for _, n := range []int{1, 3, 64} {
			s, _ := feed(b[:cut], n)
			err := s.End()
			if boundary[cut] {
				assert.NoError(t, err, "cut at %d, chunks of %d", cut, n)
			} else {
				assert.ErrorIs(t, err, ErrFormat, "cut at %d, chunks of %d", cut, n)
			}
		}
	}
}

func TestStreamRefusesNonModules(t *testing.T) {
	s, _ := feed([]byte("<html>not a kernel</html>"), 4)
	assert.ErrorContains(t, s.End(), "bad magic")
	assert.False(t, s.HeadDone())
	s, _ = feed([]byte("\x00asm\x01\x00\x00\x00\x7f\x01\x00"), 4)
	assert.ErrorContains(t, s.End(), "unknown section id 127")
	// A module without code is all head: Parse reads it whole.
	m := module(sec(SecType, vec(functype(nil, nil))))
	s, _ = feed(m, 5)
	require.NoError(t, s.End())
	assert.False(t, s.HeadDone())
	assert.Equal(t, m, s.Head)
}

// On the conformance kernel, streamed in 64 KiB chunks as a browser
// delivers it, the stream copies the head and a few headers, not the code.
func TestStreamConformanceKernel(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "e2e", "conformance", "testdata", "vmlinux.wasm"))
	if err != nil {
		t.Skip(err)
	}
	whole, err := Parse(b)
	require.NoError(t, err)
	s, copied := feed(b, 64<<10)
	require.NoError(t, s.End())
	require.True(t, s.HeadDone())
	m, err := ParseHead(s.Head)
	require.NoError(t, err)
	assert.Equal(t, whole.Imports, m.Imports)
	assert.Equal(t, whole.Exports, m.Exports)
	t.Logf("%d bytes, head %d, copied %d", len(b), len(s.Head), copied)
	assert.Less(t, copied, len(s.Head)+5*(64<<10))
}

// A module of megabytes streamed in 64 KiB chunks: only the head and the
// chunks holding later section headers are copied.
func TestStreamCopiesLittleOfABigModule(t *testing.T) {
	big := sec(SecCustom, str("big"), bytes.Repeat([]byte{1}, 4<<20))
	b := cat(kernelLike(), big, sec(SecData, vec()), big)
	s, copied := feed(b, 64<<10)
	require.NoError(t, s.End())
	require.True(t, s.HeadDone())
	t.Logf("%d bytes, head %d, copied %d", len(b), len(s.Head), copied)
	assert.Less(t, copied, 4*(64<<10))
	s, _ = feed(b[:len(b)-1], 64<<10)
	assert.ErrorContains(t, s.End(), "truncated")
}

// skimmer reads b the way the host's download does once the head is in:
// the bytes before NeedFrom are passed as a count only (never read), the
// chunk holding NeedFrom from there on. It returns the stream and how many
// chunks it looked at.
func skim(b []byte, n int) (*Stream, int) {
	s := NewStream()
	looked := 0
	for at := 0; at < len(b); {
		if need := int(s.NeedFrom()); need > at {
			skip := min(need, len(b)) - at
			s.Write(skip, nil)
			at += skip
			continue
		}
		c := b[at:min(at+n, len(b))]
		looked++
		from := s.Want(len(c))
		s.Write(len(c), c[from:])
		at += len(c)
	}
	return s, looked
}

// Skipping to NeedFrom sees the same module as reading every chunk: the
// same head, and truncation still told; and it looks at a handful of chunks
// of a module of megabytes.
func TestStreamSkipsToNeedFrom(t *testing.T) {
	big := sec(SecCustom, str("big"), bytes.Repeat([]byte{1}, 4<<20))
	b := cat(kernelLike(), big, sec(SecData, vec()), big)
	for _, n := range []int{1, 7, 4096, 64 << 10} {
		s, looked := skim(b, n)
		require.NoError(t, s.End(), "chunks of %d", n)
		whole, _ := feed(b, n)
		assert.Equal(t, whole.Head, s.Head, "chunks of %d", n)
		if n == 64<<10 {
			assert.Less(t, looked, 8, "the big sections' bodies are skipped")
		}
		s, _ = skim(b[:len(b)-1], n)
		assert.ErrorContains(t, s.End(), "truncated", "chunks of %d", n)
	}
}
