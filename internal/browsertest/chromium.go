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
	"os"
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
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), Options(exe, userData)...)
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
	return ctx, stop, nil
}

// BrowserPID is the browser process of a context made by StartChromium, or 0.
func BrowserPID(ctx context.Context) int {
	if c := chromedp.FromContext(ctx); c != nil && c.Browser != nil && c.Browser.Process() != nil {
		return c.Browser.Process().Pid
	}
	return 0
}
