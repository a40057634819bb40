//go:build !js

// Command screenshot makes the README's picture, docs/screenshot.png: the
// page, served by the dev server's own handler, running the host self-test
// (the conformance kernel) in headless Chromium, once every check passed.
//
//	go run ./cmd/screenshot [-o docs/screenshot.png]   (make screenshot)
//
// Run it from the repository root after make build.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/linuxwasm/gohost/e2e/conformance"
	"github.com/linuxwasm/gohost/internal/browsertest"
	"github.com/linuxwasm/gohost/internal/devserver"
)

// scenarios: every one without deliberate traps (whose stack dumps the host
// shows in the terminal), so the picture shows the checks.
const scenarios = "boot,console,clock,smp,switch,init,syscalls,clone,exec,signal,bigtable"

func main() {
	log.SetFlags(0)
	log.SetPrefix("screenshot: ")
	if err := run(os.Args[1:]); err != nil {
		log.Fatal(err)
	}
}

func run(args []string) error {
	fl := flag.NewFlagSet("screenshot", flag.ContinueOnError)
	out := fl.String("o", filepath.Join("docs", "screenshot.png"), "where to write the PNG")
	chromium := fl.String("chromium", envOr("CHROMIUM", "/usr/bin/chromium"), "the browser")
	width := fl.Int("width", 1280, "viewport width (CSS pixels)")
	height := fl.Int("height", 800, "viewport height (CSS pixels)")
	timeout := fl.Duration("timeout", 3*time.Minute, "give up after")
	if err := fl.Parse(args); err != nil {
		return err
	}
	confDir := filepath.Join("e2e", "conformance", "testdata")
	initrd, err := os.ReadFile(filepath.Join(confDir, "initramfs.cpio"))
	if err != nil {
		return fmt.Errorf("the conformance kernel is not built (make conformance): %w", err)
	}
	if _, err := os.Stat(filepath.Join("www", "gohost.wasm")); err != nil {
		return errors.New("www/gohost.wasm is missing: run make build first")
	}
	h, err := devserver.NewHandler(devserver.Config{Dir: "www", Conformance: confDir})
	if err != nil {
		return err
	}
	base, stopServer, err := browsertest.Serve(h)
	if err != nil {
		return err
	}
	defer stopServer()

	ctx, stopBrowser, err := browsertest.StartChromium(*chromium)
	if err != nil {
		return err
	}
	defer stopBrowser()
	ctx, cancelTimeout := context.WithTimeout(ctx, *timeout)
	defer cancelTimeout()

	q := url.Values{
		"kernel":  {"/conformance/vmlinux.wasm"},
		"initrd":  {"/conformance/initramfs.cpio"},
		"cmdline": {"conf=" + scenarios + " maxcpus=3 " + conformance.InitrdDescription(initrd)},
	}
	page := base + "/?" + q.Encode()
	var verdict string
	err = chromedp.Do(ctx,
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: int64(*width), Height: int64(*height), DeviceScaleFactor: 1})
			return err
		}),
		chromedp.Navigate(page),
	)
	if err != nil {
		return err
	}
	verdict, err = chromedp.Run(ctx, chromedp.Poll[string](`(() => { const t = document.getElementById('stage').textContent; return /^Self-test (passed|failed)/.test(t) && t + ': ' + document.getElementById('conf-summary').textContent; })()`,
		chromedp.WithPollingInterval(200*time.Millisecond), chromedp.WithPollingTimeout(*timeout)))
	if err != nil {
		return fmt.Errorf("waiting for the self-test: %w", err)
	}
	if !strings.HasPrefix(verdict, "Self-test passed") {
		return fmt.Errorf("the self-test did not pass (%s): no picture of a failure", verdict)
	}
	time.Sleep(time.Second) // the terminal's refit and a status refresh
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(*out, png, 0o644); err != nil {
		return err
	}
	fmt.Printf("%s: %d bytes (%s)\n", *out, len(png), verdict)
	return nil
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
