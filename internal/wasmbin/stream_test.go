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
		require.True(t, s.HeadDone(), "chunks of %d", n)
		require.Equal(t, b[:headLen], s.Head, "chunks of %d", n)
		require.Equal(t, int64(len(b)), s.Seen(), "chunks of %d", n)
		m, err := ParseHead(s.Head)
		require.NoError(t, err)
		assert.Equal(t, whole.Imports, m.Imports)
		assert.Equal(t, whole.Exports, m.Exports)
	}
	_, err = Parse(b[:headLen])
	assert.Error(t, err, "the head alone is not a whole module")
}

// What is not a module, or has no code, keeps no complete head: the host
// then checks the whole file, whose check names what is wrong with it.
func TestStreamRefusesNonModules(t *testing.T) {
	html := []byte("<html>not a kernel</html>")
	s, _ := feed(html, 4)
	assert.False(t, s.HeadDone())
	_, err := Parse(s.Head)
	assert.ErrorContains(t, err, "magic")
	s, _ = feed([]byte("\x00asm\x01\x00\x00\x00\x7f\x01\x00\x01\x00"), 4)
	assert.False(t, s.HeadDone(), "an unknown section id stops the head")
	// A module without code is all head: Parse reads it whole.
	m := module(sec(SecType, vec(functype(nil, nil))))
	s, _ = feed(m, 5)
	assert.False(t, s.HeadDone())
	assert.Equal(t, m, s.Head)
}

// On the conformance kernel, streamed in 64 KiB chunks as a browser
// delivers it, the stream copies the head and the chunk that ends it, not
// the code.
func TestStreamConformanceKernel(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "e2e", "conformance", "testdata", "vmlinux.wasm"))
	if err != nil {
		t.Skip(err)
	}
	whole, err := Parse(b)
	require.NoError(t, err)
	s, copied := feed(b, 64<<10)
	require.True(t, s.HeadDone())
	m, err := ParseHead(s.Head)
	require.NoError(t, err)
	assert.Equal(t, whole.Imports, m.Imports)
	assert.Equal(t, whole.Exports, m.Exports)
	t.Logf("%d bytes, head %d, copied %d", len(b), len(s.Head), copied)
	assert.Less(t, copied, len(s.Head)+(64<<10))
}

// A module of megabytes streamed in 64 KiB chunks: only the chunks up to
// the end of its head are copied.
func TestStreamCopiesLittleOfABigModule(t *testing.T) {
	big := sec(SecCustom, str("big"), bytes.Repeat([]byte{1}, 4<<20))
	b := cat(kernelLike(), big, sec(SecData, vec()), big)
	s, copied := feed(b, 64<<10)
	require.True(t, s.HeadDone())
	t.Logf("%d bytes, head %d, copied %d", len(b), len(s.Head), copied)
	assert.Less(t, copied, 2*(64<<10))
}
