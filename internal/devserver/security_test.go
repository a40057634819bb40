package devserver

import (
	"bufio"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The conformance directory is a root of its own: symlinks and traversal
// out of it are refused like out of the page's root.
func TestConformanceRootEscapesRefused(t *testing.T) {
	f := newFixture(t)
	require.NoError(t, os.Symlink(f.outside, filepath.Join(f.conf, "escape.wasm")))
	require.NoError(t, os.Symlink(filepath.Dir(f.outside), filepath.Join(f.conf, "up")))
	require.NoError(t, os.Symlink(filepath.Join(f.dir, "index.html"), filepath.Join(f.conf, "www.html")))
	write(t, filepath.Join(f.conf, ".hidden"), "secret hidden")
	f.refuses(t, "secret",
		"/conformance/escape.wasm", "/conformance/up/secret.txt", "/conformance/www.html",
		"/conformance/../secret.txt", "/conformance/%2e%2e/secret.txt", "/conformance/.hidden",
		"/conformance/up/", "/conformance//vmlinux.wasm", "/conformance/vmlinux.wasm/")
	assert.Equal(t, 200, f.do(t, "GET", "/conformance/vmlinux.wasm", nil).StatusCode)
}

// Only the two named files are served from outside the root, and only at
// their exact URLs.
func TestNamedFilesOnlyAtTheirURLs(t *testing.T) {
	f := newFixture(t)
	f.refuses(t, "kernel",
		"/kernel/vmlinux.wasm/", "/kernel/vmlinux.wasm/..", "/kernel/../secret.txt", "/kernel/initramfs.cpio",
		"/kernel/VMLINUX.WASM", "/kernel//vmlinux.wasm", "/k/vmlinux.wasm", "/kernel")
}

// FuzzServePath sends arbitrary request paths through the handler: nothing
// outside the roots, no hidden file, and nothing but GET/HEAD answers is ever
// served; the handler never panics.
func FuzzServePath(f *testing.F) {
	for _, s := range []string{
		"/", "/index.html", "/sub/a.txt", "/../secret.txt", "/%2e%2e/secret.txt", "/sub/..%2f..%2fsecret.txt",
		"/.hidden", "/conformance/vmlinux.wasm", "/conformance/../secret.txt", "/kernel/vmlinux.wasm",
		"/kernel/../../secret.txt", "//secret.txt", "/sub%5c..%5c..%5csecret.txt", "/%00", "/index.html%00.txt",
		"/up/secret.txt", "/escape.txt",
	} {
		f.Add(s)
	}
	fx := fuzzHandler(f)
	f.Fuzz(func(t *testing.T, p string) {
		if !strings.HasPrefix(p, "/") {
			p = "/" + p
		}
		// Make it a request target the way a client would send it.
		target := strings.NewReplacer(" ", "%20", "?", "%3F", "#", "%23", "\r", "%0D", "\n", "%0A", "\t", "%09").Replace(p)
		req, err := safeRequest(target)
		if err != nil {
			return
		}
		rec := httptest.NewRecorder()
		fx.ServeHTTP(rec, req)
		resp := rec.Result()
		b, _ := io.ReadAll(resp.Body)
		if strings.Contains(string(b), "secret") {
			t.Fatalf("%q served outside content: %d %q", target, resp.StatusCode, b)
		}
		if resp.Header.Get("Cross-Origin-Embedder-Policy") != "require-corp" {
			t.Fatalf("%q: no COEP header", target)
		}
		if resp.StatusCode != 200 && resp.StatusCode != 404 && resp.StatusCode != 304 {
			t.Fatalf("%q: status %d", target, resp.StatusCode)
		}
	})
}

// safeRequest parses a GET request for target as the server would, or
// fails where net/http refuses it before any handler sees it.
func safeRequest(target string) (*http.Request, error) {
	return http.ReadRequest(bufio.NewReader(strings.NewReader("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")))
}

// fuzzHandler is a handler over a tree like the test fixture's, with a
// secret next to the roots, symlinks leading to it and a hidden file.
func fuzzHandler(f *testing.F) http.Handler {
	base := f.TempDir()
	dir, conf := filepath.Join(base, "www"), filepath.Join(base, "conf")
	files := map[string]string{
		filepath.Join(dir, "index.html"):         "<!doctype html>",
		filepath.Join(dir, "sub", "a.txt"):       "a",
		filepath.Join(dir, ".hidden"):            "secret hidden",
		filepath.Join(conf, "vmlinux.wasm"):      "\x00asm\x01\x00\x00\x00",
		filepath.Join(base, "secret.txt"):        "secret",
		filepath.Join(base, "k", "vmlinux.wasm"): "\x00asm\x01\x00\x00\x00kernel",
	}
	for name, data := range files {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			f.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
			f.Fatal(err)
		}
	}
	for link, to := range map[string]string{
		filepath.Join(dir, "escape.txt"): filepath.Join(base, "secret.txt"),
		filepath.Join(dir, "up"):         base,
		filepath.Join(conf, "up"):        base,
	} {
		if err := os.Symlink(to, link); err != nil {
			f.Fatal(err)
		}
	}
	h, err := NewHandler(Config{Dir: dir, Kernel: filepath.Join(base, "k", "vmlinux.wasm"), Conformance: conf})
	if err != nil {
		f.Fatal(err)
	}
	return h
}
