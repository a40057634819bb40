//go:build !js

package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/linuxwasm/gohost/internal/browsertest"
	"github.com/linuxwasm/gohost/internal/devserver"
)

//go:embed probe.js
var probeJS string

// pollInterval is how often the harness looks at the page (explicit:
// chromedp's default polls on animation frames).
const pollInterval = 50 * time.Millisecond

// PageRun is what probe.js recorded during one page load, plus the host's
// status and the renderer memory when asked for.
type PageRun struct {
	T           map[string]float64 `json:"t"` // ms since navigation start
	Received    int64              `json:"received"`
	Handed      int64              `json:"handed"`
	Processed   int64              `json:"processed"`
	DoneAt      int64              `json:"doneAt"`
	Lines       []string           `json:"lines"`
	Fails       int                `json:"fails"`
	Errors      []string           `json:"errors"`
	Stages      []string           `json:"stages"`
	Inputs      int                `json:"inputs"`
	InputCallMs float64            `json:"inputCallMs"`
	Status      map[string]any     `json:"status"`
	Marks       map[string]float64 `json:"marks"` // the page's performance marks, ms since navigation start

	EvalResult float64 `json:"-"`
	PSSTotalKB int64   `json:"-"` // all renderers
	PSSPageKB  int64   `json:"-"` // the largest renderer (the page's)
	Renderers  int     `json:"-"`
}

// Bench values of the run's BENCH lines.
func (r *PageRun) Bench() map[string]float64 { return parseBench(r.Lines) }

// addPSS records the PSS (kB by process) of the page's processes, as
// browsertest's readers return it.
func (r *PageRun) addPSS(pss map[int]int64, err error) error {
	if err != nil {
		return err
	}
	for _, kb := range pss {
		r.PSSTotalKB += kb
		r.PSSPageKB = max(r.PSSPageKB, kb)
	}
	r.Renderers = len(pss)
	return nil
}

// failure is what went wrong in the page load: page errors, or failed
// conformance checks.
func (r *PageRun) failure() error {
	if len(r.Errors) > 0 {
		return errors.New(strings.Join(r.Errors, "; "))
	}
	if r.Fails > 0 {
		return fmt.Errorf("%d conformance checks failed: %v", r.Fails, r.Lines)
	}
	return nil
}

func (r *PageRun) statusInt(k string) int {
	if v, ok := r.Status[k].(float64); ok {
		return int(v)
	}
	return -1
}

// parseBench reads "BENCH <name> <value> <unit> n=<count>" lines; results
// with n=0 (the benchmark gave up) are left out.
func parseBench(lines []string) map[string]float64 {
	out := map[string]float64{}
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) != 5 || f[0] != "BENCH" || !strings.HasPrefix(f[4], "n=") {
			continue
		}
		v, err1 := strconv.ParseFloat(f[2], 64)
		n, err2 := strconv.Atoi(f[4][2:])
		if err1 != nil || err2 != nil || n == 0 {
			continue
		}
		out[f[1]] = v
	}
	return out
}

// PageOpts describes one page load.
type PageOpts struct {
	Cmdline   string
	PoolFloor int
	Stamps    bool   // answer BENCH-INPUT send lines with a stamped byte
	Xterm     bool   // also wait until xterm.js has processed every byte
	Memory    bool   // read renderer PSS once the pool holds PoolFloor idle workers
	Eval      string // a number-valued expression evaluated in the page after CONF DONE
	Timeout   time.Duration
	// Base and Kernel, when set, replace the page's server and the kernel
	// path (the A/B comparison serves two builds and a padded kernel).
	Base, Kernel string
	// Initrd, when set, replaces the initrd path (a 7.0 wasm64 kernel's
	// programs are in their own initramfs).
	Initrd string
	// Host is the page's host: HostGohost (the page, default) or HostRef
	// (the reference host, e2e/refhost: a model of the original JavaScript
	// host, the denominator of every "vs reference" figure).
	Host string
	// Then, when set, makes the page one that boots to a shell prompt: the
	// load waits for the prompt instead of CONF DONE, then Then runs in the
	// still open tab.
	Then func(eval Evaluator, r *PageRun) error
}

// Evaluator evaluates a JavaScript expression in the page, awaits it if it
// is a promise and decodes its value (through JSON) into out: the same in
// Chromium and Firefox.
type Evaluator func(js string, out any) error

// The hosts a page load can run.
const (
	HostGohost = ""
	HostRef    = "refhost"
)

// hostName is how tables and logs name a page's host.
func hostName(h string) string {
	if h == HostRef {
		return "reference"
	}
	return "gohost"
}

