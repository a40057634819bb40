package devserver

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type fixture struct {
	dir, kernel, initrd, conf, outside string
	h                                  http.Handler
}

func write(t *testing.T, name, content string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(name), 0o755))
	require.NoError(t, os.WriteFile(name, []byte(content), 0o644))
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	base := t.TempDir()
	f := &fixture{
		dir:     filepath.Join(base, "www"),
		kernel:  filepath.Join(base, "k", "vmlinux.wasm"),
		initrd:  filepath.Join(base, "k", "initramfs.cpio.gz"),
		conf:    filepath.Join(base, "conf"),
		outside: filepath.Join(base, "secret.txt"),
	}
	write(t, filepath.Join(f.dir, "index.html"), "<!doctype html><title>Linux/Wasm</title>")
	write(t, filepath.Join(f.dir, "loader.js"), strings.Repeat("console.log('x');\n", 200))
	write(t, filepath.Join(f.dir, "style.css"), "body{}")
	write(t, filepath.Join(f.dir, "gohost.wasm"), "\x00asm\x01\x00\x00\x00")
	write(t, filepath.Join(f.dir, "sub", "a.txt"), "a")
	write(t, filepath.Join(f.dir, ".hidden"), "h")
	write(t, f.kernel, "\x00asm\x01\x00\x00\x00kernel")
	write(t, f.initrd, "\x1f\x8b initrd")
	write(t, filepath.Join(f.conf, "vmlinux.wasm"), "\x00asm\x01\x00\x00\x00conf")
	write(t, f.outside, "secret")
	h, err := NewHandler(Config{Dir: f.dir, Kernel: f.kernel, Initrd: f.initrd, Conformance: f.conf})
	require.NoError(t, err)
	f.h = h
	return f
}

// refuses checks that every path answers 404 without the text leak in its body.
func (f *fixture) refuses(t *testing.T, leak string, paths ...string) {
	t.Helper()
	for _, p := range paths {
		resp := f.do(t, "GET", p, nil)
		assert.Equal(t, 404, resp.StatusCode, p)
		assert.NotContains(t, body(t, resp), leak, p)
	}
}

func (f *fixture) do(t *testing.T, method, target string, hdr map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}

func assertSecurityHeaders(t *testing.T, resp *http.Response, what string) {
	t.Helper()
	assert.Equal(t, "same-origin", resp.Header.Get("Cross-Origin-Opener-Policy"), what)
	assert.Equal(t, "require-corp", resp.Header.Get("Cross-Origin-Embedder-Policy"), what)
	assert.Equal(t, "same-origin", resp.Header.Get("Cross-Origin-Resource-Policy"), what)
	csp := resp.Header.Get("Content-Security-Policy")
	assert.Contains(t, csp, "script-src 'self' 'wasm-unsafe-eval'", what)
	assert.Contains(t, csp, "worker-src 'self'", what)
	assert.Contains(t, csp, "object-src 'none'", what)
	assert.Contains(t, csp, "connect-src 'self' https:;", what) // CORS-enabled HTTPS kernels, nothing plain-HTTP
	assert.NotContains(t, csp, "'unsafe-eval'", what)
	assert.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"), what)
}

func TestHeadersOnEveryResponse(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/", 200},
		{"GET", "/index.html", 200},
		{"GET", "/loader.js", 200},
		{"HEAD", "/gohost.wasm", 200},
		{"GET", KernelURL, 200},
		{"GET", InitrdURL, 200},
		{"GET", "/conformance/vmlinux.wasm", 200},
		{"GET", "/nope.js", 404},
		{"GET", "/../secret.txt", 404},
		{"POST", "/", 405},
	} {
		resp := f.do(t, c.method, c.path, nil)
		assert.Equal(t, c.status, resp.StatusCode, "%s %s", c.method, c.path)
		assertSecurityHeaders(t, resp, c.method+" "+c.path)
	}
}

func TestContentTypes(t *testing.T) {
	f := newFixture(t)
	for path, want := range map[string]string{
		"/":                         "text/html; charset=utf-8",
		"/index.html":               "text/html; charset=utf-8",
		"/loader.js":                "text/javascript; charset=utf-8",
		"/style.css":                "text/css; charset=utf-8",
		"/gohost.wasm":              "application/wasm",
		KernelURL:                   "application/wasm",
		InitrdURL:                   "application/gzip",
		"/conformance/vmlinux.wasm": "application/wasm",
	} {
		resp := f.do(t, "GET", path, nil)
		require.Equal(t, 200, resp.StatusCode, path)
		assert.Equal(t, want, resp.Header.Get("Content-Type"), path)
	}
	assert.Equal(t, "application/octet-stream", ContentType("x.cpio"))
}

