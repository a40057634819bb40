//go:build !js

// Package headless holds the one way this project starts Chromium for tests
// and benchmarks: headless, with a fresh profile, and with every background
// network feature off (on these machines Chromium otherwise stalls on
// look-ups that cannot succeed).
package headless

import "github.com/chromedp/chromedp"

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
