package bridge

// The start-up messages: the one contract between the host and a worker that
// is not in shared memory. The host posts each worker two messages
// (postMessage, structured clone): GoStart as soon as the worker exists, so
// its Go runtime starts before any machine does, then MachineStart when a
// machine takes it. Their keys are owned here: the host builds the messages
// with Message, www/worker.js reads the keys listed in ReadByWorkerJS and hands
// the machine message on to the worker's Go as gohostWorker.start, where
// worker/ reads the rest by these names. start_test.go checks worker.js
// against the lists.

// Keys of the start messages.
const (
	KeyKind = "kind" // KindGo or KindMachine

	// GoStart
	KeyGoModule        = "goModule"        // compiled gohost-worker.wasm
	KeyForwarderModule = "forwarderModule" // compiled hostmem forwarder
	KeyHostmemNames    = "hostmemNames"    // the forwarder's table order

	// MachineStart
	KeyID           = "id"
	KeyRole         = "role" // RolePrimary or RolePool
	KeyKernelModule = "kernelModule"
	KeyHostmem      = "hostmemModule"
	KeyShims        = "shimsModule"
	KeyMemory       = "memory" // the kernel's shared memory
	KeyBridge       = "bridge" // the bridge memory
	KeyHostImports  = "hostImports"
	KeyHostImpls    = "hostImpls" // the worker export implementing each host import
	KeyWasm64       = "wasm64"    // the kernel is wasm64: i64 pointers, a memory64
	KeySysStubs     = "sysStubs"
	KeyPoolCeiling  = "poolCeiling"
	KeyCmdline      = "cmdline" // primary only
	KeyInitrd       = "initrd"  // primary only: an ArrayBuffer
	KeyPrograms     = "programs"
	// KeyMemcheck: check every host write into kernel memory against the
	// range the kernel handed over (internal/memcheck); off when absent.
	KeyMemcheck = "memcheck"
)

// Values of KeyKind and KeyRole.
const (
	KindGo      = "go"
	KindMachine = "machine"
	RolePrimary = "primary"
	RolePool    = "pool"
)

// ReadByWorkerJS are the keys www/worker.js reads; worker/ reads the others
// of MachineStart from gohostWorker.start.
var ReadByWorkerJS = []string{KeyKind, KeyGoModule, KeyForwarderModule, KeyHostmemNames,
	KeyKernelModule, KeyHostmem, KeyShims, KeyMemory, KeyBridge, KeyHostImports, KeyHostImpls, KeySysStubs,
	KeyWasm64, KeyInitrd}

// GoStart starts a worker's Go runtime. The module fields hold JS values
// (js.Value in the host), typed any so that this package stays plain Go.
type GoStart struct {
	GoModule, ForwarderModule any
	HostmemNames              []string
}

// Message is the object to post.
func (s GoStart) Message() map[string]any {
	return map[string]any{
		KeyKind: KindGo, KeyGoModule: s.GoModule, KeyForwarderModule: s.ForwarderModule,
		KeyHostmemNames: AnyList(s.HostmemNames),
	}
}

// MachineStart gives a started worker its machine.
type MachineStart struct {
	ID                         uint32
	Role                       string
	KernelModule               any
	HostmemModule, ShimsModule any
	Memory, Bridge             any
	HostImports, SysStubs      []string
	// HostImpls names the worker's export implementing each of HostImports
	// (abi.KernelInfo.HostImpls).
	HostImpls []string
	// Wasm64: the kernel is a wasm64 one (abi.Gen70Wasm64).
	Wasm64 bool
	// PoolCeiling is how many idle workers the pool keeps at most.
	PoolCeiling int
	// Cmdline and Initrd (an ArrayBuffer) are for the primary worker.
	Cmdline string
	Initrd  any
	// Programs are user programs the host compiled ahead of time, for
	// every worker of the machine.
	Programs []Program
	// Memcheck turns on the check of every host write into kernel memory.
	Memcheck bool
	// Lists, if set, are HostImports, HostImpls and SysStubs already in the
	// form the host posts (a JS array each), made once per machine: a real
	// kernel's ~600 names, converted anew for each of a boot's ~45 workers,
	// made js.ValueOf hot enough for the browser to compile it again at its
	// top tier on every page load.
	Lists *StartLists
}

// StartLists are MachineStart's name lists, converted once (the host's
// js.Values; any value postMessage takes).
type StartLists struct{ HostImports, HostImpls, SysStubs any }

// Program is a user program compiled by the host for every worker.
type Program struct {
	Key    uint64
	Module any
}

// Message is the object to post.
func (s MachineStart) Message() map[string]any {
	m := map[string]any{
		KeyKind: KindMachine, KeyID: s.ID, KeyRole: s.Role,
		KeyKernelModule: s.KernelModule, KeyHostmem: s.HostmemModule, KeyShims: s.ShimsModule,
		KeyMemory: s.Memory, KeyBridge: s.Bridge,
		KeyPoolCeiling: s.PoolCeiling, KeyWasm64: s.Wasm64, KeyMemcheck: s.Memcheck,
	}
	if l := s.Lists; l != nil {
		m[KeyHostImports], m[KeyHostImpls], m[KeySysStubs] = l.HostImports, l.HostImpls, l.SysStubs
	} else {
		m[KeyHostImports], m[KeyHostImpls], m[KeySysStubs] = AnyList(s.HostImports), AnyList(s.HostImpls), AnyList(s.SysStubs)
	}
	if s.Role == RolePrimary {
		m[KeyCmdline], m[KeyInitrd] = s.Cmdline, s.Initrd
	}
	progs := make([]any, 0, len(s.Programs))
	for _, p := range s.Programs {
		// Two 32-bit halves: a JS number holds 53 bits exactly.
		progs = append(progs, []any{uint32(p.Key >> 32), uint32(p.Key), p.Module})
	}
	m[KeyPrograms] = progs
	return m
}

// AnyList is s as postMessage (syscall/js.ValueOf) takes a list: []any.
func AnyList(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}
