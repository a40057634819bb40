//go:build !js

// Command wasmtest runs a GOOS=js GOARCH=wasm program (typically a test
// binary) in headless Chromium, like Go's go_js_wasm_exec does in Node.js:
//
//	GOOS=js GOARCH=wasm go test -exec="go run ./cmd/wasmtest" ./pkg
//
// The program runs on a cross-origin-isolated page (SharedArrayBuffer, wasm
// threads, Web Workers available), with its arguments and environment; its
// stdout and stderr are copied out and its exit code becomes ours. The
// module's www/ directory (found from the working directory upwards) is
// served at / so programs can start workers from it.
//
// Environment: CHROMIUM (default /usr/bin/chromium), WASMTEST_ROOT (static
// root instead of www/), WASMTEST_TIMEOUT (default 30m).
package main

import (
	"context"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/linuxwasm/gohost/internal/devserver"

	"github.com/linuxwasm/gohost/internal/browsertest"
)

//go:embed runner.js
var runnerJS []byte

const runnerHTML = `<!doctype html><meta charset="utf-8"><title>wasmtest</title>
<script src="/__wasmtest/wasm_exec.js"></script><script src="/__wasmtest/runner.js"></script>`

const (
	bindOut  = "__wasmtestOut"
	bindExit = "__wasmtestExit"
)

func main() {
	code, err := run(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "wasmtest:", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

func goroot() (string, error) {
	if r := os.Getenv("GOROOT"); r != "" {
		return r, nil
	}
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOROOT: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// staticRoot finds www/ beside the nearest go.mod above the working directory.
func staticRoot() string {
	if r := os.Getenv("WASMTEST_ROOT"); r != "" {
		return r
	}
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if st, err := os.Stat(filepath.Join(dir, "www")); err == nil && st.IsDir() {
				return filepath.Join(dir, "www")
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return os.TempDir()
		}
		dir = parent
	}
}

func run(args []string) (int, error) {
	if len(args) < 1 {
		return 2, fmt.Errorf("usage: wasmtest program.wasm [args...]")
	}
	wasmFile := args[0]
	root, err := goroot()
	if err != nil {
		return 1, err
	}
	wasmExec, err := os.ReadFile(filepath.Join(root, "lib", "wasm", "wasm_exec.js"))
	if err != nil {
		return 1, err
	}
	env := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	config, _ := json.Marshal(map[string]any{"argv": append([]string{"js"}, args[1:]...), "env": env})

	static, err := devserver.NewHandler(devserver.Config{Dir: staticRoot()})
	if err != nil {
		return 1, err
	}
	mux := http.NewServeMux()
	serve := func(ctype string, body []byte) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			devserver.SetCommonHeaders(w.Header())
			w.Header().Set("Content-Type", ctype)
			w.Write(body)
		}
	}
	mux.Handle("/__wasmtest/", serve("text/html; charset=utf-8", []byte(runnerHTML)))
	mux.Handle("/__wasmtest/runner.js", serve("text/javascript", runnerJS))
	mux.Handle("/__wasmtest/wasm_exec.js", serve("text/javascript", wasmExec))
	mux.Handle("/__wasmtest/config.json", serve("application/json", config))
	mux.HandleFunc("/__wasmtest/program.wasm", func(w http.ResponseWriter, r *http.Request) {
		devserver.SetCommonHeaders(w.Header())
		w.Header().Set("Content-Type", "application/wasm")
		http.ServeFile(w, r, wasmFile)
	})
	mux.Handle("/", static)
	base, stopServer, err := browsertest.Serve(mux)
	if err != nil {
		return 1, err
	}
	defer stopServer()

	timeout := 30 * time.Minute
	if s := os.Getenv("WASMTEST_TIMEOUT"); s != "" {
		if d, err := time.ParseDuration(s); err == nil {
			timeout = d
		}
	}
	userData, err := os.MkdirTemp("", "wasmtest-chromium-")
	if err != nil {
		return 1, err
	}
	defer os.RemoveAll(userData)
	exe := os.Getenv("CHROMIUM")
	if exe == "" {
		exe = "/usr/bin/chromium"
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), browsertest.Options(exe, userData)...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()

	type result struct {
		code int
		err  error
	}
	done := make(chan result, 1)
	finish := func(r result) {
		select {
		case done <- r:
		default:
		}
	}
	// Events arrive in order on one goroutine, so output written before
	// exit is copied before we return.
	if err := chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventBindingCalled:
			switch ev.Name {
			case bindOut:
				var m struct {
					FD   int    `json:"fd"`
					Data string `json:"data"`
				}
				if json.Unmarshal([]byte(ev.Payload), &m) != nil {
					return
				}
				b, _ := base64.StdEncoding.DecodeString(m.Data)
				if m.FD == 2 {
					os.Stderr.Write(b)
				} else {
					os.Stdout.Write(b)
				}
			case bindExit:
				code, err := strconv.Atoi(ev.Payload)
				if err != nil {
					code = 1
				}
				finish(result{code: code})
			}
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			finish(result{code: 1, err: fmt.Errorf("uncaught exception: %s", msg)})
		}
	}); err != nil {
		return 1, err
	}
	err = chromedp.Do(ctx,
		func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
			for _, name := range []string{bindOut, bindExit} {
				if _, err := cdp.Call(ctx, t, runtime.AddBinding, runtime.AddBindingParams{Name: name}); err != nil {
					return chromedp.Void{}, err
				}
			}
			return chromedp.Void{}, nil
		},
		chromedp.Navigate(base+"/__wasmtest/"),
	)
	if err != nil {
		return 1, fmt.Errorf("starting Chromium (%s): %w", exe, err)
	}
	select {
	case r := <-done:
		return r.code, r.err
	case <-time.After(timeout):
		return 1, fmt.Errorf("timed out after %v", timeout)
	}
}
