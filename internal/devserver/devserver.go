// Package devserver is the HTTP handler behind cmd/serve: it serves the page
// (a static root), the kernel and initrd the user names, and optionally the
// conformance test kernel, with the headers Linux/Wasm needs (cross-origin
// isolation for SharedArrayBuffer, a Content-Security-Policy, application/wasm)
// and revalidating caching so a reload after a rebuild always gets new files.
//
// It is a package of its own so the e2e tests can run the same handler
// in-process.
package devserver

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/linuxwasm/gohost/e2e/conformance"
)

// Default URLs the page fetches when no kernel/initrd URL parameter is given.
const (
	KernelURL      = "/kernel/vmlinux.wasm"
	InitrdURL      = "/kernel/initramfs.cpio.gz"
	ConformanceURL = "/conformance/"
)

// CSP is the Content-Security-Policy of every response. xterm.js creates
// <style> elements and style attributes at run time, hence 'unsafe-inline' for
// styles only; scripts are 'self' plus 'wasm-unsafe-eval' (WebAssembly
// compilation), never inline or eval. connect-src admits HTTPS origins so a
// kernel or initramfs can come from another (CORS-enabled) HTTPS server, as
// the page's kernel=/initrd= parameters allow; plain-HTTP ones stay refused.
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; " +
	"style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self'; " +
	"connect-src 'self' https:; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Config says what to serve.
type Config struct {
	// Dir is the static root (the page). Required.
	Dir string
	// Kernel and Initrd are files served at KernelURL and InitrdURL. Empty
	// or missing files make those URLs 404; they are looked up per request,
	// so a kernel built after the server started is picked up.
	Kernel string
	Initrd string
	// Conformance, if non-empty and an existing directory, is served under
	// ConformanceURL.
	Conformance string
	// ConformanceReal, if non-empty, is a file served at RealKernelURL
	// (the conformance kernel padded to a real kernel's size, made by
	// e2e/conformance.RealKernelFile).
	ConformanceReal string
	// RefHost, if non-empty and an existing directory, is served under
	// RefHostURL: the reference host (e2e/refhost), test equipment modelling
	// the original JavaScript host. Only the e2e tests and cmd/bench set
	// it; cmd/serve never does, so users are never offered it.
	RefHost string
}

// RefHostURL is where Config.RefHost is served.
const RefHostURL = "/refhost/"

// RealKernelURL is where ConformanceReal is served.
const RealKernelURL = ConformanceURL + "vmlinux-real.wasm"

// compressible lists the extensions served gzip-encoded when the client
// accepts it.
var compressible = map[string]bool{
	".wasm": true, ".js": true, ".mjs": true, ".css": true, ".html": true,
	".json": true, ".map": true, ".svg": true, ".txt": true,
}

var contentTypes = map[string]string{
	".wasm": "application/wasm",
	".js":   "text/javascript; charset=utf-8",
	".mjs":  "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".html": "text/html; charset=utf-8",
	".json": "application/json",
	".map":  "application/json",
	".svg":  "image/svg+xml",
	".png":  "image/png",
	".ico":  "image/x-icon",
	".txt":  "text/plain; charset=utf-8",
	".gz":   "application/gzip",
	".cpio": "application/octet-stream",
}

