package host

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/linuxwasm/gohost/bridge"
)

func TestHangWatchInputUnread(t *testing.T) {
	var w hangWatch
	t0 := time.Unix(1000, 0)
	assert.Empty(t, w.check(t0, 0, 100, 0, 5, 0), "nothing waiting")
	assert.Empty(t, w.check(t0.Add(time.Second), 3, 100, 0, 5, 0), "input just arrived")
	assert.Empty(t, w.check(t0.Add(HangAfter), 3, 100, 0, 5, 0), "unread for less than HangAfter (since t0+1s)")
	why := w.check(t0.Add(HangAfter+2*time.Second), 3, 100, 0, 5, 0)
	assert.Contains(t, why, "3 bytes of console input have waited 11s unread")
	assert.Empty(t, w.check(t0.Add(HangAfter+3*time.Second), 3, 100, 0, 5, 0), "fires once per episode")
	// The kernel reads again: progress re-arms it.
	assert.Empty(t, w.check(t0.Add(20*time.Second), 0, 103, 0, 5, 0))
	assert.Empty(t, w.check(t0.Add(21*time.Second), 1, 103, 0, 5, 0))
	assert.NotEmpty(t, w.check(t0.Add(32*time.Second), 1, 103, 0, 5, 0), "a second episode fires again")
}

// After the watchdog fired, the first progress is reported once, and only
// for a fired episode.
func TestHangWatchResumed(t *testing.T) {
	var w hangWatch
	t0 := time.Unix(1000, 0)
	w.check(t0, 2, 50, 0, 0, 7)
	assert.False(t, w.takeResumed(), "nothing fired")
	require.NotEmpty(t, w.check(t0.Add(HangAfter), 2, 50, 0, 0, 7))
	w.check(t0.Add(HangAfter+time.Second), 2, 50, 0, 0, 7)
	assert.False(t, w.takeResumed(), "still unread")
	w.check(t0.Add(HangAfter+2*time.Second), 0, 52, 0, 0, 7)
	assert.True(t, w.takeResumed(), "the kernel read the input")
	assert.False(t, w.takeResumed(), "reported once")
	w.check(t0.Add(HangAfter+3*time.Second), 0, 60, 0, 0, 7)
	assert.False(t, w.takeResumed(), "progress without a fired episode is not a resumption")
}

// Input unread while tasks still switch is reported with what that may mean
// (a program not reading, the terminal buffer full); with no switch at all it
// is not.
func TestHangWatchSaysWhetherTasksStillSwitch(t *testing.T) {
	t0 := time.Unix(1000, 0)
	var w hangWatch
	w.check(t0, 4, 0, 0, 0, 100)
	why := w.check(t0.Add(HangAfter), 4, 0, 0, 0, 130)
	assert.Contains(t, why, "4 bytes of console input have waited 10s unread by the kernel while its tasks went on switching (30 switches)")
	assert.Contains(t, why, "may not be reading")
	var v hangWatch
	v.check(t0, 4, 0, 0, 0, 100)
	why = v.check(t0.Add(HangAfter), 4, 0, 0, 0, 100)
	assert.Contains(t, why, "4 bytes of console input have waited 10s unread by the kernel")
	assert.NotContains(t, why, "switching")
}

func TestHangWatchSlowReaderIsNotAHang(t *testing.T) {
	var w hangWatch
	t0 := time.Unix(1000, 0)
	// A long paste the kernel reads 16 bytes per poll: input always waits,
	// but the consumed count moves, so this is never a hang.
	for i := 0; i < 100; i++ {
		assert.Empty(t, w.check(t0.Add(time.Duration(i)*time.Second), 5000, uint32(16*i), 0, 0, 0))
	}
}

func TestHangWatchJobUntaken(t *testing.T) {
	var w hangWatch
	t0 := time.Unix(1000, 0)
	assert.Empty(t, w.check(t0, 0, 0, 1, 40, 0))
	assert.Empty(t, w.check(t0.Add(5*time.Second), 0, 0, 1, 40, 0))
	assert.Contains(t, w.check(t0.Add(HangAfter), 0, 0, 1, 40, 0), "1 jobs (new tasks or CPUs) have waited 10s for a worker")
	// Jobs taken one after another keep the head moving: no hang.
	var v hangWatch
	for i := 0; i < 60; i++ {
		assert.Empty(t, v.check(t0.Add(time.Duration(i)*time.Second), 0, 0, 2, uint32(i), 0))
	}
}

func TestNoteBoardTimesUnchangedRecords(t *testing.T) {
	seen := map[uint32]boardSeen{}
	t0 := time.Unix(1000, 0)
	r := bridge.WorkerRecord{ID: 3, State: bridge.WorkerParkedSwitch, Seq: 10}
	assert.Equal(t, time.Duration(0), noteBoard(seen, r, t0))
	assert.Equal(t, 4*time.Second, noteBoard(seen, r, t0.Add(4*time.Second)))
	r.Seq = 11 // woken and parked again in between
	assert.Equal(t, time.Duration(0), noteBoard(seen, r, t0.Add(5*time.Second)))
}

func TestDebugStateTextAndMap(t *testing.T) {
	b := bridge.Open(bridge.NewHeapMem(smallBridge.Size()), smallBridge, true)
	idle, _ := b.Tasks.Register(0x2000, bridge.Idle, 0)
	b.SetCPU(0, idle)
	s, _ := b.Tasks.Register(0x6000, 0, 0)
	b.Tasks.SetWorker(s, 2)
	require.True(t, b.Jobs.Push(&bridge.Job{Kind: bridge.JobCPU, A: 3, B: 0x8000}, nil))
	d := &DebugState{Stage: "ready", UptimeMs: 61000, Bridge: b.Snapshot(), Starting: 1, Stock: 2, PendingInput: 4,
		KernelReports: []string{"the kernel reports CPU 3 stalled (task ls): RCU stall"},
		Workers: []WorkerDebug{
			{ID: 2, What: "sh (0x6000)", State: bridge.WorkerStateName(bridge.WorkerParkedSwitch), Task: 0x6000, Slot: s, For: 12 * time.Second},
			{ID: 1, What: "CPU 0 (boot)", State: bridge.WorkerStateName(bridge.WorkerRunning), Task: 0x2000, Slot: idle},
		}}
	sortWorkers(d.Workers)
	text := d.Text()
	for _, want := range []string{
		"stage ready, uptime 1m1s",
		"CPUs online: 1: cpu0=0x2000",
		"worker 2: parked in wasm_serialize_tasks for 12s, task 0x6000",
		"flags [idle-task]",
		"queued: start CPU 3 (idle task 0x8000)",
		"ring console in: head 0 tail 0",
		"not yet in the ring): 4 bytes",
		"kernel report: the kernel reports CPU 3 stalled (task ls): RCU stall\n",
	} {
		assert.Contains(t, text, want)
	}
	assert.Less(t, strings.Index(text, "worker 1:"), strings.Index(text, "worker 2:"), "workers in id order")
	m := d.Map()
	assert.Len(t, m["workers"], 2)
	assert.Len(t, m["parkCells"], 2)
	assert.Equal(t, int64(12000), m["workers"].([]any)[1].(map[string]any)["forMs"])
	assert.Len(t, m["jobs"].(map[string]any)["queued"], 1)
	assert.Equal(t, []any{"the kernel reports CPU 3 stalled (task ls): RCU stall"}, m["kernelReports"])
}

var smallBridge = bridge.Config{TaskSlots: 64, JobCap: 8, ConsoleOutCap: 256, ConsoleInCap: 64, ControlCap: 256}
