package kfault

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var t0 = time.Unix(1000, 0)

// feedAll feeds text in one piece and flushes whatever is pending after
// Settle.
func feedAll(text string) []Report {
	var s Scanner
	r := s.Feed(t0, text)
	return s.Flush(t0.Add(Settle), r)
}

// The RCU stall as the real kernel printed it (Linux 6.1, issue 19): the
// headline, one line per stalled CPU, the task dump.
const rcuStall = "ls\r\n" +
	"[   47.218840] rcu: INFO: rcu_sched detected stalls on CPUs/tasks:\r\n" +
	"[   47.219001] rcu: \t3-...0: (1 GPs behind) idle=2a4/1/0x4000000000000000 softirq=0/0 fqs=2100\r\n" +
	"[   47.219100] \t(detected by 0, t=5252 jiffies, g=1233, q=56 ncpus=5)\r\n" +
	"[   47.219200] Task dump for CPU 3:\r\n" +
	"[   47.219300] task:ls              state:R  running task     stack:0     pid:57    ppid:48     flags:0x00000008\r\n" +
	"[   47.219400] Call trace:\r\n"

func TestRCUStall(t *testing.T) {
	var s Scanner
	got := s.Feed(t0, rcuStall)
	require.Len(t, got, 1, "complete once the stalled CPU's task is dumped, without waiting")
	r := got[0]
	assert.Equal(t, RCUStall, r.Kind)
	assert.Equal(t, []int{3}, r.CPUs)
	assert.Equal(t, "ls", r.Task)
	assert.Equal(t, 57, r.PID)
	assert.Equal(t, "rcu: INFO: rcu_sched detected stalls on CPUs/tasks:", r.Headline)
	assert.Len(t, r.Lines, 5)
	assert.Equal(t, "the kernel reports CPU 3 stalled (task ls, pid 57): RCU stall", r.Summary())
	assert.False(t, s.Pending())
	assert.Empty(t, s.Flush(t0.Add(time.Hour), nil), "reported once")
}

// The one-line form, without timestamps, and two CPUs: the report
// waits for both task dumps.
func TestRCUStallInlineCPUs(t *testing.T) {
	var s Scanner
	got := s.Feed(t0, "rcu: INFO: rcu_sched detected stalls on CPUs/tasks: 3-...0 4-...!: (detected by 0, t=21002 jiffies)\n")
	assert.Empty(t, got)
	assert.True(t, s.Pending())
	got = s.Feed(t0, "task:ps state:R running task\n")
	assert.Empty(t, got, "one task of two")
	got = s.Feed(t0, "task:sh state:S\n")
	require.Len(t, got, 1)
	assert.Equal(t, []int{3, 4}, got[0].CPUs)
	assert.Equal(t, "ps", got[0].Task)
	assert.Equal(t, "the kernel reports CPUs 3, 4 stalled (task ps): RCU stall", got[0].Summary())
}

// Old kernels: "{ 2 3}" after the colon; self-detected stalls name the CPU
// on the next line.
func TestRCUStallOldAndSelfDetected(t *testing.T) {
	got := feedAll("INFO: rcu_preempt detected stalls on CPUs/tasks: { 2 3} (detected by 0, t=2102 jiffies)\n")
	require.Len(t, got, 1)
	assert.Equal(t, []int{2, 3}, got[0].CPUs)

	got = feedAll("rcu: INFO: rcu_sched self-detected stall on CPU\nrcu: \t1-....: (5249 ticks this GP) idle=1/0\n\t(t=5250 jiffies g=9 q=3)\nTask dump for CPU 1:\ntask:conf_spin state:R running task stack:0 pid:12\n")
	require.Len(t, got, 1)
	assert.Equal(t, []int{1}, got[0].CPUs)
	assert.Equal(t, "conf_spin", got[0].Task)
	assert.Equal(t, 12, got[0].PID)
}

func TestSoftLockupAndHungTask(t *testing.T) {
	got := feedAll("[  50.1] watchdog: BUG: soft lockup - CPU#3 stuck for 22s! [ps:57]\n")
	require.Len(t, got, 1)
	r := got[0]
	assert.Equal(t, SoftLockup, r.Kind)
	assert.Equal(t, []int{3}, r.CPUs)
	assert.Equal(t, "ps", r.Task)
	assert.Equal(t, 57, r.PID)
	assert.Equal(t, "the kernel reports CPU 3 stalled (task ps, pid 57): soft lockup, stuck for 22s", r.Summary())

	got = feedAll("INFO: task kworker/0:1:23 blocked for more than 120 seconds.\n")
	require.Len(t, got, 1)
	assert.Equal(t, HungTask, got[0].Kind)
	assert.Equal(t, "kworker/0:1", got[0].Task)
	assert.Equal(t, 23, got[0].PID)
	assert.Equal(t, "the kernel reports task kworker/0:1 (pid 23) blocked for more than 120 seconds", got[0].Summary())
}