// ContentType returns the media type served for a file name.
func ContentType(name string) string {
	ext := strings.ToLower(path.Ext(name))
	if t, ok := contentTypes[ext]; ok {
		return t
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "application/octet-stream"
}

type handler struct {
	root        *os.Root
	conformance *os.Root
	kernel      string
	initrd      string
	real        string // ConformanceReal
	refhost     *os.Root

	mu  sync.Mutex
	gz  map[string]*gzEntry // by file identity key
	key map[string]string   // path -> current gz key (to drop stale entries)
}

type gzEntry struct {
	once sync.Once
	data []byte
	err  error
}

// NewHandler returns the server's handler. It fails if cfg.Dir is not a
// directory; kernel, initrd and conformance paths are optional.
func NewHandler(cfg Config) (http.Handler, error) {
	root, err := os.OpenRoot(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("static root: %w", err)
	}
	h := &handler{
		root:   root,
		kernel: cfg.Kernel,
		initrd: cfg.Initrd,
		real:   cfg.ConformanceReal,
		gz:     map[string]*gzEntry{},
		key:    map[string]string{},
	}
	if cfg.Conformance != "" {
		if st, err := os.Stat(cfg.Conformance); err == nil && st.IsDir() {
			if r, err := os.OpenRoot(cfg.Conformance); err == nil {
				h.conformance = r
			}
		}
	}
	if cfg.RefHost != "" {
		r, err := os.OpenRoot(cfg.RefHost)
		if err != nil {
			return nil, fmt.Errorf("reference host: %w", err)
		}
		h.refhost = r
	}
	return h, nil
}

// HasConformance reports whether a handler made by NewHandler serves the
// conformance directory.
func HasConformance(h http.Handler) bool {
	hh, ok := h.(*handler)
	return ok && hh.conformance != nil
}

// SetCommonHeaders sets the headers every response of the dev server carries
// (cross-origin isolation, CSP, no-cache revalidation).
func SetCommonHeaders(hdr http.Header) { setCommonHeaders(hdr) }

func setCommonHeaders(hdr http.Header) {
	hdr.Set("Cross-Origin-Opener-Policy", "same-origin")
	hdr.Set("Cross-Origin-Embedder-Policy", "require-corp")
	hdr.Set("Cross-Origin-Resource-Policy", "same-origin")
	hdr.Set("Content-Security-Policy", CSP)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "no-referrer")
	// Revalidate every time (ETag/Last-Modified), never serve a stale build.
	hdr.Set("Cache-Control", "no-cache")
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	setCommonHeaders(w.Header())
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := r.URL.Path
	switch {
	case p == KernelURL:
		h.serveNamed(w, r, h.kernel, "no kernel: start the server with -kernel FILE")
		return
	case p == InitrdURL:
		h.serveNamed(w, r, h.initrd, "no initrd: start the server with -initrd FILE")
		return
	case p == RealKernelURL && h.real != "":
		h.serveNamed(w, r, h.real, "no padded conformance kernel")
		return
	case h.refhost != nil && strings.HasPrefix(p, RefHostURL):
		rel := strings.TrimPrefix(p, RefHostURL)
		if rel == "" {
			rel = "index.html"
		}
		// The original host's server sent a malformed Cache-Control, so the
		// browser reused its files (worker script included) without asking
		// again; the model gets the same, instead of a revalidation per
		// new Worker. Test servers start fresh browsers: nothing goes stale.
		w.Header().Set("Cache-Control", "max-age=600")
		h.serveRoot(w, r, h.refhost, "refhost:", rel)
		return
	case strings.HasPrefix(p, ConformanceURL):
		if h.conformance == nil {
			notFound(w)
			return
		}
		if p == ConformanceURL+conformance.SelfTestPath {
			h.serveSelfTest(w, r)
			return
		}
		h.serveRoot(w, r, h.conformance, "conformance:", strings.TrimPrefix(p, ConformanceURL))
		return
	}
	rel := strings.TrimPrefix(p, "/")
	if rel == "" {
		rel = "index.html"
	}
	h.serveRoot(w, r, h.root, "www:", rel)
}

