package bridge

import (
	"math/rand"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Every single-bit change, every length and every word order gives another
// key: the key must tell programs apart, not only be fast.
func TestProgramKeyTellsImagesApart(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	b := make([]byte, 300)
	rng.Read(b)
	seen := map[uint64]string{}
	add := func(what string, k uint64) {
		if prev, dup := seen[k]; dup {
			t.Fatalf("%s has the key of %s", what, prev)
		}
		seen[k] = what
	}
	for n := 0; n <= len(b); n++ {
		add("prefix "+itoa(n), ProgramKey(b[:n]))
	}
	for i := 0; i < len(b)*8; i++ {
		c := append([]byte(nil), b...)
		c[i/8] ^= 1 << (i % 8)
		add("bit flip "+itoa(i), ProgramKey(c))
	}
	// Two 8-byte words of one block swapped.
	c := append([]byte(nil), b...)
	copy(c[8:16], b[16:24])
	copy(c[16:24], b[8:16])
	add("swapped words", ProgramKey(c))
	assert.Equal(t, ProgramKey(b), ProgramKey(append([]byte(nil), b...)), "same content, same key")
}

// Read in chunks of any size, an image has the key ProgramKey gives it.
func TestProgramKeyChunkedAgrees(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	img := make([]byte, 5000)
	rng.Read(img)
	for _, n := range []int{0, 1, 31, 32, 33, 63, 64, 65, 100, 1000, 4999, 5000} {
		for _, chunk := range []int{32, 64, 96, 1024, 8192} {
			got := ProgramKeyChunked(n, make([]byte, chunk), func(off int, dst []byte) { copy(dst, img[off:]) })
			assert.Equal(t, ProgramKey(img[:n]), got, "%d bytes in chunks of %d", n, chunk)
		}
	}
	assert.Panics(t, func() { ProgramKeyChunked(10, make([]byte, 33), func(int, []byte) {}) })
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}

func BenchmarkProgramKey1500K(b *testing.B) {
	img := make([]byte, 1500000)
	rand.New(rand.NewSource(1)).Read(img)
	b.SetBytes(int64(len(img)))
	for i := 0; i < b.N; i++ {
		ProgramKey(img)
	}
}
