package host

import (
	"syscall/js"
	"testing"
	"time"
)

// A worker that rings the doorbell while the main thread is serving (after
// the round read the control ring and the console) must wake the next wait
// at once, not after its quarter-second timeout.
func TestArmKeepsARingDuringService(t *testing.T) {
	// The quiet wait's timeout far beyond the test's patience: a wake can
	// then only be the ring's (a bound on the wake's delay flaked on a
	// loaded machine: 139 ms against the 250 ms timeout).
	defer func(ms int) { doorbellTimeoutMs = ms }(doorbellTimeoutMs)
	doorbellTimeoutMs = 60_000
	jm, b := newJSBridge()
	m := &Machine{br: b, jm: jm}
	woke := make(chan time.Time, 1)
	m.wake = js.FuncOf(func(js.Value, []js.Value) any { woke <- time.Now(); return nil })
	defer m.wake.Release()

	seen := m.br.Doorbell() // a service round begins
	m.br.Ring()             // a worker rings during it
	t0 := time.Now()
	m.arm(seen) // the round ends
	select {
	case at := <-woke:
		t.Logf("woken %v after the round", at.Sub(t0))
	case <-time.After(10 * time.Second):
		t.Fatal("the ring during the round was lost: not woken")
	}
}