// serveSelfTest answers with the conformance initramfs's description for
// the page's host self-test (conformance.InitrdDescription), computed from the
// file as it is now, so the kernel checks what it got against what the
// server has, not against what the host under test says it downloaded.
func (h *handler) serveSelfTest(w http.ResponseWriter, r *http.Request) {
	b, err := h.conformance.ReadFile("initramfs.cpio")
	if err != nil {
		notFound(w)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	body := conformance.InitrdDescription(b) + "\n"
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	io.WriteString(w, body)
}

func notFound(w http.ResponseWriter) {
	http.Error(w, "404 not found", http.StatusNotFound)
}

// cleanRel validates a slash-separated path relative to a root: no empty,
// "." or ".." segments, no hidden files, no backslashes or NULs.
func cleanRel(rel string) (string, bool) {
	if rel == "" || strings.ContainsAny(rel, "\\\x00") || strings.HasSuffix(rel, "/") {
		return "", false
	}
	for _, seg := range strings.Split(rel, "/") {
		if seg == "" || seg == "." || seg == ".." || strings.HasPrefix(seg, ".") {
			return "", false
		}
	}
	return rel, true
}

func (h *handler) serveRoot(w http.ResponseWriter, r *http.Request, root *os.Root, ns, rel string) {
	rel, ok := cleanRel(rel)
	if !ok {
		notFound(w)
		return
	}
	// os.Root refuses paths and symlinks that leave the root.
	f, err := root.Open(rel)
	if err != nil {
		notFound(w)
		return
	}
	defer f.Close()
	h.serveFile(w, r, f, ns+rel, rel)
}

func (h *handler) serveNamed(w http.ResponseWriter, r *http.Request, name, msg string) {
	if name == "" {
		http.Error(w, msg, http.StatusNotFound)
		return
	}
	f, err := os.Open(name)
	if err != nil {
		http.Error(w, msg, http.StatusNotFound)
		return
	}
	defer f.Close()
	h.serveFile(w, r, f, "named:"+name, path.Base(r.URL.Path))
}

func (h *handler) serveFile(w http.ResponseWriter, r *http.Request, f *os.File, id, name string) {
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		notFound(w)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", ContentType(name))
	tag := fmt.Sprintf("%x-%x", st.Size(), st.ModTime().UnixNano())
	mod := st.ModTime()

	if compressible[strings.ToLower(path.Ext(name))] {
		hdr.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r) {
			data, err := h.gzipped(id, tag, f)
			if err != nil {
				http.Error(w, "read error", http.StatusInternalServerError)
				return
			}
			hdr.Set("Content-Encoding", "gzip")
			hdr.Set("ETag", `"`+tag+`-gz"`)
			// The decoded size, for download progress (Content-Length is
			// the encoded size).
			hdr.Set("X-Decoded-Length", fmt.Sprint(st.Size()))
			http.ServeContent(w, r, "", mod, bytes.NewReader(data))
			return
		}
	}
	hdr.Set("ETag", `"`+tag+`"`)
	http.ServeContent(w, r, "", mod, f)
}

// acceptsGzip reports whether the request's Accept-Encoding allows gzip
// (q=0 refuses it).
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		fields := strings.Split(part, ";")
		coding := strings.ToLower(strings.TrimSpace(fields[0]))
		if coding != "gzip" && coding != "*" {
			continue
		}
		refused := false
		for _, param := range fields[1:] {
			param = strings.ReplaceAll(strings.TrimSpace(param), " ", "")
			if param == "q=0" || strings.HasPrefix(param, "q=0.0") && strings.Trim(param[4:], "0.") == "" {
				refused = true
			}
		}
		if !refused {
			return true
		}
	}
	return false
}

// gzipped returns the gzip encoding of f, cached by its identity (path, size,
// modification time) so a big kernel is compressed once per build.
func (h *handler) gzipped(id, tag string, f io.Reader) ([]byte, error) {
	key := id + "\x00" + tag
	h.mu.Lock()
	e := h.gz[key]
	if e == nil {
		if old, ok := h.key[id]; ok {
			delete(h.gz, old)
		}
		e = &gzEntry{}
		h.gz[key] = e
		h.key[id] = key
	}
	h.mu.Unlock()
	e.once.Do(func() {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
		if _, err := io.Copy(zw, f); err != nil {
			e.err = err
			return
		}
		e.err = zw.Close()
		e.data = buf.Bytes()
	})
	if e.err != nil {
		h.mu.Lock()
		if h.gz[key] == e {
			delete(h.gz, key)
		}
		h.mu.Unlock()
	}
	return e.data, e.err
}

// FileInfo is what Describe reports about a named file.
type FileInfo struct {
	Path   string
	Exists bool
	Size   int64
	Mod    time.Time
}

// Describe stats a named kernel/initrd file for the start-up message.
func Describe(name string) FileInfo {
	fi := FileInfo{Path: name}
	if name == "" {
		return fi
	}
	if st, err := os.Stat(name); err == nil && st.Mode().IsRegular() {
		fi.Exists, fi.Size, fi.Mod = true, st.Size(), st.ModTime()
	}
	return fi
}
