//go:build !js

package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPoolCeiling: 24 tasks alive at once (the burst scenario, as a Linux
// boot's kthreads) each take a worker; when they exit, their workers go back
// to the pool only up to its ceiling and the rest are terminated. Without a
// low ceiling the same run leaves them all idle, which shows the test can
// tell the difference.
func TestPoolCeiling(t *testing.T) {
	tab := confTab(t, 150*time.Second, "conf=console maxcpus=3", nil)
	tab.waitDone(45 * time.Second)

	type status struct {
		Stage   string
		Workers int
		Pool    int
		Tasks   int
	}
	run := func(ceiling int) status {
		Eval[any](tab, fmt.Sprintf(`gohost.boot({kernel: '/conformance/vmlinux.wasm', initrd: '/conformance/initramfs.cpio',
		  cmdline: 'conf=smp,burst maxcpus=3 smp_cpus=3 burst_tasks=24', poolFloor: 1, poolCeiling: %d}).then(() => true)`, ceiling))
		out := Eval[string](tab, `gohost.waitFor(/CONF DONE \d+ \d+/, 60000)`)
		requireAllPassed(t, out)
		require.Contains(t, out, "CONF burst all_exited_and_released PASS")
		// Let the released workers settle: back in the pool or gone.
		var s status
		var last []int
		for end := time.Now().Add(15 * time.Second); time.Now().Before(end); time.Sleep(250 * time.Millisecond) {
			s = Eval[status](tab, `gohost.status()`)
			now := []int{s.Workers, s.Pool}
			if last != nil && now[0] == last[0] && now[1] == last[1] && s.Pool <= max(ceiling, 1) {
				break
			}
			last = now
		}
		t.Logf("ceiling %d: %+v", ceiling, s)
		return s
	}
	low, high := run(2), run(64)
	assert.LessOrEqual(t, low.Pool, 2, "idle workers above the ceiling stay")
	assert.GreaterOrEqual(t, high.Pool, 20, "with a high ceiling the burst's workers stay idle in the pool")
	assert.LessOrEqual(t, low.Workers+18, high.Workers, "workers above the ceiling were terminated")
	assert.Equal(t, low.Tasks, high.Tasks, "the same tasks are alive in both runs")
}

// TestStockTrimmed: the first pooled boot makes a stock of started workers
// sized from the browser's core count (host.StockSizes: 4 per core, at most
// 12, once the kernel is compiled); what the boot did not use is kept while
// it might still be needed, then cut back to 2 once the machine has been
// quiet for 10 s. The tab reports 4 cores, so the stock (12) is larger than
// this small boot uses.
func TestStockTrimmed(t *testing.T) {
	needConformance(t)
	tab := newTabIn(t, browserCtx, 90*time.Second)
	tab.recordEvents()
	tab.cdpDo("report 4 cores", func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetHardwareConcurrencyOverride, emulation.SetHardwareConcurrencyOverrideParams{HardwareConcurrency: 4})
		return err
	})
	tab.Navigate("/", conformanceParams("conf=console maxcpus=1"))
	tab.waitDone(45 * time.Second)
	require.Equal(t, 4, Eval[int](tab, `navigator.hardwareConcurrency`))
	first := Eval[int](tab, `gohost.status().stock`)
	assert.Greater(t, first, 2, "a small boot leaves most of the stock unused")
	tab.WaitJS("the stock cut back", `gohost.status().stock === 2`, 30*time.Second)
	assert.Equal(t, "ready", Eval[string](tab, `gohost.status().stage`), "the machine is untouched")
}
