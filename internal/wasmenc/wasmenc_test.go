package wasmenc

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestLEB128(t *testing.T) {
	assert.Equal(t, []byte{0}, ULEB(0))
	assert.Equal(t, []byte{0xe5, 0x8e, 0x26}, ULEB(624485))
	assert.Equal(t, []byte{0x7f}, SLEB(-1))
	assert.Equal(t, []byte{0xc0, 0xbb, 0x78}, SLEB(-123456))
	assert.Equal(t, []byte{0x80, 0x01}, SLEB(128), "a positive value whose top bit would read as a sign gets another byte")
}

func TestNameAndSection(t *testing.T) {
	assert.Equal(t, []byte{3, 'e', 'n', 'v'}, Name("env"))
	assert.Equal(t, []byte{7, 3, 1, 2, 3}, Section(7, []byte{1, 2}, []byte{3}))
	assert.Equal(t, []byte{0, 0}, Section(0))
}
