package host

import (
	"syscall/js"
	"testing"

	"github.com/linuxwasm/gohost/bridge"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The main thread's Mem drives the same bridge protocols through JS Atomics
// on a real shared WebAssembly.Memory.
func TestJSMemBridge(t *testing.T) {
	jm, b := newJSBridge()

	require.True(t, b.PostText(bridge.EvLog, 7, "héllo"))
	ev, ok := b.NextEvent()
	require.True(t, ok)
	assert.Equal(t, bridge.Event{Kind: bridge.EvLog, Arg: 7, Payload: []byte("héllo")}, ev)
	assert.EqualValues(t, 1, b.Doorbell())

	in := b.ConsoleIn
	for round := 0; round < 5; round++ { // wraps the 64-byte ring
		msg := []byte("0123456789abcdefghijklmnopqrstuvwxyz")
		n := in.Write(uint32(len(msg)), func(ringOff, bufOff, k uint32) { jm.WriteBytes(ringOff, msg[bufOff:bufOff+k]) })
		require.EqualValues(t, len(msg), n)
		got := make([]byte, len(msg))
		in.Read(uint32(len(got)), func(ringOff, bufOff, k uint32) { jm.ReadBytes(ringOff, got[bufOff:bufOff+k]) })
		assert.Equal(t, msg, got)
	}

	s, _ := b.Tasks.Register(0x12340, bridge.Idle, 2)
	b.SetCPU(2, s)
	assert.Equal(t, 1, b.OnlineCPUs())
	assert.EqualValues(t, 0x12340, b.Tasks.Task(b.CPUSlot(2)))
}

// newJSBridge lays a small bridge over a new shared WebAssembly.Memory,
// reached through the main thread's Mem.
func newJSBridge() (*jsMem, *bridge.Bridge) {
	c := bridge.Config{TaskSlots: 16, JobCap: 4, ConsoleOutCap: 64, ConsoleInCap: 64, ControlCap: 256}
	mem := js.Global().Get("WebAssembly").Get("Memory").New(map[string]any{"initial": c.Pages(), "maximum": c.Pages(), "shared": true})
	jm := newJSMem(mem.Get("buffer"))
	return jm, bridge.Open(jm, c, true)
}
