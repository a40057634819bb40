//go:build !js

package e2e

// The soak test (make soak; GOHOST_SOAK=15m): for the given duration, boot
// the conformance kernel with every scenario again and again through
// gohost.reboot(), and type into its input scenario in chunks. Every
// iteration must pass every check, echo every typed byte once and in order,
// answer each chunk within inputAnswer, and keep the worker count and the
// renderer's memory within the bounds below. The figures are printed at the
// end.
//
// The conformance kernel has no long-running busy mode; each boot is a burst
// of task switches, task creation and release, SMP bring-up, user programs
// and console traffic both ways, and the reboots add the host's own
// teardown and rebuild to what is soaked.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/heapprofiler"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/linuxwasm/gohost/internal/browsertest"
)

const (
	// soakMaxWorkers bounds status().workers after each boot: the boot
	// creates a few dozen short tasks; the pool keeps DefaultPoolFloor spare.
	soakMaxWorkers = 64
	// soakMaxPSSGrowth bounds the renderer's PSS growth over the value
	// after the first iteration (a leak of one machine per reboot — its
	// 512 MiB memory reservation, its workers — would exceed it quickly).
	soakMaxPSSGrowth = 384 << 20
	// inputAnswer is how long the kernel may take to echo a typed chunk.
	inputAnswer = 10 * time.Second
	// soakIterLimit bounds one iteration (boot, typing, all scenarios).
	soakIterLimit = 5 * time.Minute
)

type soakIter struct {
	boot, total       time.Duration
	checks            int
	workers, tasks    int
	pss               int64
	maxEcho           time.Duration
	bytesIn, bytesOut int
}

func TestSoak(t *testing.T) {
	spec := os.Getenv("GOHOST_SOAK")
	if spec == "" {
		t.Skip("soak test: set GOHOST_SOAK to a duration (make soak SOAK=15m)")
	}
	dur, err := time.ParseDuration(spec)
	require.NoError(t, err, "GOHOST_SOAK")
	if !hasConformance {
		t.Fatal("conformance kernel not built (make conformance)")
	}
	// GOHOST_SOAK_ALLOW (a regexp) tolerates known-flaky CONF checks: they
	// are logged and counted in the summary instead of failing the run.
	var allow *regexp.Regexp
	if a := os.Getenv("GOHOST_SOAK_ALLOW"); a != "" {
		allow = regexp.MustCompile(a)
	}
	var tolerated []string
	browserPID := chromedp.FromContext(browserCtx).Browser.Process().Pid

	mainTab := newTab(t, dur+15*time.Minute)
	cmdline := conformanceCmdline(t, "all", "input_until=7e", "input_timeout=120")
	rng := rand.New(rand.NewPCG(7, uint64(time.Now().UnixNano())))
	var iters []soakIter
	start := time.Now()
	for i := 0; i == 0 || time.Since(start) < dur; i++ {
		var it soakIter
		t0 := time.Now()
		// Every iteration has a hard deadline: a page whose main thread
		// freezes never answers the in-page polls, so their own timeouts
		// would not fire.
		iterCtx, cancelIter := context.WithTimeout(mainTab.ctx, soakIterLimit)
		tab := &Tab{t: t, ctx: iterCtx, base: mainTab.base}
		if i == 0 {
			tab.Navigate("/", conformanceParams(cmdline))
		} else {
			msg := Eval[string](tab, `gohost.reboot().then(() => 'ok', (e) => String(e && e.message))`)
			require.Equal(t, "ok", msg, "iteration %d: reboot", i)
		}
		tab.WaitJS("the input prompt", `globalThis.gohost && /CONF input ready until=/.test(gohost.output())`, 3*time.Minute)
		it.boot = time.Since(t0)

		// Type 3-8 chunks of printable ASCII (no '~', the terminator), each
		// echoed before the next; the echo must be a prefix of what was sent
		// at every step (nothing lost, duplicated or reordered).
		var sent strings.Builder
		for c, n := 0, 3+rng.IntN(6); c < n; c++ {
			chunk := make([]byte, 1+rng.IntN(48))
			for k := range chunk {
				chunk[k] = byte(0x20 + rng.IntN(0x7e-0x20))
			}
			sent.Write(chunk)
			want := fmt.Sprintf("%x", sent.String())
			t1 := time.Now()
			Eval[any](tab, fmt.Sprintf(`gohost.input(%s), null`, jsString(string(chunk))))
			for {
				got := faultEchoed(Eval[string](tab, `gohost.output()`))
				if !strings.HasPrefix(want, got) {
					t.Fatalf("iteration %d: echo %q is not a prefix of what was typed %q", i, got, want)
				}
				if got == want {
					break
				}
				if time.Since(t1) > inputAnswer {
					t.Fatalf("iteration %d: the console stopped answering: %d of %d bytes echoed after %v%s", i, len(got)/2, len(want)/2, inputAnswer,
						stallReport(t, tab, "the console stopped answering"))
				}
				time.Sleep(20 * time.Millisecond)
			}
			if d := time.Since(t1); d > it.maxEcho {
				it.maxEcho = d
			}
			time.Sleep(time.Duration(rng.IntN(1500)) * time.Millisecond)
		}
		Eval[any](tab, `gohost.input('~'), null`)
		tab.WaitJS("CONF DONE", `/CONF DONE \d+ \d+/.test(gohost.output())`, 3*time.Minute)
		out := Eval[string](tab, `gohost.output()`)
		fails := confFail.FindAllString(out, -1)
		for _, f := range fails {
			if allow != nil && allow.MatchString(f) {
				t.Logf("iteration %d: tolerated (GOHOST_SOAK_ALLOW): %s", i, f)
				tolerated = append(tolerated, fmt.Sprintf("iteration %d: %s", i, f))
				continue
			}
			t.Errorf("iteration %d: %s", i, f)
		}
		m := confDone.FindStringSubmatch(out)
		require.NotNil(t, m)
		if nf, _ := strconv.Atoi(m[2]); nf != 0 && (allow == nil || t.Failed() || nf != len(fails)) {
			t.Fatalf("iteration %d: %s", i, m[0])
		}
		if got, want := faultEchoed(out), fmt.Sprintf("%x", sent.String()+"~"); got != want {
			t.Fatalf("iteration %d: echoed %s, typed %s", i, got, want)
		}
		it.checks, _ = strconv.Atoi(m[1])
		st := Eval[map[string]float64](tab, `(() => { const s = gohost.status(); return {workers: s.workers, tasks: s.tasks, in: s.consoleIn, out: s.consoleOut}; })()`)
		it.workers, it.tasks = int(st["workers"]), int(st["tasks"])
		it.bytesIn, it.bytesOut = int(st["in"]), int(st["out"])
		if it.workers > soakMaxWorkers {
			t.Fatalf("iteration %d: %d workers after the boot, more than %d", i, it.workers, soakMaxWorkers)
		}
		if st, _ := Eval[map[string]any](tab, `gohost.status()`)["stage"].(string); st != "running" && st != "ready" {
			t.Fatalf("iteration %d: stage %q", i, st)
		}
		// Collect the page's garbage first so the figure is live memory,
		// not what the collector has not got round to (stopped machines).
		if err := chromedp.Do(tab.ctx, func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			_, err := cdp.Call(ctx, tg, heapprofiler.CollectGarbage, cdp.Empty{})
			return chromedp.Void{}, err
		}); err != nil {
			t.Logf("collect garbage: %v", err)
		}
		it.pss = soakRendererPSS(t, browserPID)
		it.total = time.Since(t0)
		iters = append(iters, it)
		cancelIter()
		t.Logf("iteration %d: boot %v, total %v, %d checks, workers %d, tasks %d, echo max %v, console in %d out %d, renderer PSS %.1f MiB",
			i, it.boot.Round(time.Millisecond), it.total.Round(time.Millisecond), it.checks, it.workers, it.tasks,
			it.maxEcho.Round(time.Millisecond), it.bytesIn, it.bytesOut, float64(it.pss)/(1<<20))
		if base := iters[0].pss; base > 0 && it.pss-base > soakMaxPSSGrowth {
			t.Fatalf("iteration %d: renderer PSS %.1f MiB, %.1f MiB more than after the first boot (bound %d MiB)",
				i, float64(it.pss)/(1<<20), float64(it.pss-base)/(1<<20), soakMaxPSSGrowth>>20)
		}
	}
	soakSummary(t, iters, time.Since(start))
	fmt.Printf("SOAK tolerated failures (GOHOST_SOAK_ALLOW=%q): %d\n", os.Getenv("GOHOST_SOAK_ALLOW"), len(tolerated))
	for _, f := range tolerated {
		fmt.Printf("SOAK   %s\n", f)
	}
}