func TestNamedFilesServed(t *testing.T) {
	f := newFixture(t)
	resp := f.do(t, "GET", KernelURL, nil)
	assert.Equal(t, "\x00asm\x01\x00\x00\x00kernel", body(t, resp))
	resp = f.do(t, "GET", InitrdURL, map[string]string{"Accept-Encoding": "gzip"})
	// The initrd is already gzip: served as opaque bytes, never re-encoded.
	assert.Empty(t, resp.Header.Get("Content-Encoding"))
	assert.Equal(t, "\x1f\x8b initrd", body(t, resp))
}

func TestMissingKernelIs404(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "index.html"), "x")
	h, err := NewHandler(Config{Dir: dir, Kernel: filepath.Join(dir, "none.wasm")})
	require.NoError(t, err)
	for _, p := range []string{KernelURL, InitrdURL, "/conformance/vmlinux.wasm"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", p, nil))
		assert.Equal(t, 404, rec.Code, p)
		assertSecurityHeaders(t, rec.Result(), p)
	}
	assert.False(t, HasConformance(h))
}

func TestKernelAppearingLaterIsServed(t *testing.T) {
	dir := t.TempDir()
	k := filepath.Join(dir, "vmlinux.wasm")
	h, err := NewHandler(Config{Dir: dir, Kernel: k})
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", KernelURL, nil))
	assert.Equal(t, 404, rec.Code)
	write(t, k, "\x00asm")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", KernelURL, nil))
	assert.Equal(t, 200, rec.Code)
}

func TestTraversalAndHiddenRefused(t *testing.T) {
	f := newFixture(t)
	f.refuses(t, "secret",
		"/../secret.txt", "/sub/../../secret.txt", "/%2e%2e/secret.txt", "/sub/%2e%2e/index.html",
		"/.hidden", "/sub/", "/sub", "/sub//a.txt", "/..%5csecret.txt", "/conformance/../secret.txt",
		"/conformance/", "/kernel/", "/kernel/other.wasm", "//secret.txt", "/index.html/")
	assert.Equal(t, 200, f.do(t, "GET", "/sub/a.txt", nil).StatusCode)
}

func TestSymlinkEscapeRefused(t *testing.T) {
	f := newFixture(t)
	require.NoError(t, os.Symlink(f.outside, filepath.Join(f.dir, "escape.txt")))
	require.NoError(t, os.Symlink(filepath.Dir(f.outside), filepath.Join(f.dir, "up")))
	require.NoError(t, os.Symlink("sub/a.txt", filepath.Join(f.dir, "inside.txt")))
	f.refuses(t, "secret", "/escape.txt", "/up/secret.txt")
	// A symlink staying inside the root is fine.
	assert.Equal(t, 200, f.do(t, "GET", "/inside.txt", nil).StatusCode)
}

func TestGzipNegotiated(t *testing.T) {
	f := newFixture(t)
	resp := f.do(t, "GET", "/loader.js", map[string]string{"Accept-Encoding": "br, gzip"})
	require.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "gzip", resp.Header.Get("Content-Encoding"))
	assert.Contains(t, resp.Header.Values("Vary"), "Accept-Encoding")
	assert.Equal(t, "3600", resp.Header.Get("X-Decoded-Length"))
	zr, err := gzip.NewReader(resp.Body)
	require.NoError(t, err)
	plain, err := io.ReadAll(zr)
	require.NoError(t, err)
	assert.Equal(t, strings.Repeat("console.log('x');\n", 200), string(plain))

	for _, ae := range []string{"", "identity", "gzip;q=0", "br"} {
		resp = f.do(t, "GET", "/loader.js", map[string]string{"Accept-Encoding": ae})
		assert.Empty(t, resp.Header.Get("Content-Encoding"), ae)
		assert.Contains(t, resp.Header.Values("Vary"), "Accept-Encoding", ae)
		assert.Equal(t, 3600, len(body(t, resp)), ae)
	}
	resp = f.do(t, "GET", "/gohost.wasm", map[string]string{"Accept-Encoding": "gzip"})
	assert.Equal(t, "gzip", resp.Header.Get("Content-Encoding"))
}

func TestAcceptsGzip(t *testing.T) {
	for ae, want := range map[string]bool{
		"gzip": true, "GZIP": true, "deflate, gzip;q=1.0": true, "*": true, "gzip;q=0.5": true,
		"": false, "gzip;q=0": false, "gzip; q=0.000": false, "br": false, "*;q=0": false,
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Accept-Encoding", ae)
		assert.Equal(t, want, acceptsGzip(r), ae)
	}
}

