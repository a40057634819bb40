//go:build !js

// Package browsertest is what the e2e tests, the benchmarks and the GOOS=js
// test runner share to drive a browser: the one way this project starts
// headless Chromium (a fresh profile, every background network feature off:
// on these machines Chromium otherwise stalls on look-ups that cannot
// succeed), a loopback server for the page, and the renderers' memory as
// the OS counts it.
package browsertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/chromedp"
)

// Options are the chromedp allocator options for Chromium at exe with the
// profile directory userData.
func Options(exe, userData string) []chromedp.ExecAllocatorOption {
	return []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(userData),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 900),
	}
}

// StartChromium starts headless Chromium at exe with a fresh profile and
// returns its browser context; stop closes the browser (and waits for its
// processes) and removes the profile.
func StartChromium(exe string) (ctx context.Context, stop func(), err error) {
	userData, err := os.MkdirTemp("", "gohost-chromium-")
	if err != nil {
		return nil, nil, err
	}
	// chromedp talks to the browser over a pipe; a loopback DevTools port
	// (random, announced in the profile's DevToolsActivePort file) lets a
	// second client in: the stack dump (internal/stackdump) attaches to
	// worker targets there, which chromedp's own connection cannot route.
	opts := append(Options(exe, userData), chromedp.ModifyCmdFunc(func(cmd *exec.Cmd) {
		cmd.Args = append(cmd.Args, "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1")
	}))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelBrowser := chromedp.NewContext(allocCtx)
	stop = func() {
		c, cancel := context.WithTimeout(ctx, 10*time.Second)
		_ = chromedp.Cancel(c)
		cancel()
		cancelBrowser()
		cancelAlloc()
		os.RemoveAll(userData)
	}
	// Start the browser now, with no deadline (one would bound its life).
	if err := chromedp.Do(ctx); err != nil {
		stop()
		return nil, nil, err
	}
	profiles.Store(chromedp.FromContext(ctx).Browser, userData)
	return ctx, stop, nil
}

// profiles maps each browser StartChromium started to its profile directory.
var profiles sync.Map

// DevToolsURL is the browser-level DevTools websocket address of a browser
// started by StartChromium (ctx: its context or a tab's).
func DevToolsURL(ctx context.Context) (string, error) {
	c := chromedp.FromContext(ctx)
	if c == nil || c.Browser == nil {
		return "", errors.New("browsertest: no browser in the context")
	}
	dir, ok := profiles.Load(c.Browser)
	if !ok {
		return "", errors.New("browsertest: the browser was not started by StartChromium")
	}
	// Chromium writes the file once its port is open: give it a moment.
	var b []byte
	var err error
	for i := 0; i < 50; i++ {
		if b, err = os.ReadFile(filepath.Join(dir.(string), "DevToolsActivePort")); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		return "", fmt.Errorf("browsertest: the DevTools port: %w", err)
	}
	port, path, ok := strings.Cut(strings.TrimSpace(string(b)), "\n")
	if !ok || port == "" || !strings.HasPrefix(path, "/devtools/browser/") {
		return "", fmt.Errorf("browsertest: DevToolsActivePort reads %q", b)
	}
	return "ws://127.0.0.1:" + port + path, nil
}

// BrowserPID is the browser process of a context made by StartChromium, or 0.
func BrowserPID(ctx context.Context) int {
	if c := chromedp.FromContext(ctx); c != nil && c.Browser != nil && c.Browser.Process() != nil {
		return c.Browser.Process().Pid
	}
	return 0
}
