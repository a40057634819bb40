//go:build !js

package e2e

// Helpers shared by the page tests: a conformance tab with its event
// recorder, the self-test's result, element text and visibility.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/linuxwasm/gohost/e2e/conformance"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// recorderJS runs in every document before the page's scripts and
// subscribes to the host's events as soon as it announces itself (before the
// page's own listeners, which boot the machine), so the first boot's events
// are seen too. It also notes every text the status bar shows.
const recorderJS = `(() => {
  const rec = globalThis.__pf = {events: [], progressTexts: [], stageTexts: []};
  window.addEventListener('gohost-ready', () => {
    for (const type of ['stage', 'progress', 'log', 'error', 'stall']) {
      globalThis.gohost.on(type, (ev) => rec.events.push({type, ev: JSON.parse(JSON.stringify(ev))}));
    }
  }, {once: true});
  // Every text the status bar shows, however briefly.
  document.addEventListener('DOMContentLoaded', () => {
    for (const [id, list] of [['progress-text', rec.progressTexts], ['stage', rec.stageTexts]]) {
      const el = document.getElementById(id);
      if (!el) continue;
      new MutationObserver((records) => {
        for (const r of records) for (const n of r.addedNodes) list.push(n.textContent);
      }).observe(el, {childList: true, characterData: true, subtree: true});
    }
  });
})();`

type pfEvent struct {
	Type string          `json:"type"`
	Ev   json.RawMessage `json:"ev"`
}

type pfProgress struct {
	What   string `json:"what"`
	Loaded int    `json:"loaded"`
	Total  int    `json:"total"`
	Cached bool   `json:"cached"`
}

type pfStage struct {
	Stage  string `json:"stage"`
	Detail string `json:"detail"`
}

// cdpDo runs raw protocol commands against the tab.
func (tab *Tab) cdpDo(what string, f func(ctx context.Context, tg *chromedp.Target) error) {
	tab.t.Helper()
	if err := chromedp.Do(tab.ctx, chromedp.Func(f)); err != nil {
		tab.t.Fatalf("%s: %v", what, err)
	}
}

// recordEvents installs recorderJS for every later navigation of the tab.
func (tab *Tab) recordEvents() {
	tab.t.Helper()
	tab.cdpDo("install the event recorder", func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: recorderJS})
		return err
	})
}

func (tab *Tab) events() []pfEvent {
	tab.t.Helper()
	return Eval[[]pfEvent](tab, `globalThis.__pf ? globalThis.__pf.events : []`)
}

func progressEvents(t *testing.T, evs []pfEvent) []pfProgress {
	var out []pfProgress
	for _, e := range evs {
		if e.Type == "progress" {
			var p pfProgress
			require.NoError(t, json.Unmarshal(e.Ev, &p))
			out = append(out, p)
		}
	}
	return out
}

func stageEvents(t *testing.T, evs []pfEvent) []string {
	var out []string
	for _, e := range evs {
		if e.Type == "stage" {
			var s pfStage
			require.NoError(t, json.Unmarshal(e.Ev, &s))
			out = append(out, s.Stage)
		}
	}
	return out
}

// confTab opens a tab that records events and boots the conformance kernel
// with cmdline (plus any extra URL parameters).
func confTab(t *testing.T, timeout time.Duration, cmdline string, extra url.Values) *Tab {
	t.Helper()
	return confTabIn(t, browserCtx, timeout, cmdline, extra)
}

// confTabIn is confTab in a given browser (see ownBrowser).
func confTabIn(t *testing.T, browser context.Context, timeout time.Duration, cmdline string, extra url.Values) *Tab {
	t.Helper()
	needConformance(t)
	tab := newTabIn(t, browser, timeout)
	tab.recordEvents()
	params := conformanceParams(cmdline)
	for k, v := range extra {
		params[k] = v
	}
	tab.Navigate("/", params)
	return tab
}

// waitDone waits until the current boot's console output has CONF DONE.
func (tab *Tab) waitDone(timeout time.Duration) string {
	tab.t.Helper()
	tab.WaitJS("CONF DONE", `globalThis.gohost && /CONF DONE \d+ \d+/.test(gohost.output())`, timeout)
	return Eval[string](tab, `gohost.output()`)
}

func requireAllPassed(t *testing.T, out string) {
	t.Helper()
	for _, f := range confFail.FindAllString(out, -1) {
		t.Errorf("%s", f)
	}
	m := confDone.FindStringSubmatch(out)
	require.NotNil(t, m, "no CONF DONE in\n%s", out)
	require.Equal(t, "0", m[2], "failed checks:\n%s", out)
}

func pfText(tab *Tab, id string) string {
	tab.t.Helper()
	return Eval[string](tab, fmt.Sprintf(`document.getElementById(%q).textContent`, id))
}

func pfVisible(tab *Tab, id string) bool {
	tab.t.Helper()
	return Eval[bool](tab, fmt.Sprintf(`!document.getElementById(%q).hidden`, id))
}

func confFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := conformance.File(name)
	require.NoError(t, err)
	return b
}

// inOrder reports whether want occur in ss in this order (not necessarily
// next to each other).
func inOrder(ss []string, want ...string) bool {
	for _, s := range ss {
		if len(want) > 0 && s == want[0] {
			want = want[1:]
		}
	}
	return len(want) == 0
}

func pfCount(ss []string, s string) int {
	n := 0
	for _, x := range ss {
		if x == s {
			n++
		}
	}
	return n
}

// keys sends key presses to the focused element.
func (tab *Tab) keys(what, keys string, mods ...chromedp.Modifier) {
	tab.t.Helper()
	if err := chromedp.Do(tab.ctx, chromedp.KeyEvent(keys, chromedp.KeyModifiers(mods...))); err != nil {
		tab.t.Fatalf("%s: %v", what, err)
	}
}
