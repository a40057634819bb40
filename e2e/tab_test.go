//go:build !js

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/inspector"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// pollInterval is how often waits re-check the page (explicit: chromedp's
// default polls on animation frames).
const pollInterval = 100 * time.Millisecond

// reportBinding is a CDP binding the injected listener calls with CSP
// violations; it survives navigations and reports at once.
const reportBinding = "__gohostE2EReport"

// cspListener runs in every document before the page's scripts (CDP-injected
// scripts are not subject to the page's CSP).
const cspListener = `document.addEventListener('securitypolicyviolation', (e) => {
  try {
    globalThis.` + reportBinding + `(JSON.stringify({kind: 'csp', directive: e.violatedDirective,
      blocked: e.blockedURI, source: e.sourceFile + ':' + e.lineNumber, sample: e.sample}));
  } catch (_) {}
}, true);`

// Tab is one browser tab with its own deadline. Problems seen in it
// (uncaught exceptions, console errors, CSP violations, a renderer crash)
// are collected; uncaught exceptions, CSP violations and crashes fail the
// test at its end unless allowed.
type Tab struct {
	t    *testing.T
	ctx  context.Context // the tab, with the test's deadline
	base context.Context // the tab, without deadline

	mu            sync.Mutex
	exceptions    []string
	consoleErrors []string
	csp           []string
	crashed       bool
	// workers are the tab's dedicated workers as the browser itself sees
	// them (chromedp auto-attaches to a page's workers: attached when the
	// browser starts one, detached when it ends), by session; workersSeen
	// counts every one ever attached. The host cannot make a worker it
	// forgot but never terminated disappear from here.
	workers     map[target.SessionID]string
	workersSeen int

	// AllowConsoleErrors matches console/log errors that are expected (e.g.
	// the 404 of a probe for a missing kernel). Others are only logged.
	AllowConsoleErrors *regexp.Regexp
}

// newTab opens a tab in the shared browser; it is closed (and, if the test
// failed, screenshotted) when the test ends.
func newTab(t *testing.T, timeout time.Duration) *Tab {
	t.Helper()
	return newTabIn(t, browserCtx, timeout)
}

// newTabIn is newTab in a given browser (see ownBrowser).
func newTabIn(t *testing.T, browser context.Context, timeout time.Duration) *Tab {
	t.Helper()
	if browser == nil {
		t.Skip("no browser")
	}
	base, cancelTab := chromedp.NewContext(browser)
	ctx, cancelTimeout := context.WithTimeout(base, timeout)
	tab := &Tab{t: t, ctx: ctx, base: base}
	if err := chromedp.Listen(base, tab.onEvent); err != nil {
		cancelTimeout()
		cancelTab()
		t.Fatalf("open tab: %v", err)
	}
	err := chromedp.Do(base, func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		if _, err := cdp.Call(ctx, tg, runtime.AddBinding, runtime.AddBindingParams{Name: reportBinding}); err != nil {
			return chromedp.Void{}, err
		}
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: cspListener})
		return chromedp.Void{}, err
	})
	if err != nil {
		cancelTimeout()
		cancelTab()
		t.Fatalf("set up tab: %v", err)
	}
	t.Cleanup(func() {
		tab.checkProblems()
		if t.Failed() {
			tab.screenshot()
		}
		cancelTimeout()
		cancelTab()
	})
	return tab
}

func (tab *Tab) onEvent(ev any) {
	tab.mu.Lock()
	defer tab.mu.Unlock()
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			msg += " " + d.Exception.Description
		}
		tab.exceptions = append(tab.exceptions, fmt.Sprintf("%s (%s:%d)", msg, d.URL, d.LineNumber+1))
	case *runtime.EventConsoleAPICalled:
		if ev.Type == "error" || ev.Type == "assert" {
			var parts []string
			for _, a := range ev.Args {
				if a.Value != nil {
					parts = append(parts, string(a.Value))
				} else {
					parts = append(parts, a.Description)
				}
			}
			tab.consoleErrors = append(tab.consoleErrors, "console."+string(ev.Type)+": "+strings.Join(parts, " "))
		}
	case *cdplog.EventEntryAdded:
		e := ev.Entry
		if e.Level == cdplog.EntryLevelError {
			tab.consoleErrors = append(tab.consoleErrors, fmt.Sprintf("log %s: %s %s", e.Source, e.Text, e.URL))
			if strings.Contains(e.Text, "Content Security Policy") {
				tab.csp = append(tab.csp, e.Text)
			}
		}
	case *runtime.EventBindingCalled:
		if ev.Name == reportBinding {
			tab.csp = append(tab.csp, ev.Payload)
		}
	case *inspector.EventTargetCrashed:
		tab.crashed = true
	case *target.EventAttachedToTarget:
		if ev.TargetInfo != nil && ev.TargetInfo.Type == "worker" {
			if tab.workers == nil {
				tab.workers = map[target.SessionID]string{}
			}
			tab.workers[ev.SessionID] = ev.TargetInfo.Title
			tab.workersSeen++
		}
	case *target.EventDetachedFromTarget:
		delete(tab.workers, ev.SessionID)
	}
}

