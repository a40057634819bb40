package host

import (
	"syscall/js"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A worker that rings the doorbell while the main thread is serving (after
// the round read the control ring and the console) must wake the next wait
// at once, not after its quarter-second timeout.
func TestArmKeepsARingDuringService(t *testing.T) {
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
		require.Less(t, at.Sub(t0), 100*time.Millisecond, "woken by the timeout, not by the ring")
	case <-time.After(2 * time.Second):
		t.Fatal("never woken")
	}
}
