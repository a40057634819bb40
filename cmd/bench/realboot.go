//go:build !js

package main

// realboot: the conformance kernel's shell-shaped boot (40 kthreads, 3 CPUs,
// PID 1 forking and exec'ing the 1.6 MB conf_box program about five times,
// the console read only by a polling khvcd thread) on the kernel padded to
// a real vmlinux.wasm's shape, timed as a user sees it: navigation to the
// prompt, typed commands to their answers, and a command typed after the
// console has been idle long enough for khvcd to back off to 2 s polls.

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/linuxwasm/gohost/e2e/conformance"
)

// shellRounds is how many times each command is typed per page load; the
// page load's figure is their median.
const shellRounds = 5

// shellTimeoutMs bounds one typed line's answer: khvcd polls at most every
// ~2 s, a fork + exec of the big program takes a few hundred ms loaded.
const shellTimeoutMs = 15000

// rbKind is a 7.0-era conformance kernel (issue 21) realboot also runs on,
// with the default host: the same shell-shaped boot on the kernel kinds the
// host recognises. These kernels are not padded to a real kernel's size.
type rbKind struct {
	sfx, kernel, initrd string
}

var rbKinds = []rbKind{
	{".70w32", "vmlinux-70-wasm32.wasm", conformance.Initrd},
	{".70w64", "vmlinux-70-wasm64.wasm", "initramfs-wasm64.cpio"},
}

// realbootRun boots realboot once (default host, or classic with poolFloor
// 0, or the default host on a 7.0-era kernel k) and records its figures
// under the suffix.
func (b *Bench) realbootRun(classic bool, k *rbKind, idle time.Duration) (string, error) {
	floor, sfx := 4, ".default"
	if classic {
		floor, sfx = 0, ".classic"
	}
	opts := PageOpts{Kernel: realKernel, Cmdline: b.cmdline("conf=realboot"), PoolFloor: floor, Classic: classic}
	if k != nil {
		initrd, err := os.ReadFile(filepath.Join(b.confDir, k.initrd))
		if err != nil {
			return "", err
		}
		sfx = k.sfx
		opts.Kernel, opts.Initrd = "/conformance/"+k.kernel, "/conformance/"+k.initrd
		opts.Cmdline = strings.Join(append([]string{"conf=realboot", "maxcpus=3"}, conformance.InitrdWords(initrd)...), " ")
	}
	var echo, ls, lsRun []float64
	var lsFirst, idleMs float64 = math.NaN(), math.NaN()
	then := func(ctx context.Context, r *PageRun) error {
		type answer struct {
			Ms    float64 `json:"ms"`
			RunMs float64 `json:"runMs"`
		}
		typ := func(line, want string) (answer, error) {
			js := fmt.Sprintf(`__bench.shell(%q, %q, %d)`, line, want, shellTimeoutMs)
			return chromedp.Run(ctx, chromedp.Evaluate[answer](js, chromedp.EvalAwaitPromise))
		}
		for i := 0; i < shellRounds; i++ {
			a, err := typ("echo hi\r", "hi\r\n")
			if err != nil {
				return fmt.Errorf("echo hi: %w", err)
			}
			echo = append(echo, a.Ms)
		}
		for i := 0; i < shellRounds; i++ {
			a, err := typ("ls\r", "sbin\r\n")
			if err != nil {
				return fmt.Errorf("ls: %w", err)
			}
			// The first forking command also brings up the 4th CPU.
			if i == 0 {
				lsFirst = a.Ms
			} else {
				ls = append(ls, a.Ms)
				if a.RunMs >= 0 {
					lsRun = append(lsRun, a.RunMs)
				}
			}
		}
		if idle > 0 {
			time.Sleep(idle)
			a, err := typ("echo idle\r", "idle\r\n")
			if err != nil {
				return fmt.Errorf("echo idle after %v: %w", idle, err)
			}
			idleMs = a.Ms
		}
		return nil
	}
	// The prompt comes 3-4 s after navigation; the bound is generous but
	// short, because the classic boot path does not reach it (see README).
	timeout := 90*time.Second + idle
	opts.Timeout, opts.Then = timeout, then
	r, err := b.runPage(opts)
	if err != nil {
		return "", fmt.Errorf("realboot (%s): %w", sfx[1:], err)
	}
	b.add("rb_prompt"+sfx, r.T["prompt"])
	b.add("rb_echo"+sfx, Summarise(echo).Median)
	b.add("rb_ls_first"+sfx, lsFirst)
	b.add("rb_ls"+sfx, Summarise(ls).Median)
	b.add("rb_ls_run"+sfx, Summarise(lsRun).Median)
	if idle > 0 {
		b.add("rb_idle"+sfx, idleMs)
	}
	return fmt.Sprintf("realboot %s: prompt %.0f ms, echo %.1f ms, first ls %.0f ms, ls %.0f ms (%.1f ms after the echo: %.1f), after %v idle %.0f ms",
		sfx[1:], r.T["prompt"], Summarise(echo).Median, lsFirst, Summarise(ls).Median, Summarise(lsRun).Median, lsRun, idle, idleMs), nil
}

// measureRealboot runs the realboot page loads of run i, default and
// classic alternated (the order swaps every run) so both share the load.
func (b *Bench) measureRealboot(i, n int, idle time.Duration, logf func(string, ...any)) error {
	for _, classic := range [][]bool{{false, true}, {true, false}}[i%2] {
		t0 := time.Now()
		msg, err := b.realbootRun(classic, nil, idle)
		if err != nil && classic {
			// Recorded, not fatal: the original's behaviour is the
			// comparison, the default host is what must work.
			b.notes = append(b.notes, fmt.Sprintf("run %d: %v", i+1, err))
			logf("run %d/%d %v (%s)", i+1, n, err, time.Since(t0).Round(time.Millisecond))
			continue
		}
		if err != nil {
			return err
		}
		logf("run %d/%d %s (%s)", i+1, n, msg, time.Since(t0).Round(time.Millisecond))
	}
	for _, k := range rbKinds {
		t0 := time.Now()
		msg, err := b.realbootRun(false, &k, 0)
		if err != nil {
			return err
		}
		logf("run %d/%d %s (%s)", i+1, n, msg, time.Since(t0).Round(time.Millisecond))
	}
	return nil
}