func soakSummary(t *testing.T, iters []soakIter, total time.Duration) {
	durs := func(f func(soakIter) time.Duration) (min, med, max time.Duration) {
		v := make([]time.Duration, len(iters))
		for i, it := range iters {
			v[i] = f(it)
		}
		sort.Slice(v, func(a, b int) bool { return v[a] < v[b] })
		return v[0], v[len(v)/2], v[len(v)-1]
	}
	bmin, bmed, bmax := durs(func(it soakIter) time.Duration { return it.boot })
	emin, emed, emax := durs(func(it soakIter) time.Duration { return it.maxEcho })
	maxW, checks := 0, 0
	var typed int
	minP, maxP := iters[0].pss, iters[0].pss
	for _, it := range iters {
		maxW = max(maxW, it.workers)
		checks += it.checks
		typed += it.bytesIn
		minP, maxP = min(minP, it.pss), max(maxP, it.pss)
	}
	last := iters[len(iters)-1]
	fmt.Printf("SOAK %v: %d boots (conf=all + input echo), %d checks passed, %d bytes typed and echoed in order\n",
		total.Round(time.Second), len(iters), checks, typed)
	fmt.Printf("SOAK boot to input prompt: min %v, median %v, max %v\n", bmin.Round(time.Millisecond), bmed.Round(time.Millisecond), bmax.Round(time.Millisecond))
	fmt.Printf("SOAK slowest echo per boot: min %v, median %v, max %v (bound %v)\n", emin.Round(time.Millisecond), emed.Round(time.Millisecond), emax.Round(time.Millisecond), inputAnswer)
	fmt.Printf("SOAK workers after boot: max %d, last %d (bound %d)\n", maxW, last.workers, soakMaxWorkers)
	fmt.Printf("SOAK renderer PSS: first %.1f MiB, min %.1f, max %.1f, last %.1f (bound: first + %d MiB)\n",
		float64(iters[0].pss)/(1<<20), float64(minP)/(1<<20), float64(maxP)/(1<<20), float64(last.pss)/(1<<20), soakMaxPSSGrowth>>20)
}

// soakRendererPSS sums the proportional set size of the browser's renderer
// processes (the page and its dedicated workers live there); 0 where /proc
// is not available.
func soakRendererPSS(t *testing.T, browserPID int) int64 {
	pss, err := browsertest.RendererPSS(browserPID)
	if err != nil {
		return 0
	}
	var total int64
	for _, kb := range pss {
		total += kb << 10
	}
	return total
}