// A hard lockup names the CPU on its headline and the task on the
// dump_stack() header that follows.
func TestHardLockup(t *testing.T) {
	var s Scanner
	assert.Empty(t, s.Feed(t0, "NMI watchdog: Watchdog detected hard LOCKUP on cpu 2\n"))
	got := s.Feed(t0, "Modules linked in:\nCPU: 2 PID: 77 Comm: ls Not tainted 6.1.0 #1\n")
	require.Len(t, got, 1)
	assert.Equal(t, HardLockup, got[0].Kind)
	assert.Equal(t, "the kernel reports CPU 2 locked up (task ls, pid 77): hard lockup", got[0].Summary())
	assert.Len(t, got[0].Lines, 3)
}

// An oops and the panic that follows it: two reports, each completed by its
// dump_stack() header or by the next headline.
func TestOopsThenPanic(t *testing.T) {
	var s Scanner
	got := s.Feed(t0, "BUG: kernel NULL pointer dereference, address: 00000004\nOops: 0000 [#1]\nCPU: 2 PID: 41 Comm: rcuop/0 Not tainted 6.1.0 #1\n")
	require.Len(t, got, 1)
	assert.Equal(t, Oops, got[0].Kind)
	assert.Equal(t, "BUG: kernel NULL pointer dereference, address: 00000004", got[0].Headline, "the Oops line after BUG: is part of the same report")
	assert.Equal(t, []int{2}, got[0].CPUs)
	assert.Equal(t, "rcuop/0", got[0].Task)
	assert.Equal(t, "the kernel reports a fault on CPU 2 (task rcuop/0, pid 41): BUG: kernel NULL pointer dereference, address: 00000004", got[0].Summary())
	got = s.Feed(t0.Add(time.Second), "Kernel panic - not syncing: Aiee, killing interrupt handler!\n")
	assert.Empty(t, got)
	got = s.Flush(t0.Add(2*time.Second), nil)
	require.Len(t, got, 1)
	assert.Equal(t, Panic, got[0].Kind)
	assert.Equal(t, "the kernel reports a panic: Kernel panic - not syncing: Aiee, killing interrupt handler!", got[0].Summary())
}

// Ordinary output is not a report, and text that only mentions the words
// (a user's grep, a line that does not start with them) is not one either.
func TestOrdinaryOutput(t *testing.T) {
	for _, s := range []string{
		"/ # ls\r\nbin\r\ndev\r\netc\r\n",
		"conf: 3 CPUs online, running scenarios\n",
		"/ # echo rcu: INFO: rcu_sched detected stalls on CPUs/tasks:\r\n",
		"Booting Linux on physical CPU 0x0\nCPU: 3 PID: 57 Comm: ps\n",
		"BUG\nOops\nKernel\n",
		"task:ls state:R\n",
	} {
		assert.Empty(t, feedAll(s), "%q", s)
	}
}

// A line split anywhere across drains reads as if it came whole.
func TestSplitAnywhere(t *testing.T) {
	want := feedAll(rcuStall)
	require.Len(t, want, 1)
	for cut := 1; cut < len(rcuStall); cut++ {
		var s Scanner
		got := s.Feed(t0, rcuStall[:cut])
		got = append(got, s.Feed(t0, rcuStall[cut:])...)
		got = s.Flush(t0.Add(Settle), got)
		require.Len(t, got, 1, "cut at %d", cut)
		assert.Equal(t, want[0], got[0], "cut at %d", cut)
	}
	// one byte at a time
	var s Scanner
	var got []Report
	for i := 0; i < len(rcuStall); i++ {
		got = append(got, s.Feed(t0, rcuStall[i:i+1])...)
	}
	require.Len(t, got, 1)
	assert.Equal(t, want[0], got[0])
}

// A report whose details never come is given Settle, then reported with
// what it has; a long line does not grow the scanner.
func TestSettleAndBounds(t *testing.T) {
	var s Scanner
	assert.Empty(t, s.Feed(t0, "rcu: INFO: rcu_sched detected stalls on CPUs/tasks:\n"))
	assert.Empty(t, s.Flush(t0.Add(Settle-time.Millisecond), nil))
	got := s.Flush(t0.Add(Settle), nil)
	require.Len(t, got, 1)
	assert.Equal(t, "the kernel reports a stall: RCU stall", got[0].Summary())

	s.Feed(t0, strings.Repeat("x", 1<<20))
	assert.LessOrEqual(t, cap(s.partial), 2*MaxLine)
	got = s.Feed(t0, "\nwatchdog: BUG: soft lockup - CPU#0 stuck for 23s! [sh:1]\n")
	require.Len(t, got, 1, "the long line ended; the next one is read")

	assert.Empty(t, s.Feed(t0, "Oops: 1\n"+strings.Repeat("line\n", MaxLines-2)))
	got = s.Feed(t0, "line\n")
	require.Len(t, got, 1, "at most MaxLines lines")
	assert.Len(t, got[0].Lines, MaxLines)
}

func BenchmarkFeedOrdinary(b *testing.B) {
	chunk := strings.Repeat("drwxr-xr-x    2 0        0               0 Jan  1 00:00 bin\r\n", 64)
	var s Scanner
	b.SetBytes(int64(len(chunk)))
	for b.Loop() {
		s.Feed(t0, chunk)
	}
}
