package devserver

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The self-test's description of the conformance initramfs comes from the
// file the server has, read per request (a rebuilt initramfs is described
// anew), and is 404 while there is none.
func TestSelfTestDescribesServedInitramfs(t *testing.T) {
	f := newFixture(t)
	resp := f.do(t, "GET", "/conformance/selftest.txt", nil)
	assert.Equal(t, 404, resp.StatusCode, "no initramfs.cpio yet")

	write(t, filepath.Join(f.conf, "initramfs.cpio"), "a")
	resp = f.do(t, "GET", "/conformance/selftest.txt", nil)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "initrd_len=1 initrd_fnv=e40c292c\n", body(t, resp))
	assertSecurityHeaders(t, resp, "selftest.txt")

	write(t, filepath.Join(f.conf, "initramfs.cpio"), "")
	assert.Equal(t, "initrd_len=0 initrd_fnv=811c9dc5\n", body(t, f.do(t, "GET", "/conformance/selftest.txt", nil)))
	head := f.do(t, "HEAD", "/conformance/selftest.txt", nil)
	assert.Equal(t, 200, head.StatusCode)
	assert.Empty(t, body(t, head))

	// Without a conformance directory there is no self-test.
	h, err := NewHandler(Config{Dir: f.dir, Conformance: filepath.Join(f.dir, "none")})
	assert.NoError(t, err)
	f.h = h
	assert.Equal(t, 404, f.do(t, "GET", "/conformance/selftest.txt", nil).StatusCode)
}