// liveWorkers is how many of the tab's dedicated workers the browser still
// runs, and how many it has started in all.
func (tab *Tab) liveWorkers() (live, seen int) {
	tab.mu.Lock()
	defer tab.mu.Unlock()
	return len(tab.workers), tab.workersSeen
}

// checkProblems fails the test on uncaught exceptions, CSP violations, a
// renderer crash and calls of released Go callbacks; other unexpected console
// errors are logged.
func (tab *Tab) checkProblems() {
	tab.mu.Lock()
	defer tab.mu.Unlock()
	for _, e := range tab.exceptions {
		tab.t.Errorf("uncaught exception in page: %s", e)
	}
	for _, v := range tab.csp {
		tab.t.Errorf("CSP violation: %s", v)
	}
	if tab.crashed {
		tab.t.Errorf("renderer crashed")
	}
	for _, e := range tab.consoleErrors {
		if strings.Contains(e, "call to released function") {
			// Go's syscall/js says this when JS calls a js.Func the host
			// already released: a callback lost, whatever the test checks.
			tab.t.Errorf("the host released a callback that was still called: %s", e)
			continue
		}
		if tab.AllowConsoleErrors != nil && tab.AllowConsoleErrors.MatchString(e) {
			continue
		}
		tab.t.Logf("console error: %s", e)
	}
}

// CSPViolations returns the violations seen so far.
func (tab *Tab) CSPViolations() []string {
	tab.mu.Lock()
	defer tab.mu.Unlock()
	return append([]string(nil), tab.csp...)
}

func (tab *Tab) screenshot() {
	ctx, cancel := tab.ctxForCleanup()
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tab.t.Logf("screenshot: %v", err)
		return
	}
	saveScreenshot(tab.t, buf)
}

// saveScreenshot writes a failed test's screenshot into artifactDir, named
// after the test.
func saveScreenshot(t *testing.T, png []byte) {
	if err := os.MkdirAll(artifactDir, 0o755); err != nil {
		t.Logf("screenshot: %v", err)
		return
	}
	name := filepath.Join(artifactDir, regexp.MustCompile(`[^A-Za-z0-9_.-]+`).ReplaceAllString(t.Name(), "_")+".png")
	if err := os.WriteFile(name, png, 0o644); err != nil {
		t.Logf("screenshot: %v", err)
		return
	}
	t.Logf("screenshot saved to %s", name)
}

// ctxForCleanup gives late work (screenshots, diagnostics) a few seconds
// even when the test's deadline has passed; the tab itself stays open until
// the test's cleanup.
func (tab *Tab) ctxForCleanup() (context.Context, context.CancelFunc) {
	return context.WithTimeout(tab.base, 5*time.Second)
}

// pageURL makes the URL of a page on the dev server with parameters.
func pageURL(path string, params url.Values) string {
	u := baseURL + path
	if len(params) > 0 {
		u += "?" + params.Encode()
	}
	return u
}

// Navigate opens path (with URL parameters) and waits for the load event.
func (tab *Tab) Navigate(path string, params url.Values) {
	tab.t.Helper()
	if err := chromedp.Do(tab.ctx, chromedp.Navigate(pageURL(path, params))); err != nil {
		tab.t.Fatalf("navigate %s: %v", path, err)
	}
}

