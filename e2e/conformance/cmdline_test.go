package conformance

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestInitrdDescription(t *testing.T) {
	// FNV-1a 32 of "" is the offset basis; of "a" the published test vector.
	assert.Equal(t, "initrd_len=0 initrd_fnv=811c9dc5", InitrdDescription(nil))
	assert.Equal(t, "initrd_len=1 initrd_fnv=e40c292c", InitrdDescription([]byte("a")))
}
