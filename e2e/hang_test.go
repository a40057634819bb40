//go:build !js

package e2e

// The hang watchdog (issue 15): a machine that stops answering explains
// itself. The conformance kernel's boot scenario reads no console input once
// it is done, exactly like a kernel whose console thread no longer runs, so
// typing to it must raise the watchdog with a state dump.

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHangWatchdog(t *testing.T) {
	tab := confTab(t, 90*time.Second, conformanceCmdline(t, "boot"), nil)
	requireAllPassed(t, tab.waitDone(45*time.Second))
	assert.Empty(t, Eval[[]any](tab, `__pf.events.filter((e) => e.type === 'stall')`), "no stall before any input waits")

	Eval[any](tab, `gohost.input('echo hi\r')`)
	tab.WaitJS("the watchdog's stall event", `__pf.events.some((e) => e.type === 'stall')`, 40*time.Second)

	var stall struct {
		Reason string `json:"reason"`
		Text   string `json:"text"`
		State  struct {
			Workers []struct {
				ID    int    `json:"id"`
				State string `json:"state"`
				Task  string `json:"task"`
				ForMs int64  `json:"forMs"`
			} `json:"workers"`
			ParkCells []struct {
				Task  string `json:"task"`
				Flags string `json:"flags"`
			} `json:"parkCells"`
			CPUs  []map[string]any          `json:"cpus"`
			Rings map[string]map[string]any `json:"rings"`
		} `json:"state"`
	}
	raw := Eval[json.RawMessage](tab, `__pf.events.find((e) => e.type === 'stall').ev`)
	require.NoError(t, json.Unmarshal(raw, &stall))
	assert.Contains(t, stall.Reason, "8 bytes of console input have waited")
	assert.Contains(t, stall.Text, "gohost state dump")
	require.NotEmpty(t, stall.State.Workers)
	parked, idleTask := 0, 0
	for _, w := range stall.State.Workers {
		assert.NotEqual(t, "no record", w.State, "worker %d has a board record", w.ID)
		if strings.HasPrefix(w.State, "parked in") {
			parked++
			assert.Greater(t, w.ForMs, int64(5000), "worker %d has been parked since before the input", w.ID)
		}
	}
	assert.Greater(t, parked, 0, "the dump shows parked workers")
	for _, c := range stall.State.ParkCells {
		if strings.Contains(c.Flags, "idle-task") {
			idleTask++
		}
	}
	assert.Equal(t, len(stall.State.CPUs), idleTask, "one idle-task park cell per online CPU")
	assert.EqualValues(t, 8, stall.State.Rings["consoleIn"]["unread"])

	// The same state from the API, the dump in the terminal and the log
	// download's buffer, and the status bar says what happened.
	assert.True(t, Eval[bool](tab, `(() => { const s = gohost.debugState(); return s !== null && s.workers.length > 0 && s.parkCells.length > 0; })()`))
	assert.Contains(t, tab.TerminalText(), "gohost state dump")
	assert.Contains(t, string(downloadLog(t, tab, 1)), "gohost state dump", "the log download keeps the dump")
	assert.Contains(t, pfText(tab, "stage"), "Not answering")
	assert.Equal(t, 1, len(Eval[[]any](tab, `__pf.events.filter((e) => e.type === 'stall')`)), "one report per episode")

	// The harness looks inside (internal/stackdump): every worker, the
	// parked ones stopped in the kernel's scheduler, named from the
	// kernel's name section.
	workers := Eval[int](tab, `gohost.status().workers`)
	r := dumpStacks(t, tab, "the hang watchdog fired")
	require.NotNil(t, r)
	assert.GreaterOrEqual(t, len(r.Workers), workers)
	inSchedule := 0
	for _, w := range r.Workers {
		for _, f := range w.Frames {
			if f.Function == "$schedule" {
				inSchedule++
				break
			}
		}
	}
	assert.Greater(t, inSchedule, 0, "a parked worker's stack shows the kernel's schedule():\n%s", r.Text())
}

// A kernel that leaves typed input unread for longer than the watchdog's
// 10 s and then reads it: the stall is reported once, then taken back (a log
// line, the stage sent again, the status bar no longer "Not answering").
func TestHangWatchdogTakesItBack(t *testing.T) {
	tab := confTab(t, 120*time.Second, conformanceCmdline(t, "input", "input_until=7e", "input_timeout=60", "input_delay=16"), nil)
	tab.WaitJS("the input scenario's ready line", `globalThis.gohost && gohost.output().includes('CONF input ready until=')`, 45*time.Second)
	Eval[any](tab, `gohost.input('ab~')`)
	tab.WaitJS("the watchdog's stall event", `__pf.events.some((e) => e.type === 'stall')`, 30*time.Second)
	assert.Contains(t, Eval[string](tab, `__pf.events.find((e) => e.type === 'stall').ev.reason`), "3 bytes of console input have waited")
	assert.Contains(t, pfText(tab, "stage"), "Not answering")

	tab.WaitJS("the machine answering again", `__pf.events.some((e) => e.type === 'log' && String(e.ev).includes('answering again'))`, 30*time.Second)
	after := Eval[[]string](tab, `(() => { const e = __pf.events, i = e.findIndex((x) => x.type === 'stall');
	  return e.slice(i + 1).filter((x) => x.type === 'stage').map((x) => x.ev.stage); })()`)
	require.NotEmpty(t, after, "the stage is sent again after the stall")
	assert.Contains(t, []string{"running", "ready"}, after[0])
	assert.NotContains(t, pfText(tab, "stage"), "Not answering")
	out := tab.waitDone(30 * time.Second)
	assert.Regexp(t, `CONF input got 61 ?62 ?7e`, out, "the input was read, none lost")
	assert.Equal(t, 1, len(Eval[[]any](tab, `__pf.events.filter((e) => e.type === 'stall')`)))
}
