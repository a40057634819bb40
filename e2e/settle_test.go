//go:build !js

package e2e

// Leak checks: the machine's counts before and after a stretch of work. A
// host that leaks one worker or one task slot per process must fail them.

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/linuxwasm/gohost/host"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// machineCounts is the part of gohost.status() a leak moves: task slots
// (idle tasks of online CPUs included), the machine's workers (a worker per
// task that has one, plus the pool's idle ones) and the CPUs.
type machineCounts struct {
	Tasks   int `json:"tasks"`
	Workers int `json:"workers"`
	Pool    int `json:"pool"`
	CPUs    int `json:"cpus"`
}

func readCounts(tab *Tab) machineCounts {
	tab.t.Helper()
	var c machineCounts
	require.NoError(tab.t, json.Unmarshal([]byte(Eval[string](tab, `JSON.stringify(gohost.status())`)), &c))
	return c
}

// settledCounts waits until the counts hold still for 3 s (the pool refills
// to its floor and trims above its ceiling as workers come back; a task's
// slot goes when the kernel releases it) and returns them; after timeout it
// returns the last reading.
func settledCounts(tab *Tab, timeout time.Duration) machineCounts {
	tab.t.Helper()
	deadline := time.Now().Add(timeout)
	last, since := readCounts(tab), time.Now()
	for time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		c := readCounts(tab)
		if c != last {
			last, since = c, time.Now()
			continue
		}
		if time.Since(since) >= 3*time.Second {
			break
		}
	}
	return last
}

// requireNoLeak compares the settled counts after some work with those
// before: every task slot and every worker the work took came back. A CPU
// the work brought up adds one task (its idle task) with its worker; the
// pool's idle workers may be anywhere between its floor and its ceiling
// (the realboot pages run the default pool).
func requireNoLeak(t *testing.T, tab *Tab, before machineCounts, what string) {
	t.Helper()
	after := settledCounts(tab, 30*time.Second)
	t.Logf("%s: status before %+v, after %+v", what, before, after)
	newCPUs := after.CPUs - before.CPUs
	assert.GreaterOrEqual(t, newCPUs, 0, "CPUs went offline")
	assert.Equal(t, before.Tasks+newCPUs, after.Tasks, "%s: task slots after (before %d, +%d CPUs brought up)", what, before.Tasks, newCPUs)
	assert.Equal(t, before.Workers-before.Pool+newCPUs, after.Workers-after.Pool,
		"%s: workers running tasks after (before %d of %d workers, +%d CPUs brought up)", what, before.Workers-before.Pool, before.Workers, newCPUs)
	assert.GreaterOrEqual(t, after.Pool, host.DefaultPoolFloor, "%s: idle pool below its floor", what)
	assert.LessOrEqual(t, after.Pool, host.PoolCeiling(host.DefaultPoolFloor, host.DefaultPoolCeiling), "%s: idle pool above its ceiling", what)
}