// runPage opens a fresh tab, loads the page on the conformance kernel with
// the given command line and pool floor, waits for CONF DONE, collects the
// probe's record and closes the tab.
func (b *Bench) runPage(o PageOpts) (*PageRun, error) {
	if b.ff != nil {
		return b.runPageFirefox(o)
	}
	tabCtx, cancelTab := chromedp.NewContext(b.browser)
	defer cancelTab()
	ctx, cancel := context.WithTimeout(tabCtx, o.Timeout)
	defer cancel()

	src := strings.NewReplacer("__POOL_FLOOR__", strconv.Itoa(o.PoolFloor),
		"__INPUT_STAMPS__", strconv.FormatBool(o.Stamps), "__SHELL__", strconv.FormatBool(o.Then != nil)).Replace(probeJS)
	err := chromedp.Do(ctx, func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: src})
		return chromedp.Void{}, err
	})
	if err != nil {
		return nil, fmt.Errorf("set up tab: %w", err)
	}
	pageURL, kernel := b.pageURL(o)
	if err := chromedp.Do(ctx, chromedp.Navigate(pageURL)); err != nil {
		return nil, fmt.Errorf("navigate: %w", err)
	}
	pred := donePredicate(o)
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](pred,
		chromedp.WithPollingInterval(pollInterval), chromedp.WithPollingTimeout(o.Timeout))); err != nil {
		// Bounded: a page whose main thread is stuck never answers.
		rctx, rcancel := context.WithTimeout(tabCtx, 10*time.Second)
		r, _ := readProbe(rctx, kernel)
		rcancel()
		if r != nil {
			return r, fmt.Errorf("waiting for CONF DONE: %w (received %d bytes, stages %v, lines %v)", err, r.Received, r.Stages, r.Lines)
		}
		return nil, fmt.Errorf("waiting for CONF DONE: %w", err)
	}
	if o.Memory {
		// The pool refills in the background: wait until it holds the floor
		// (or 30 s), then let the renderer settle before reading /proc. At
		// a shell prompt, both hosts are read as the user finds them: the
		// prompt plus the same settling time.
		if o.PoolFloor > 0 && o.Host == HostGohost && o.Then == nil {
			_, _ = chromedp.Run(ctx, chromedp.Poll[chromedp.Void](
				`(() => { const s = gohost.status(); return s.pool >= `+strconv.Itoa(o.PoolFloor)+`; })()`,
				chromedp.WithPollingInterval(pollInterval), chromedp.WithPollingTimeout(30*time.Second)))
		}
		time.Sleep(1500 * time.Millisecond)
	}
	r, err := readProbe(ctx, kernel)
	if err != nil {
		return nil, err
	}
	if o.Eval != "" {
		if r.EvalResult, err = chromedp.Run(ctx, chromedp.Evaluate[float64](o.Eval)); err != nil {
			return nil, fmt.Errorf("evaluate %s: %w", o.Eval, err)
		}
	}
	if o.Memory {
		if err := r.addPSS(browsertest.RendererPSS(b.browserPID)); err != nil {
			return nil, err
		}
	}
	if err := r.failure(); err != nil {
		return r, err
	}
	if o.Then != nil {
		eval := func(js string, out any) error {
			v, err := chromedp.Run(ctx, chromedp.Evaluate[json.RawMessage](js, chromedp.EvalAwaitPromise))
			if err != nil {
				return err
			}
			return json.Unmarshal(v, out)
		}
		if err := o.Then(eval, r); err != nil {
			return r, err
		}
	}
	return r, nil
}

// pageURL is the address of o's page load and the kernel path it boots.
func (b *Bench) pageURL(o PageOpts) (pageURL, kernel string) {
	base, kernel, initrd := b.baseURL, "/conformance/vmlinux.wasm", "/conformance/initramfs.cpio"
	if o.Base != "" {
		base = o.Base
	}
	if o.Kernel != "" {
		kernel = o.Kernel
	}
	if o.Initrd != "" {
		initrd = o.Initrd
	}
	q := url.Values{
		"kernel":  {kernel},
		"initrd":  {initrd},
		"cmdline": {o.Cmdline},
	}
	page := "/"
	if o.Host == HostRef {
		page = devserver.RefHostURL
	}
	return base + page + "?" + q.Encode(), kernel
}

// donePredicate is the expression that turns true when o's page load is
// over: CONF DONE, the shell prompt (Then), xterm.js caught up (Xterm), or
// an error.
func donePredicate(o PageOpts) string {
	cond := `'done' in b.t`
	if o.Then != nil {
		cond = `'prompt' in b.t`
	} else if o.Xterm {
		cond = `'xtermDone' in b.t`
	}
	return `(() => { const b = globalThis.__bench; return !!b && (b.errors.length > 0 || ` + cond + `); })()`
}

// readProbe reads probe.js's record, with the boot's waterfall (the kernel
// found in Resource Timing by its path).
func readProbe(ctx context.Context, kernel string) (*PageRun, error) {
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		fmt.Sprintf(`JSON.stringify(globalThis.__bench ? __bench.collect(%q) : {})`, kernel)))
	if err != nil {
		return nil, fmt.Errorf("read probe: %w", err)
	}
	var r PageRun
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		return nil, fmt.Errorf("read probe: %w", err)
	}
	return &r, nil
}
