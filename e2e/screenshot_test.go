//go:build !js

package e2e

// The README's screenshot, made on request.

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

func TestDocsScreenshot(t *testing.T) {
	t.Run("DocsScreenshot", testDocsScreenshot)
}

// DocsScreenshot writes docs/screenshot.png (the README's picture) when
// GOHOST_DOCS_SCREENSHOT=1; otherwise it is skipped.
func testDocsScreenshot(t *testing.T) {
	if os.Getenv("GOHOST_DOCS_SCREENSHOT") != "1" {
		t.Skip("set GOHOST_DOCS_SCREENSHOT=1 to update docs/screenshot.png")
	}
	// Scenarios without deliberate traps (whose stack dumps the host logs).
	tab := confTab(t, 3*time.Minute, conformanceCmdline(t, "boot,console,clock,smp,switch,init,syscalls,clone,exec,signal,bigtable"), nil)
	requireAllPassed(t, tab.waitDone(150*time.Second))
	tab.cdpDo("viewport", func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: 1280, Height: 800, DeviceScaleFactor: 1})
		return err
	})
	time.Sleep(time.Second) // refit and a status refresh
	buf, err := chromedp.Run(tab.ctx, chromedp.CaptureScreenshot())
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Join("..", "docs"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join("..", "docs", "screenshot.png"), buf, 0o644))
}
