//go:build !js

// Command bench is `make bench`: it serves the page and the conformance
// kernel in-process on a loopback port, drives headless Chromium through
// chromedp over the conformance kernel's benchmark scenarios and the page
// itself, repeats every measurement, and prints a table (median and spread)
// and writes cmd/bench/results.json. See cmd/bench/README.md.
package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/linuxwasm/gohost/e2e/conformance"
	"github.com/linuxwasm/gohost/e2e/refhost"
	"github.com/linuxwasm/gohost/internal/browsertest"
	"github.com/linuxwasm/gohost/internal/devserver"
	"github.com/linuxwasm/gohost/internal/firefox"
)

// Bench holds the browser and server of one `make bench` run.
type Bench struct {
	browser    context.Context
	browserPID int
	baseURL    string
	initrd     []byte
	confDir    string // the conformance kernel's directory (its 7.0 kinds' initrds)
	samples    map[string][]float64
	notes      []string
	ff         *firefox.Browser // set: the pages run in Firefox (browsers.go)
}

func main() {
	n := flag.Int("n", 5, "repetitions of every measurement")
	heavyN := flag.Int("heavy-n", -1, "repetitions of the no-pool create/cpuup/forkexec run (default: -n)")
	out := flag.String("out", "cmd/bench/results.json", "JSON results file")
	www := flag.String("www", "www", "the page's directory (built by make build)")
	conf := flag.String("conformance", conformance.Dir(), "the conformance kernel's directory")
	chromium := flag.String("chromium", envOr("CHROMIUM", "/usr/bin/chromium"), "Chromium executable")
	browser := flag.String("browser", "chromium", "chromium: every figure; firefox or both: the boot figures in Firefox, or in both browsers side by side (browsers.go); with -only realboot, chromium or firefox: the browser of the realboot figures")
	firefoxExe := flag.String("firefox", envOr("FIREFOX", firefox.DefaultPath), "Firefox executable")
	ab := flag.String("ab", "", "compare page builds instead: comma-separated www dirs, each optionally :poolFloor (boot figures on the conformance kernel padded to a real kernel's shape, alternated)")
	abWords := flag.String("ab-cmdline", "", "the -ab comparison's conformance command line (default: the boot scenarios)")
	idle := flag.Duration("idle", 60*time.Second, "realboot: console idle time before the idle-input figure, once per page kind per run (0: skip it)")
	only := flag.String("only", "", "realboot: only the realboot figures (written to cmd/bench/results-realboot.json, or results-realboot-firefox.json with -browser firefox, unless -out)")
	marks := flag.Bool("marks", false, "realboot: print each page load's start-up timeline: performance marks (gohost:*), the main thread's long tasks, resource timings and the kernel's CONF lines")
	profile := flag.Bool("profile-output", false, "only profile the page's main thread during the output benchmark and print where the time goes")
	flag.Parse()
	profileOnly = *profile
	printMarks = *marks
	idleWait = *idle
	switch *only {
	case "":
	case "realboot":
		realbootOnly = true
		if *out == "cmd/bench/results.json" {
			*out = "cmd/bench/results-realboot.json"
		}
	default:
		fmt.Fprintf(os.Stderr, "bench: -only %q: want realboot\n", *only)
		os.Exit(2)
	}
	abSpecs, abCmdline = *ab, *abWords
	if *heavyN < 0 {
		*heavyN = *n
	}
	if realbootOnly && *browser == "firefox" {
		// realboot against the reference host, in Firefox.
		if *out == "cmd/bench/results-realboot.json" {
			*out = "cmd/bench/results-realboot-firefox.json"
		}
	} else if realbootOnly && *browser != "chromium" {
		fmt.Fprintf(os.Stderr, "bench: -only realboot -browser %q: want chromium or firefox\n", *browser)
		os.Exit(2)
	} else if *browser != "chromium" {
		names := []string{"firefox"}
		if *browser == "both" {
			names = []string{"chromium", "firefox"}
		} else if *browser != "firefox" {
			fmt.Fprintf(os.Stderr, "bench: -browser %q: want chromium, firefox or both\n", *browser)
			os.Exit(2)
		}
		if *out == "cmd/bench/results.json" {
			*out = "cmd/bench/results-browsers.json"
		}
		err := serve(*www, *conf, func(baseURL string, initrd []byte) error {
			return runBrowsers(*n, names, baseURL, initrd, *chromium, *firefoxExe, *out)
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	exe := *chromium
	if *browser == "firefox" {
		exe = *firefoxExe
	}
	if err := run(*n, *heavyN, *out, *www, *conf, *browser, exe); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// realKernel is where the dev server serves the conformance kernel padded
// to a real vmlinux.wasm's shape (conformance.RealKernel: the real function
// count, code size, custom sections and file size).
const realKernel = devserver.RealKernelURL

var (
	profileOnly  bool
	printMarks   bool          // -marks
	realbootOnly bool          // -only realboot
	idleWait     time.Duration // -idle
	abSpecs      string
	abCmdline    string
)

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// run measures in browser ("chromium", or "firefox" for -only realboot)
// at exe.
func run(n, heavyN int, out, www, conf, browser, exe string) error {
	for _, f := range []string{"gohost.wasm", "gohost-worker.wasm", "wasm_exec.js", "gohost-worker.js"} {
		if _, err := os.Stat(filepath.Join(www, f)); err != nil {
			return fmt.Errorf("%v (run make build)", err)
		}
	}
	initrd, err := os.ReadFile(filepath.Join(conf, conformance.Initrd))
	if err != nil {
		return fmt.Errorf("conformance kernel: %v (make conformance)", err)
	}
	if _, err := os.Stat(exe); err != nil {
		return fmt.Errorf("%s: %v (install it, or set %s)", browser, err, strings.ToUpper(browser))
	}

	h, err := realHandler(www, conf)
	if err != nil {
		return err
	}
	base, stopServer, err := browsertest.Serve(h)
	if err != nil {
		return err
	}
	defer stopServer()

	b := &Bench{
		baseURL: base,
		initrd:  initrd,
		confDir: conf,
		samples: map[string][]float64{},
	}
	if browser == "firefox" {
		ff, err := firefox.Start(context.Background(), exe)
		if err != nil {
			return err
		}
		defer ff.Close()
		b.ff = ff
		if v, err := firefox.Version(exe); err == nil {
			b.notes = append(b.notes, "browser: "+v)
		}
		b.notes = append(b.notes, "PSS in Firefox: its web content processes (the page's and the idle ones it keeps ready), not renderers")
	} else {
		browserCtx, stopBrowser, err := browsertest.StartChromium(exe)
		if err != nil {
			return fmt.Errorf("starting Chromium: %w", err)
		}
		defer stopBrowser()
		b.browser, b.browserPID = browserCtx, browsertest.BrowserPID(browserCtx)
	}
	if b.ff != nil && (profileOnly || abSpecs != "") {
		return errors.New("-profile-output and -ab run in Chromium only")
	}
	if profileOnly {
		return b.profileOutput(os.Stdout)
	}
	if abSpecs != "" {
		return b.runAB(strings.Split(abSpecs, ","), n, conf, abCmdline)
	}
	start := time.Now()
	b.notes = append(b.notes, "load average at start: "+loadavg())
	if err := b.measure(n, heavyN); err != nil {
		return err
	}
	elapsed := time.Since(start)
	b.notes = append(b.notes, "load average at end: "+loadavg())

	sizes, err := payloadSizes(www)
	if err != nil {
		return err
	}
	res := b.results(sizes, n, heavyN, elapsed)
	printTable(os.Stdout, res)
	return writeResults(out, res, elapsed)
}

// cmdline is a conformance command line (see e2e/conformance/README.md):
// the boot scenario needs the initrd's length and FNV-1a.
func (b *Bench) cmdline(words ...string) string {
	return strings.Join(append(append(words, "maxcpus=3"), conformance.InitrdWords(b.initrd)...), " ")
}

func (b *Bench) add(key string, v float64) { b.samples[key] = append(b.samples[key], v) }

// payload is the output benchmark's byte count (8 MiB).
const payload = 8 << 20

// perfNowJS times performance.now() on the page's main thread, ns/call (the
// workers' clock import calls it too).
const perfNowJS = `(() => { const n = 200000; let x = 0; const t0 = performance.now();
  for (let i = 0; i < n; i++) x += performance.now();
  return (performance.now() - t0) * 1e6 / n + (x < 0 ? 1 : 0); })()`

// The scenario set of the boot measurement: short, but it creates user
// tasks (init, clone, exec), so the pool matters.
const bootScenarios = "conf=boot,console,init,clone,exec"

func (b *Bench) measure(n, heavyN int) error {
	logf := func(format string, a ...any) {
		fmt.Fprintf(os.Stderr, "bench: "+format+" [load %s]\n", append(a, loadavg())...)
	}
	// Warm-up: fills the HTTP cache and the wasm code cache, so that every
	// measured boot is a reload (the case the host optimises).
	logf("warm-up page load")
	if _, err := b.runPage(PageOpts{Cmdline: b.cmdline("conf=boot"), PoolFloor: 4, Timeout: 2 * time.Minute}); err != nil {
		return fmt.Errorf("warm-up: %w", err)
	}
	// The same for the padded kernel, so that the first realboot and real
	// boot path pages do not pay its first download and compile.
	if _, err := b.runPage(PageOpts{Kernel: realKernel, Cmdline: b.cmdline("conf=boot"), PoolFloor: 4, Timeout: 2 * time.Minute}); err != nil {
		return fmt.Errorf("warm-up (padded kernel): %w", err)
	}
	if _, err := b.runPage(PageOpts{Kernel: realKernel, Cmdline: b.cmdline("conf=boot"), Host: HostRef, Timeout: 2 * time.Minute}); err != nil {
		return fmt.Errorf("warm-up (reference host, padded kernel): %w", err)
	}
	for i := 0; i < n; i++ {
		// realboot first: its idle wait lets the machine settle a little
		// for the pages after it, never the other way round.
		if err := b.measureRealboot(i, n, idleWait, logf); err != nil {
			return err
		}
		if realbootOnly {
			continue
		}
		// Each iteration interleaves the pool and no-pool variants so that
		// both see the same background load.
		for _, floor := range []int{4, 0} {
			t0 := time.Now()
			r, err := b.runPage(PageOpts{Cmdline: b.cmdline(bootScenarios), PoolFloor: floor, Memory: floor == 4, Timeout: 2 * time.Minute})
			if err != nil {
				return fmt.Errorf("boot (poolFloor %d): %w", floor, err)
			}
			sfx := fmt.Sprintf(".pool%d", floor)
			b.add("boot_ready"+sfx, r.T["ready"])
			b.add("boot_done"+sfx, r.T["done"])
			b.add("boot_host"+sfx, r.T["hostReady"])
			if floor == 4 {
				b.add("mem_ready", float64(r.PSSTotalKB)/1024)
				b.add("mem_ready_page", float64(r.PSSPageKB)/1024)
			}
			logf("run %d/%d boot poolFloor=%d: ready %.0f ms, CONF DONE %.0f ms (%s)", i+1, n, floor, r.T["ready"], r.T["done"], time.Since(t0).Round(time.Millisecond))
		}

		// The real boot path (issue 11): the conformance kernel padded to
		// a real kernel's size, gohost's default boot against the
		// reference host (e2e/refhost, a model of the original JavaScript
		// host), alternated, renderer PSS at CONF DONE.
		for _, host := range [][]string{{HostGohost, HostRef}, {HostRef, HostGohost}}[i%2] {
			floor, sfx := 4, hostSuffix(host)
			if host == HostRef {
				floor = 0
			}
			t0 := time.Now()
			r, err := b.runPage(PageOpts{Kernel: realKernel, Cmdline: b.cmdline(bootScenarios), PoolFloor: floor, Host: host, Memory: true, Timeout: 2 * time.Minute})
			if err != nil {
				return fmt.Errorf("real boot path (%s): %w", hostName(host), err)
			}
			b.add("real_done"+sfx, r.T["done"])
			b.add("real_mem"+sfx, float64(r.PSSTotalKB)/1024)
			logf("run %d/%d real boot path %s: CONF DONE %.0f ms, PSS %.0f MiB (%s)", i+1, n, hostName(host), r.T["done"], float64(r.PSSTotalKB)/1024, time.Since(t0).Round(time.Millisecond))
		}

		t0 := time.Now()
		r, err := b.runPage(PageOpts{Cmdline: b.cmdline("bench=clock,switch,create,cpuup,input,forkexec"), PoolFloor: 4, Stamps: true,
			Eval: perfNowJS, Timeout: 4 * time.Minute})
		if err != nil {
			return fmt.Errorf("benchmarks (poolFloor 4): %w", err)
		}
		m := r.Bench()
		b.add("clock", val(m, "clock"))
		b.add("switch", val(m, "switch")/1000)
		b.add("create.pool4", val(m, "create"))
		b.add("cpuup.pool4", val(m, "cpuup")/1000)
		b.add("forkexec.pool4", val(m, "forkexec")/1000)
		b.add("input_rtt", val(m, "input_rtt"))
		b.add("input_latency", val(m, "input_latency"))
		if r.Inputs > 0 {
			b.add("input_handoff", r.InputCallMs*1000/float64(r.Inputs))
		}
		b.add("perf_now", r.EvalResult)
		logf("run %d/%d benchmarks poolFloor=4: %v, input hand-off %.1f us, performance.now %.0f ns (%s)", i+1, n, m,
			r.InputCallMs*1000/float64(max(r.Inputs, 1)), r.EvalResult, time.Since(t0).Round(time.Millisecond))

		// CPU bring-up and task creation from a full pool: the clock and
		// switch scenarios run first and give the pool time to fill.
		t0 = time.Now()
		r, err = b.runPage(PageOpts{Cmdline: b.cmdline("conf=clock,switch", "bench=cpuup,create"), PoolFloor: 16, Timeout: 3 * time.Minute})
		if err != nil {
			return fmt.Errorf("benchmarks (poolFloor 16): %w", err)
		}
		m = r.Bench()
		b.add("create.pool16", val(m, "create"))
		b.add("cpuup.pool16", val(m, "cpuup")/1000)
		logf("run %d/%d benchmarks poolFloor=16: %v (%s)", i+1, n, m, time.Since(t0).Round(time.Millisecond))

		// A boot's kthreads: 40 tasks created one after another, each waited
		// for, all staying alive, right after boot (fresh page).
		for _, floor := range []int{4, 0} {
			if floor == 0 && i >= heavyN {
				continue
			}
			t0 = time.Now()
			r, err = b.runPage(PageOpts{Cmdline: b.cmdline("conf=none", "bench=kthreads", "burst_tasks=40"), PoolFloor: floor, Timeout: 3 * time.Minute})
			if err != nil {
				return fmt.Errorf("kthreads (poolFloor %d): %w", floor, err)
			}
			m = r.Bench()
			b.add(fmt.Sprintf("kthreads.pool%d", floor), val(m, "kthreads")/1000)
			logf("run %d/%d kthreads poolFloor=%d: %v (%s)", i+1, n, floor, m, time.Since(t0).Round(time.Millisecond))
		}

		if i < heavyN {
			t0 = time.Now()
			r, err = b.runPage(PageOpts{Cmdline: b.cmdline("bench=create,cpuup,forkexec"), PoolFloor: 0, Timeout: 5 * time.Minute})
			if err != nil {
				return fmt.Errorf("benchmarks (poolFloor 0): %w", err)
			}
			m = r.Bench()
			b.add("create.pool0", val(m, "create"))
			b.add("cpuup.pool0", val(m, "cpuup")/1000)
			b.add("forkexec.pool0", val(m, "forkexec")/1000)
			logf("run %d/%d benchmarks poolFloor=0: %v (%s)", i+1, heavyN, m, time.Since(t0).Round(time.Millisecond))
		}

		t0 = time.Now()
		r, err = b.runPage(PageOpts{Cmdline: b.cmdline("bench=output"), PoolFloor: 4, Xterm: true, Timeout: 3 * time.Minute})
		if err != nil {
			return fmt.Errorf("output benchmark: %w", err)
		}
		m = r.Bench()
		b.add("output_kernel", val(m, "output")*1024/1e6)
		b.add("output_page", payload/1e6/((r.T["done"]-r.T["ready"])/1000))
		// From the ready line (the benchmark starts right after it) to the
		// last byte processed by xterm.js.
		dt := r.T["xtermDone"] - r.T["ready"]
		lost := r.Received != r.Processed || r.Received != int64(r.statusInt("consoleOut")) || r.Received < payload
		if lost {
			b.notes = append(b.notes, fmt.Sprintf("run %d: output bytes: received %d, handed to xterm %d, processed %d, host consoleOut %d",
				i+1, r.Received, r.Handed, r.Processed, r.statusInt("consoleOut")))
			b.add("output_xterm", math.NaN())
		} else {
			b.add("output_xterm", payload/1e6/(dt/1000))
		}
		b.add("output_lost", float64(int64(r.statusInt("consoleOut"))-r.Processed))
		logf("run %d/%d output: kernel %.1f MB/s, xterm %.1f MB/s over %.0f ms, %d bytes received, %d processed by xterm (%s)",
			i+1, n, val(m, "output")*1024/1e6, payload/1e6/(dt/1000), dt, r.Received, r.Processed, time.Since(t0).Round(time.Millisecond))

		var pss [2]*PageRun
		for j, floor := range []int{0, 16} {
			r, err := b.runPage(PageOpts{Cmdline: b.cmdline("conf=boot"), PoolFloor: floor, Memory: true, Timeout: 2 * time.Minute})
			if err != nil {
				return fmt.Errorf("memory (poolFloor %d): %w", floor, err)
			}
			pss[j] = r
		}
		// Started workers the host keeps for the next burst count too.
		workers := pss[1].statusInt("workers") + pss[1].statusInt("stock") - pss[0].statusInt("workers") - pss[0].statusInt("stock")
		if workers > 0 {
			b.add("mem_per_worker", float64(pss[1].PSSTotalKB-pss[0].PSSTotalKB)/1024/float64(workers))
		}
		b.add("mem_pool0", float64(pss[0].PSSTotalKB)/1024)
		b.add("mem_pool16", float64(pss[1].PSSTotalKB)/1024)
		logf("run %d/%d memory: poolFloor 0: %.1f MiB (%d workers, %d renderers), poolFloor 16: %.1f MiB (%d workers, pool %d)",
			i+1, n, float64(pss[0].PSSTotalKB)/1024, pss[0].statusInt("workers"), pss[0].Renderers,
			float64(pss[1].PSSTotalKB)/1024, pss[1].statusInt("workers"), pss[1].statusInt("pool"))
		if v, err := b.workerBaseline(20); err != nil {
			return fmt.Errorf("plain worker memory: %w", err)
		} else {
			b.add("mem_plain_worker", v)
			logf("run %d/%d plain JS worker: %.2f MiB PSS each", i+1, n, v)
		}
	}
	return nil
}

// loadavg is /proc/loadavg's 1, 5 and 15 minute averages: other work on the
// machine shows up in every figure.
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func val(m map[string]float64, k string) float64 {
	if v, ok := m[k]; ok {
		return v
	}
	return math.NaN()
}

// Size is one payload file.
type Size struct {
	File string `json:"file"`
	Raw  int    `json:"raw"`
	Gzip int    `json:"gzip"`
}

func payloadSizes(www string) ([]Size, error) {
	var out []Size
	for _, f := range []string{"gohost.wasm", "gohost-worker.wasm", "wasm_exec.js", "gohost-worker.js"} {
		raw, err := os.ReadFile(filepath.Join(www, f))
		if err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		if _, err := io.Copy(zw, bytes.NewReader(raw)); err != nil {
			return nil, err
		}
		if err := zw.Close(); err != nil {
			return nil, err
		}
		out = append(out, Size{File: f, Raw: len(raw), Gzip: buf.Len()})
	}
	return out, nil
}

// Figure is one row of the table.
type Figure struct {
	Key    string `json:"key"`
	Label  string `json:"label"`
	Unit   string `json:"unit"`
	Stat   Stat   `json:"stat"`
	Target string `json:"target,omitempty"`
	Met    *bool  `json:"met,omitempty"`
}

// Ratio compares two figures measured in the same run.
type Ratio struct {
	Label string  `json:"label"`
	A     string  `json:"a"`
	B     string  `json:"b"`
	Ratio float64 `json:"ratio"` // median(A) / median(B)
	// Target and Met, for the ratios issue 11 sets targets on.
	Target string `json:"target,omitempty"`
	Met    *bool  `json:"met,omitempty"`
}

// Results is bench/results.json.
type Results struct {
	Date       string   `json:"date"`
	Machine    string   `json:"machine"`
	Runs       int      `json:"runs"`
	HeavyRuns  int      `json:"heavyRuns"`
	DurationS  float64  `json:"durationS"`
	Figures    []Figure `json:"figures"`
	Ratios     []Ratio  `json:"ratios"`
	Sizes      []Size   `json:"sizes"`
	Notes      []string `json:"notes,omitempty"`
	NaNMeaning string   `json:"nanMeaning"`
}

type figDef struct {
	key, label, unit string
	target           float64
	higherIsBetter   bool
}

var figDefs = []figDef{
	{"rb_prompt.70w32", "realboot on the 7.0 wasm32 conformance kernel (unpadded): navigation to the shell prompt (gohost)", "ms", 0, false},
	{"rb_echo.70w32", "realboot on 7.0 wasm32: echo hi round trip, median of 5", "ms", 0, false},
	{"rb_ls_first.70w32", "realboot on 7.0 wasm32: first ls, fork+exec+CPU 3 up", "ms", 0, false},
	{"rb_ls.70w32", "realboot on 7.0 wasm32: ls round trip, median of 4", "ms", 0, false},
	{"rb_prompt.70w64", "realboot on the 7.0 wasm64 conformance kernel (unpadded): navigation to the shell prompt (gohost)", "ms", 0, false},
	{"rb_echo.70w64", "realboot on 7.0 wasm64: echo hi round trip, median of 5", "ms", 0, false},
	{"rb_ls_first.70w64", "realboot on 7.0 wasm64: first ls, fork+exec+CPU 3 up", "ms", 0, false},
	{"rb_ls.70w64", "realboot on 7.0 wasm64: ls round trip, median of 4", "ms", 0, false},
	{"boot_ready.pool4", "boot to ready line (poolFloor 4)", "ms", 0, false},
	{"boot_ready.pool0", "boot to ready line (poolFloor 0)", "ms", 0, false},
	{"boot_done.pool4", "boot to CONF DONE, " + bootScenarios + " (poolFloor 4)", "ms", 0, false},
	{"boot_done.pool0", "boot to CONF DONE, " + bootScenarios + " (poolFloor 0)", "ms", 0, false},
	{"boot_host.pool4", "navigation to gohost API ready (poolFloor 4)", "ms", 0, false},
	{"switch", "task switch round trip", "us", 15, false},
	{"create.pool4", "task creation to first run (poolFloor 4)", "us", 2000, false},
	{"create.pool0", "task creation to first run (poolFloor 0)", "us", 0, false},
	{"cpuup.pool4", "CPU bring-up (poolFloor 4)", "ms", 2, false},
	{"cpuup.pool0", "CPU bring-up (poolFloor 0)", "ms", 0, false},
	{"create.pool16", "task creation to first run (poolFloor 16)", "us", 0, false},
	{"cpuup.pool16", "CPU bring-up (poolFloor 16)", "ms", 0, false},
	{"kthreads.pool4", "40 kthreads after boot, each waited for (poolFloor 4)", "ms/task", 0, false},
	{"kthreads.pool0", "40 kthreads after boot, each waited for (poolFloor 0)", "ms/task", 0, false},
	{"clock", "clock import", "ns/call", 250, false},
	{"perf_now", "performance.now() on the main thread", "ns/call", 0, false},
	{"output_kernel", "console output, kernel side (hvc_put)", "MB/s", 0, true},
	{"output_page", "console output delivered to the page (on('console'))", "MB/s", 0, true},
	{"output_xterm", "console output into xterm.js, 8 MiB", "MB/s", 10, true},
	{"output_lost", "console bytes lost (host consoleOut - xterm processed)", "bytes", 0, false},
	{"input_handoff", "console input hand-off (gohost.input -> ring)", "us", 50, false},
	{"input_latency", "input stamp -> kernel read (incl. 1 ms poll)", "us", 0, false},
	{"input_rtt", "input round trip print -> page -> kernel read", "us", 15000, false},
	{"forkexec.pool4", "user fork+exec+exit (poolFloor 4)", "ms", 5, false},
	{"forkexec.pool0", "user fork+exec+exit (poolFloor 0)", "ms", 0, false},
	{"mem_ready", "renderer PSS at ready (poolFloor 4, all renderers)", "MiB", 0, false},
	{"mem_ready_page", "renderer PSS at ready (poolFloor 4, page renderer)", "MiB", 0, false},
	{"mem_pool0", "renderer PSS after boot, poolFloor 0", "MiB", 0, false},
	{"mem_pool16", "renderer PSS after boot, poolFloor 16", "MiB", 0, false},
	{"mem_per_worker", "renderer PSS per idle pooled worker", "MiB", 2.5, false},
	{"mem_plain_worker", "renderer PSS per plain JS worker (wasm_exec.js only, no Go)", "MiB", 0, false},
}

// vsReference are the figures measured on gohost and on the reference host
// (e2e/refhost) in the same run, page loads alternated; each gets a ratio
// gohost / reference, with issue 20's targets (realboot) and issue 11's
// (real boot path).
var vsReference = []struct {
	key, label, unit string
	target           float64
}{
	{"rb_first", "realboot: navigation to the first kernel console output", "ms", 1.0},
	{"rb_prompt", "realboot: navigation to the shell prompt", "ms", 0.75},
	{"rb_pss", "realboot: renderer PSS at the prompt (+1.5 s, all renderers)", "MiB", 1.0},
	{"rb_ls_first", "realboot: first ls round trip (fork + exec, CPU 3 comes up)", "ms", 0},
	{"rb_ls_first_run", "realboot: first ls from its echo to the prompt (no poll wait)", "ms", 0},
	{"rb_echo", "realboot: echo hi round trip, builtin, median of 5", "ms", 0},
	{"rb_ls", "realboot: ls round trip, median of 4 after the first", "ms", 0},
	{"rb_ls_run", "realboot: ls from its echo to the prompt, median of 4", "ms", 0},
	{"rb_idle", "realboot: echo round trip after -idle (khvcd backed off)", "ms", 0},
	{"real_done", "real boot path: CONF DONE, " + bootScenarios + ", 30 MB kernel", "ms", 0.5},
	{"real_mem", "real boot path: renderer PSS at CONF DONE", "MiB", 0.75},
}

func init() {
	var defs []figDef
	for _, v := range vsReference {
		for _, h := range []string{HostGohost, HostRef} {
			defs = append(defs, figDef{v.key + hostSuffix(h), v.label + " (" + hostName(h) + ")", v.unit, 0, false})
		}
	}
	for _, w := range waterfall {
		if w.key == "rb_first" || w.key == "rb_prompt" {
			continue
		}
		for _, h := range []string{HostGohost, HostRef} {
			defs = append(defs, figDef{w.key + hostSuffix(h), "realboot waterfall: " + w.label + " (" + hostName(h) + ")", "ms", 0, false})
		}
	}
	figDefs = append(defs, figDefs...)
}

func (b *Bench) results(sizes []Size, n, heavyN int, elapsed time.Duration) *Results {
	host, _ := os.Hostname()
	res := &Results{
		Date:       time.Now().UTC().Format(time.RFC3339),
		Machine:    fmt.Sprintf("%s, %d CPUs, %s/%s", host, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH),
		Runs:       n,
		HeavyRuns:  min(n, heavyN),
		DurationS:  math.Round(elapsed.Seconds()),
		Sizes:      sizes,
		Notes:      b.notes,
		NaNMeaning: "a NaN sample (null in values) is a run where the benchmark reported n=0 or bytes were lost",
	}
	for _, d := range figDefs {
		f := Figure{Key: d.key, Label: d.label, Unit: d.unit, Stat: Summarise(b.samples[d.key])}
		if d.target > 0 && f.Stat.N > 0 {
			met := f.Stat.Median <= d.target
			op := "<="
			if d.higherIsBetter {
				met = f.Stat.Median >= d.target
				op = ">="
			}
			f.Target = fmt.Sprintf("%s %g", op, d.target)
			f.Met = &met
		}
		res.Figures = append(res.Figures, f)
	}
	for _, s := range sizes {
		if s.File == "gohost-worker.wasm" {
			met := s.Gzip <= 700*1000
			res.Figures = append(res.Figures, Figure{Key: "worker_gzip", Label: "worker wasm, gzip -9", Unit: "KB",
				Stat: Summarise([]float64{float64(s.Gzip) / 1000}), Target: "<= 700", Met: &met})
		}
	}
	med := func(k string) float64 {
		for _, f := range res.Figures {
			if f.Key == k {
				return f.Stat.Median
			}
		}
		return math.NaN()
	}
	for _, v := range vsReference {
		r := Ratio{Label: v.label + ": gohost / reference", A: v.key + ".gohost", B: v.key + ".ref"}
		r.Ratio = med(r.A) / med(r.B)
		if v.target > 0 {
			met := r.Ratio <= v.target
			r.Target, r.Met = fmt.Sprintf("<= %g", v.target), &met
		}
		res.Ratios = append(res.Ratios, r)
	}
	for _, p := range [][3]string{
		{"boot to ready line: no pool / pool", "boot_ready.pool0", "boot_ready.pool4"},
		{"boot to CONF DONE: no pool / pool", "boot_done.pool0", "boot_done.pool4"},
		{"task creation: no pool / pool", "create.pool0", "create.pool4"},
		{"CPU bring-up: no pool / pool", "cpuup.pool0", "cpuup.pool4"},
		{"CPU bring-up: no pool / pool of 16", "cpuup.pool0", "cpuup.pool16"},
		{"fork+exec+exit: no pool / pool", "forkexec.pool0", "forkexec.pool4"},
		{"kthreads: no pool / pool", "kthreads.pool0", "kthreads.pool4"},
	} {
		res.Ratios = append(res.Ratios, Ratio{Label: p[0], A: p[1], B: p[2], Ratio: med(p[1]) / med(p[2])})
	}
	if realbootOnly {
		// -only realboot: the other figures were not measured.
		var figs []Figure
		for _, f := range res.Figures {
			if strings.HasPrefix(f.Key, "rb_") {
				figs = append(figs, f)
			}
		}
		var ratios []Ratio
		for _, r := range res.Ratios {
			if strings.HasPrefix(r.A, "rb_") {
				ratios = append(ratios, r)
			}
		}
		res.Figures, res.Ratios, res.HeavyRuns = figs, ratios, 0
	}
	return res
}

// MarshalJSON writes NaN as null (JSON has no NaN).
func (s Stat) MarshalJSON() ([]byte, error) {
	f := func(x float64) any {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
		return math.Round(x*1000) / 1000
	}
	vals := make([]any, len(s.Values))
	for i, v := range s.Values {
		vals[i] = f(v)
	}
	return json.Marshal(map[string]any{"n": s.N, "median": f(s.Median), "min": f(s.Min), "max": f(s.Max),
		"p25": f(s.P25), "p75": f(s.P75), "values": vals})
}

// MarshalJSON writes a NaN ratio as null.
func (r Ratio) MarshalJSON() ([]byte, error) {
	var v any = math.Round(r.Ratio*100) / 100
	if math.IsNaN(r.Ratio) || math.IsInf(r.Ratio, 0) {
		v = nil
	}
	m := map[string]any{"label": r.Label, "a": r.A, "b": r.B, "ratio": v}
	if r.Target != "" {
		m["target"], m["met"] = r.Target, r.Met
	}
	return json.Marshal(m)
}

func num(x float64) string {
	switch {
	case math.IsNaN(x):
		return "-"
	case math.Abs(x) >= 100:
		return fmt.Sprintf("%.0f", x)
	case math.Abs(x) >= 10:
		return fmt.Sprintf("%.1f", x)
	default:
		return fmt.Sprintf("%.2f", x)
	}
}

func printTable(w io.Writer, res *Results) {
	fmt.Fprintf(w, "\ngohost benchmarks: %s, %d runs (no-pool benchmarks %d), %s\n\n", res.Machine, res.Runs, res.HeavyRuns, res.Date)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "figure\tunit\tmedian\tmin\tmax\tp25\tp75\tn\ttarget\tmet\t")
	for _, f := range res.Figures {
		met := ""
		if f.Met != nil {
			met = map[bool]string{true: "yes", false: "NO"}[*f.Met]
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t\n", f.Label, f.Unit, num(f.Stat.Median), num(f.Stat.Min),
			num(f.Stat.Max), num(f.Stat.P25), num(f.Stat.P75), f.Stat.N, f.Target, met)
	}
	tw.Flush()
	fmt.Fprintln(w)
	for _, r := range res.Ratios {
		if strings.HasSuffix(r.B, ".ref") {
			continue // in the table against the reference host below
		}
		met := ""
		if r.Met != nil {
			met = fmt.Sprintf("   target %s: %s", r.Target, map[bool]string{true: "yes", false: "NO"}[*r.Met])
		}
		fmt.Fprintf(w, "%-40s %sx%s\n", r.Label, num(r.Ratio), met)
	}
	printVsReference(w, res)
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "payload\traw bytes\tgzip -9 bytes\t")
	for _, s := range res.Sizes {
		fmt.Fprintf(tw, "%s\t%d\t%d\t\n", s.File, s.Raw, s.Gzip)
	}
	tw.Flush()
	for _, n := range res.Notes {
		fmt.Fprintln(w, "note:", n)
	}
}

// printVsReference prints gohost against the reference host, median
// (min-max) of the same run's alternated page loads, and the realboot
// waterfall of each host.
func printVsReference(w io.Writer, res *Results) {
	stat := func(k string) (Stat, bool) {
		for _, f := range res.Figures {
			if f.Key == k && f.Stat.N > 0 {
				return f.Stat, true
			}
		}
		return Stat{}, false
	}
	cell := func(s Stat) string { return fmt.Sprintf("%s (%s-%s)", num(s.Median), num(s.Min), num(s.Max)) }
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "vs the reference host\tunit\tgohost\treference\tvs reference\ttarget\t")
	for _, v := range vsReference {
		g, ok1 := stat(v.key + ".gohost")
		r, ok2 := stat(v.key + ".ref")
		if !ok1 || !ok2 {
			continue
		}
		target := ""
		if v.target > 0 {
			target = fmt.Sprintf("<= %gx %s", v.target, map[bool]string{true: "yes", false: "NO"}[g.Median/r.Median <= v.target])
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%sx\t%s\t\n", v.label, v.unit, cell(g), cell(r), num(g.Median/r.Median), target)
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "realboot waterfall, ms from navigation\tgohost\treference\t")
	for _, s := range waterfall {
		g, ok1 := stat(s.key + ".gohost")
		r, ok2 := stat(s.key + ".ref")
		if !ok1 && !ok2 {
			continue
		}
		gs, rs := "-", "-"
		if ok1 {
			gs = cell(g)
		}
		if ok2 {
			rs = cell(r)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t\n", s.label, gs, rs)
	}
	tw.Flush()
}

// realHandler is the dev server's handler for the page in www and the
// conformance kernel in conf, with the kernel padded to a real one's shape.
func realHandler(www, conf string) (http.Handler, error) {
	real, err := conformance.RealKernelFile()
	if err != nil {
		return nil, fmt.Errorf("padded conformance kernel: %w", err)
	}
	return devserver.NewHandler(devserver.Config{Dir: www, Conformance: conf, ConformanceReal: real, RefHost: refhost.Dir()})
}

// writeResults writes a run's results as indented JSON to out.
func writeResults(out string, res any, elapsed time.Duration) error {
	j, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, append(j, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Printf("\nwrote %s (%s total)\n", out, elapsed.Round(time.Second))
	return nil
}