// Eval evaluates a JavaScript expression in the tab and decodes its value.
func Eval[T any](tab *Tab, expr string) T {
	tab.t.Helper()
	v, err := chromedp.Run(tab.ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		tab.t.Fatalf("eval %s: %v", expr, err)
	}
	return v
}

// WaitJS polls a JavaScript predicate every pollInterval until it is truthy
// or timeout passes.
func (tab *Tab) WaitJS(what, predicate string, timeout time.Duration) {
	tab.t.Helper()
	_, err := chromedp.Run(tab.ctx, chromedp.Poll[chromedp.Void](predicate,
		chromedp.WithPollingInterval(pollInterval), chromedp.WithPollingTimeout(timeout)))
	if err != nil {
		tab.t.Fatalf("waiting for %s: %v\npage text:\n%s", what, err, tab.textOr(pageTextJS))
	}
}

const (
	// terminalTextJS reads the whole terminal buffer (scrollback included).
	terminalTextJS = `(() => {
  const p = globalThis.linuxWasmPage; if (!p || !p.term) return '';
  const b = p.term.buffer.active, out = [];
  for (let i = 0; i < b.length; i++) { const l = b.getLine(i); if (l) out.push(l.translateToString(true)); }
  return out.join('\n').replace(/\n+$/, '');
})()`
	// pageTextJS is the visible text of the page outside the terminal.
	pageTextJS = `document.body.innerText`
)

func (tab *Tab) textOr(expr string) string {
	ctx, cancel := tab.ctxForCleanup()
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		return "(unavailable: " + err.Error() + ")"
	}
	return s
}

// TerminalText returns the terminal's text.
func (tab *Tab) TerminalText() string { return Eval[string](tab, terminalTextJS) }

// WaitText waits until the page text (where == "page") or the terminal
// (where == "terminal") matches re.
func (tab *Tab) WaitText(where string, re *regexp.Regexp, timeout time.Duration) {
	tab.t.Helper()
	src := pageTextJS
	if where == "terminal" {
		src = terminalTextJS
	}
	pattern, _ := json.Marshal(re.String())
	tab.WaitJS(fmt.Sprintf("%s text /%s/", where, re), fmt.Sprintf("new RegExp(%s).test(%s)", pattern, src), timeout)
}

// Type sends text to the machine as if typed in the terminal (through the
// terminal, so it takes the same path as keyboard input).
func (tab *Tab) Type(text string) {
	tab.t.Helper()
	s, _ := json.Marshal(text)
	Eval[chromedp.Void](tab, fmt.Sprintf("globalThis.linuxWasmPage.term.input(%s, true)", s))
}

// Action is one step of a page case.
type Action func(tab *Tab)

// TypeLine types text followed by Enter.
func TypeLine(text string) Action { return func(tab *Tab) { tab.Type(text + "\r") } }

// ExpectTerminal waits for re in the terminal.
func ExpectTerminal(re string, timeout time.Duration) Action {
	return func(tab *Tab) { tab.WaitText("terminal", regexp.MustCompile(re), timeout) }
}

// ExpectPage waits for re in the page text (outside the terminal).
func ExpectPage(re string, timeout time.Duration) Action {
	return func(tab *Tab) { tab.WaitText("page", regexp.MustCompile(re), timeout) }
}

// pageCase is one row of a table of page tests: open the page with params,
// wait for expect in the page text or terminal, then run the actions.
type pageCase struct {
	name    string
	params  url.Values
	timeout time.Duration  // whole-test deadline; default 60s
	expect  *regexp.Regexp // after load, in page text (or terminal, see where)
	where   string         // "page" (default) or "terminal"
	actions []Action
	// needsConformance skips the case when the conformance kernel is not built.
	needsConformance bool
	// allowConsole lists expected console errors (e.g. 404 probes).
	allowConsole *regexp.Regexp
}

func runPageCases(t *testing.T, cases []pageCase) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.needsConformance {
				needConformance(t)
			}
			timeout := c.timeout
			if timeout == 0 {
				timeout = 60 * time.Second
			}
			tab := newTab(t, timeout)
			tab.AllowConsoleErrors = c.allowConsole
			tab.Navigate("/", c.params)
			if c.expect != nil {
				where := c.where
				if where == "" {
					where = "page"
				}
				tab.WaitText(where, c.expect, timeout)
			}
			for _, a := range c.actions {
				a(tab)
			}
		})
	}
}
