package worker

import (
	"github.com/linuxwasm/gohost/bridge"
	"github.com/linuxwasm/gohost/internal/hostmem"
	"github.com/linuxwasm/gohost/internal/memcheck"
)

// Every host write into the kernel's memory goes through this file, so that
// the memcheck mode (issue 19 item 8, bridge.MachineStart.Memcheck) sees
// each one before it happens. With the mode off (the default) mc is nil and
// a write costs one nil check more than the bare copy.

var mc *memcheck.Recorder

// memCounter adds checked writes to the bridge's shared counter, which
// gohost.status() reports.
type memCounter struct{}

func (memCounter) Add(n uint32) { br.CountMemChecked(n) }

func startMemcheck(on bool) {
	if on {
		mc = memcheck.New(memCounter{})
	}
}

// grant records the range [start, start+n) the kernel handed over for k in
// the current import; revoke ends it when the import returns.
func grant(k memcheck.Kind, start, n uint32) {
	if mc != nil {
		mc.Grant(k, uint64(start), uint64(n))
	}
}

func revoke(k memcheck.Kind) {
	if mc != nil {
		mc.Revoke(k)
	}
}

// mayWrite checks a write of n bytes at addr for k. A violation fails the
// machine through the fatal path, with the kind, the write and the granted
// range, and the write must not happen.
func mayWrite(k memcheck.Kind, addr, n uint32) bool {
	if mc == nil {
		return true
	}
	err := mc.Write(k, uint64(addr), uint64(n))
	if err == nil {
		return true
	}
	fatal(err.Error() + " (in task " + hex(self.task) + ")")
	// No worker may go on into a kernel the host may already have harmed.
	br.SetState(bridge.StateStopping)
	return false
}

// copyOut copies n bridge bytes at src to kernel memory at dst.
func copyOut(k memcheck.Kind, dst, src, n uint32) {
	if mayWrite(k, dst, n) {
		hostmem.CopyOut(dst, src, n)
	}
}

// writeKernel stores b at kernel address addr.
func writeKernel(k memcheck.Kind, addr uint32, b []byte) bool {
	if !mayWrite(k, addr, uint32(len(b))) {
		return false
	}
	g.writeKernel(addr, b)
	return true
}

// overrun is the test-only fault injection of the memcheck_overrun build
// (overrun_inject_js.go): one byte written at addr, just outside the range
// granted for k, when the test chose k. In every other build overrunKind
// is the constant 0 and this is nothing.
func overrun(k memcheck.Kind, addr uint32) {
	if overrunKind() == k {
		writeKernel(k, addr, []byte{0xa5})
	}
}
