// Package memcheck checks that the host writes the kernel's memory only where
// the kernel handed it a range to write (issue 19 item 8). With kernel memory
// corruption as the observed failure of real machines, "the host never
// writes outside what it was given" has to be something a test can see fail.
//
// A worker's Recorder is told, at the start of each host import that hands
// over a buffer, the range the kernel gave for it (Grant), and checks every
// write the host then makes into kernel memory against it (Write) before the
// write happens, so a violation is reported instead of corrupting the
// kernel. The mode is off by default: a worker without a Recorder pays one nil
// check per write.
//
// It is plain Go (no fmt: the worker binary stays small) with one Recorder
// per worker goroutine; only the count of checked writes is shared, through
// the Counter the worker gives it (the bridge's counter word).
package memcheck

import "strconv"

// Kind names what a write is for; each kind has at most one live grant,
// since every import hands over at most one range of each kind.
type Kind uint8

const (
	// ConsoleIn: wasm_driver_hvc_get(buf, count) writes input at [buf, buf+count).
	ConsoleIn Kind = iota + 1
	// StackTrace: wasm_dump_stacktrace(buf, max) writes at [buf, buf+max).
	StackTrace
	// Random: wasm_random_get_bytes(buf, count) writes at [buf, buf+count).
	Random
	// Cmdline: the command line at boot_command_line, COMMAND_LINE_SIZE
	// (512) bytes with its NUL (spec section 4 step 6).
	Cmdline
	// Initrd: the pages the host grew for the initrd, directly above the
	// memory as it stood (section 4 step 7).
	Initrd
	// InitrdStart and InitrdEnd: the unsigned long at initrd_start and at
	// initrd_end (4 bytes, 8 on wasm64).
	InitrdStart
	InitrdEnd
	// UserData: a user program's data area at data_start, the page-rounded
	// memory size of its dylink.0 section (section 6.1); the program's own
	// start function writes its data segments there at __memory_base, which
	// the host chooses when it instantiates.
	UserData
	numKinds
)

var kindNames = [numKinds]string{"", "console input", "stack trace", "random bytes", "command line",
	"initrd", "initrd_start word", "initrd_end word", "user program data"}

func (k Kind) String() string {
	if k > 0 && k < numKinds {
		return kindNames[k]
	}
	return "kind " + strconv.Itoa(int(k))
}

// KindNamed is the kind whose String is s, or 0.
func KindNamed(s string) Kind {
	for k := Kind(1); k < numKinds; k++ {
		if kindNames[k] == s {
			return k
		}
	}
	return 0
}

// Range is [Start, Start+Len) in kernel memory. Addresses are 64-bit so
// that a range reaching past 4 GiB is seen as such, never wrapped.
type Range struct{ Start, Len uint64 }

// End is the first address past the range (saturating: a range the kernel
// could not have handed over never wraps to look small).
func (r Range) End() uint64 {
	if e := r.Start + r.Len; e >= r.Start {
		return e
	}
	return ^uint64(0)
}

func (r Range) String() string { return "[" + hex(r.Start) + ", " + hex(r.End()) + ")" }

// Contains reports whether [addr, addr+n) lies inside r.
func (r Range) Contains(addr, n uint64) bool {
	return addr >= r.Start && addr <= r.End() && n <= r.End()-addr
}

// Record is one checked write.
type Record struct {
	Kind      Kind
	Addr, Len uint64
}

// Violation is a write outside the live grant of its kind.
type Violation struct {
	Kind      Kind
	Addr, Len uint64
	Granted   Range
	Live      bool // a grant of this kind was live (else nothing was granted)
}

func (v *Violation) Error() string {
	w := "memcheck: the host was about to write " + strconv.FormatUint(v.Len, 10) + " bytes of " + v.Kind.String() +
		" at " + Range{v.Addr, v.Len}.String()
	if !v.Live {
		return w + " with no range of that kind handed over by the kernel"
	}
	return w + ", outside the range the kernel handed over for it, " + v.Granted.String()
}

// Counter is where a Recorder adds its checked writes (the bridge's shared
// counter word, so that the page's status shows the mode ran).
type Counter interface{ Add(n uint32) }

// HistoryLen is how many of the latest writes a Recorder keeps.
const HistoryLen = 32

// Recorder checks one worker's writes. Not safe for concurrent use: a worker
// runs one host import at a time, and its recorder is its own.
type Recorder struct {
	grants  [numKinds]Range
	live    [numKinds]bool
	checked uint64
	counter Counter
	hist    [HistoryLen]Record
	nHist   uint64
}

// New returns a recorder that adds each checked write to c (may be nil).
func New(c Counter) *Recorder { return &Recorder{counter: c} }

// Grant makes [start, start+n) the live range of kind k, replacing any
// earlier grant of that kind.
func (r *Recorder) Grant(k Kind, start, n uint64) {
	if k == 0 || k >= numKinds {
		return
	}
	r.grants[k], r.live[k] = Range{start, n}, true
}

// Revoke ends kind k's grant: the import that handed it over returned.
func (r *Recorder) Revoke(k Kind) {
	if k > 0 && k < numKinds {
		r.live[k] = false
	}
}

// Granted returns kind k's live grant.
func (r *Recorder) Granted(k Kind) (Range, bool) {
	if k == 0 || k >= numKinds {
		return Range{}, false
	}
	return r.grants[k], r.live[k]
}

// Write checks a write of n bytes at addr for kind k and records it. It
// returns a *Violation, and records nothing, when the write is not inside
// k's live grant; the caller must then not write.
func (r *Recorder) Write(k Kind, addr, n uint64) error {
	if k == 0 || k >= numKinds || !r.live[k] || !r.grants[k].Contains(addr, n) {
		v := &Violation{Kind: k, Addr: addr, Len: n, Live: k > 0 && k < numKinds && r.live[k]}
		if v.Live {
			v.Granted = r.grants[k]
		}
		return v
	}
	r.checked++
	r.hist[r.nHist%HistoryLen] = Record{k, addr, n}
	r.nHist++
	if r.counter != nil {
		r.counter.Add(1)
	}
	return nil
}

// Checked is how many writes passed the check.
func (r *Recorder) Checked() uint64 { return r.checked }

// History returns the latest checked writes, oldest first.
func (r *Recorder) History() []Record {
	n := min(r.nHist, HistoryLen)
	out := make([]Record, 0, n)
	for i := r.nHist - n; i < r.nHist; i++ {
		out = append(out, r.hist[i%HistoryLen])
	}
	return out
}

func hex(v uint64) string { return "0x" + strconv.FormatUint(v, 16) }
