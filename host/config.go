// Package host is the main-thread side of gohost: a Machine built from
// options (kernel and initrd URLs, command line, user files) that checks the
// kernel against the host interface, creates the shared memories, keeps a pool
// of workers, relays console bytes and control events between the bridge
// memory and the page, and reports every failure as an event, never a dialog.
//
// The decisions that need no browser (option checks, sizes, the pool's
// arithmetic) are plain Go here and unit-tested natively; the browser glue is
// in the *_js.go files.
package host

import (
	"errors"
	"fmt"
	"strings"

	"github.com/linuxwasm/gohost/internal/abi"
	"github.com/linuxwasm/gohost/internal/wasmbin"
)

// DefaultCmdline is the original page's command line (section 4).
const DefaultCmdline = "maxcpus=3 nohz_full=0,2-63 root=/dev/ram0 rootfstype=ramfs init=/init console=hvc console=ttyS0"

// Default URLs, as served by cmd/serve.
const (
	DefaultKernelURL = "kernel/vmlinux.wasm"
	DefaultInitrdURL = "kernel/initramfs.cpio.gz"
)

// MaxCmdline is COMMAND_LINE_SIZE minus the NUL.
const MaxCmdline = 511

// CheckCmdline refuses command lines the kernel cannot take whole: the
// original host wrote them unchecked past the 512-byte buffer (10.12).
func CheckCmdline(s string) error {
	if len(s) > MaxCmdline {
		return fmt.Errorf("the command line is %d bytes long; the kernel takes at most %d", len(s), MaxCmdline)
	}
	if strings.IndexByte(s, 0) >= 0 {
		return errors.New("the command line contains a NUL byte")
	}
	return nil
}

const (
	wasmPage = 65536
	// The initial release grows memory to 0x1FFF pages in _start; with a boot
	// image of S pages it manages about 0x1FFF - 2S pages (the memory_end
	// quirk of section 4 step 8) and needs at least 16 grown pages to boot.
	bootTargetPages = 0x1fff
	// A 7.0-era kernel grows memory to CONFIG_BOOT_MEM_PAGES pages in all and
	// keeps all of it (memory_end fixed, gen2-interface-facts.md section 2).
	// 0x2000 is the Kconfig default; a build may set another value, which
	// the module does not show (so this assumes the default).
	bootMemPages70 = 0x2000
	// Keep a margin of 1024 pages (64 MiB) for the kernel to run in.
	minKernelPages = 1024
)

// maxImagePages is the largest boot image (the kernel's declared memory
// and the initrd above it, in pages) that leaves a kernel of this kind
// minKernelPages to run in.
func maxImagePages(kind abi.KernelKind) uint64 {
	if kind == abi.Gen70Wasm32 || kind == abi.Gen70Wasm64 {
		return bootMemPages70 - minKernelPages
	}
	return (bootTargetPages - minKernelPages) / 2
}

// CheckFit refuses an initrd (with the user's files appended) that leaves a
// kernel of this kind too little memory, before anything is started.
func CheckFit(kind abi.KernelKind, kernelMinPages uint64, initrdBytes int) error {
	limit := maxImagePages(kind)
	if kernelMinPages > limit {
		return fmt.Errorf("the kernel declares %d pages (%s) of memory before it starts, more than the 512 MiB it grows to can leave room for: this kernel build cannot boot",
			kernelMinPages, sizeText(kernelMinPages*wasmPage))
	}
	initrdPages := (uint64(initrdBytes) + wasmPage - 1) / wasmPage
	if image := kernelMinPages + initrdPages; image > limit {
		return fmt.Errorf("the initramfs is %s, more than fits: the kernel's memory is at most 512 MiB and a boot image of %d pages leaves it too little; keep the initramfs and your files under %s",
			sizeText(uint64(initrdBytes)), image, sizeText((limit-kernelMinPages)*wasmPage))
	}
	return nil
}

func sizeText(n uint64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// KernelError is a kernel the host refuses, with one line per problem.
type KernelError struct {
	Message string
	Details []string
}

func (e *KernelError) Error() string { return e.Message }

// InspectKernel parses the kernel's bytes and checks them against the host
// interface before anything is instantiated, naming every missing or mistyped
// symbol (10.16).
func InspectKernel(b []byte) (*abi.KernelInfo, error) { return inspectKernel(b, wasmbin.Parse) }

// InspectKernelHead is InspectKernel on the head of a kernel
// (wasmbin.Stream.Head: its sections before the code), as it downloads.
func InspectKernelHead(b []byte) (*abi.KernelInfo, error) { return inspectKernel(b, wasmbin.ParseHead) }

func inspectKernel(b []byte, parse func([]byte) (*wasmbin.Module, error)) (*abi.KernelInfo, error) {
	if len(b) < 8 || string(b[:4]) != "\x00asm" {
		return nil, &KernelError{Message: "the kernel file is not a WebAssembly module (wrong magic bytes): check the kernel URL"}
	}
	m, err := parse(b)
	if err != nil {
		return nil, &KernelError{Message: "the kernel file is not a valid WebAssembly module (truncated or corrupt?)", Details: []string{err.Error()}}
	}
	info, err := abi.CheckKernel(m)
	if err != nil {
		var mm *abi.MismatchError
		if errors.As(err, &mm) {
			details := mm.Messages()
			if mm.CheckedAs != "" {
				// Which of the three kinds the module was held to, and why:
				// its type messages name that kind's types.
				details = append([]string{mm.CheckedAs + ":"}, details...)
			}
			return nil, &KernelError{Message: "this WebAssembly module is not a Linux/Wasm kernel this host can run", Details: details}
		}
		return nil, &KernelError{Message: err.Error()}
	}
	return info, nil
}

// Pool sizing. A Linux boot creates about 40 tasks and each new user task may
// need a CPU worker too, so a few ready workers keep every switch to a new task
// off the cold path (Go start, kernel instantiation: tens of milliseconds).
const (
	DefaultPoolFloor   = 4   // idle workers kept ready
	DefaultPoolCeiling = 8   // idle workers kept at most; reclaimed ones above it are terminated
	WorkerLimit        = 512 // browsers cap workers per origin (10.19)
)

// PoolCeiling is the number of idle workers a pool keeps at most: the
// configured ceiling, never below the floor.
func PoolCeiling(floor, ceiling int) int { return max(floor, ceiling) }

// SpawnCount is how many workers to start now so that every queued job has a
// worker and floor more stand ready, counting those already starting,
// without exceeding WorkerLimit in all. With floor 0 workers start only on
// demand, as the original host did (for comparison).
func SpawnCount(backlog, idle, starting, total, floor int) int {
	need := backlog + floor - idle - starting
	if room := WorkerLimit - total; need > room {
		need = room
	}
	if need < 0 {
		return 0
	}
	return need
}
