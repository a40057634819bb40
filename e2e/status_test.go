//go:build !js

package e2e

// The status panel: uptime, CPUs, tasks, workers, agreeing with gohost.status().

import (
	"fmt"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPageStatusPanel(t *testing.T) {
	t.Run("StatusPanel", testStatusPanel)
}

var uptimeRe = regexp.MustCompile(`^(?:(\d+)h )?(?:(\d+)m )?(\d+)s$`)

func parseUptime(t *testing.T, s string) int {
	t.Helper()
	m := uptimeRe.FindStringSubmatch(s)
	require.NotNil(t, m, "uptime %q", s)
	h, _ := strconv.Atoi(m[1])
	mi, _ := strconv.Atoi(m[2])
	sec, _ := strconv.Atoi(m[3])
	return h*3600 + mi*60 + sec
}

// StatusPanel: uptime advances, CPUs online = maxcpus, the other fields are
// filled and agree with gohost.status().
func testStatusPanel(t *testing.T) {
	tab := confTab(t, 60*time.Second, conformanceCmdline(t, "console"), nil)
	tab.waitDone(45 * time.Second)
	tab.WaitJS("CPUs shown", `document.getElementById('st-cpus').textContent === '3'`, 5*time.Second)
	// The panel's uptime advances with the clock: 2 s more takes at least
	// 1 s (the first reading may be about to tick) and, with a panel that
	// refreshes a few times a second, not much more than 2 s; the bound is
	// loose for loaded CI machines, where timers run late.
	u0 := parseUptime(t, pfText(tab, "st-uptime"))
	start := time.Now()
	tab.WaitJS("uptime +2 s", fmt.Sprintf(`(() => { const m = /^(?:(\d+)h )?(?:(\d+)m )?(\d+)s$/.exec(document.getElementById('st-uptime').textContent);
	  return !!m && (+(m[1]||0))*3600 + (+(m[2]||0))*60 + (+m[3]) >= %d; })()`, u0+2), 8*time.Second)
	assert.GreaterOrEqual(t, time.Since(start), time.Second, "uptime went from %ds to %ds too fast", u0, u0+2)
	// It agrees with gohost.status() to within the refresh period.
	shown := parseUptime(t, pfText(tab, "st-uptime"))
	ms := Eval[int](tab, `gohost.status().uptimeMs`)
	assert.InDelta(t, ms/1000, shown, 2, "panel %ds, status %d ms", shown, ms)

	for _, id := range []string{"st-tasks", "st-workers", "st-pool", "st-memory", "st-in", "st-out"} {
		assert.NotEqual(t, "–", pfText(tab, id), "%s filled", id)
	}
	type status struct {
		Cpus, Tasks, Workers, Pool int
		MemoryBytes, ConsoleOut    int64
		Stage                      string
	}
	s := Eval[status](tab, `(() => { const s = gohost.status(); return {Cpus: s.cpus, Tasks: s.tasks, Workers: s.workers, Pool: s.pool, MemoryBytes: s.memoryBytes, ConsoleOut: s.consoleOut, Stage: s.stage}; })()`)
	assert.Equal(t, 3, s.Cpus)
	assert.Positive(t, s.Workers)
	assert.Positive(t, s.MemoryBytes)
	assert.Positive(t, s.ConsoleOut)
	assert.Equal(t, strconv.Itoa(s.Workers), pfText(tab, "st-workers"))
	assert.Equal(t, "0 B", pfText(tab, "st-in"), "nothing typed yet")
	// The panel refreshes a few times a second: typed bytes show within
	// 3 s even on a loaded CI machine.
	Eval[chromedp.Void](tab, `gohost.input('abc')`)
	tab.WaitJS("console in = 3 B", `document.getElementById('st-in').textContent === '3 B'`, 3*time.Second)
	// The MiB figure of the memory matches the status.
	assert.Contains(t, pfText(tab, "st-memory"), "MiB")
}