func TestRevalidation(t *testing.T) {
	f := newFixture(t)
	for _, enc := range []string{"", "gzip"} {
		h := map[string]string{"Accept-Encoding": enc}
		resp := f.do(t, "GET", "/loader.js", h)
		require.Equal(t, 200, resp.StatusCode)
		cc := resp.Header.Get("Cache-Control")
		assert.Equal(t, "no-cache", cc)
		etag := resp.Header.Get("ETag")
		lm := resp.Header.Get("Last-Modified")
		require.NotEmpty(t, etag)
		require.NotEmpty(t, lm)

		h["If-None-Match"] = etag
		resp = f.do(t, "GET", "/loader.js", h)
		assert.Equal(t, 304, resp.StatusCode, enc)
		assertSecurityHeaders(t, resp, "304")

		delete(h, "If-None-Match")
		h["If-Modified-Since"] = lm
		assert.Equal(t, 304, f.do(t, "GET", "/loader.js", h).StatusCode, enc)
	}
	// The plain and gzip variants have different validators.
	a := f.do(t, "GET", "/loader.js", nil).Header.Get("ETag")
	b := f.do(t, "GET", "/loader.js", map[string]string{"Accept-Encoding": "gzip"}).Header.Get("ETag")
	assert.NotEqual(t, a, b)

	// A rebuild changes the validator: the old ETag no longer matches and
	// the new content (also in its gzip form) is served.
	write(t, filepath.Join(f.dir, "loader.js"), "console.log('rebuilt');")
	later := time.Now().Add(2 * time.Second)
	require.NoError(t, os.Chtimes(filepath.Join(f.dir, "loader.js"), later, later))
	for _, enc := range []string{"", "gzip"} {
		resp := f.do(t, "GET", "/loader.js", map[string]string{"If-None-Match": b, "Accept-Encoding": enc})
		require.Equal(t, 200, resp.StatusCode)
		var rd io.Reader = resp.Body
		if enc == "gzip" {
			zr, err := gzip.NewReader(resp.Body)
			require.NoError(t, err)
			rd = zr
		}
		got, err := io.ReadAll(rd)
		require.NoError(t, err)
		assert.Equal(t, "console.log('rebuilt');", string(got))
	}
}

func TestHeadHasNoBody(t *testing.T) {
	f := newFixture(t)
	resp := f.do(t, "HEAD", KernelURL, nil)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "", body(t, resp))
}

func TestBadRoot(t *testing.T) {
	_, err := NewHandler(Config{Dir: filepath.Join(t.TempDir(), "missing")})
	assert.Error(t, err)
}

func FuzzCleanRel(f *testing.F) {
	for _, s := range []string{"index.html", "../x", "a/../../b", ".git/config", "a//b", "a\\..\\b", "a/./b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		rel, ok := cleanRel(s)
		if !ok {
			return
		}
		if filepath.IsAbs(rel) || !filepath.IsLocal(rel) || bytes.Contains([]byte(rel), []byte("..")) && strings.Contains("/"+rel+"/", "/../") {
			t.Fatalf("cleanRel accepted %q", s)
		}
	})
}

// The reference host is served only when the configuration names it (the
// tests and the bench), never by default (cmd/serve).
func TestRefHostOnlyWhenConfigured(t *testing.T) {
	f := newFixture(t)
	f.refuses(t, "reference", "/refhost/", "/refhost/refhost.js")

	ref := filepath.Join(t.TempDir(), "refhost")
	write(t, filepath.Join(ref, "index.html"), "<!doctype html><title>reference host</title>")
	write(t, filepath.Join(ref, "refhost.js"), "// reference")
	write(t, filepath.Join(ref, ".hidden"), "h")
	h, err := NewHandler(Config{Dir: f.dir, RefHost: ref})
	require.NoError(t, err)
	f.h = h
	for p, want := range map[string]string{"/refhost/": "reference host", "/refhost/refhost.js": "// reference", "/": "Linux/Wasm"} {
		resp := f.do(t, "GET", p, nil)
		require.Equal(t, 200, resp.StatusCode, p)
		assert.Equal(t, "same-origin", resp.Header.Get("Cross-Origin-Opener-Policy"), p)
		assert.Contains(t, body(t, resp), want, p)
		if p != "/" {
			assert.Equal(t, "max-age=600", resp.Header.Get("Cache-Control"), "reused without revalidation, as the original's files were")
		}
	}
	f.refuses(t, "h", "/refhost/.hidden", "/refhost/../index.html")

	_, err = NewHandler(Config{Dir: f.dir, RefHost: filepath.Join(ref, "missing")})
	require.Error(t, err, "a named reference host directory that is not there")
}
