package memcheck

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

type count struct{ n atomic.Uint32 }

func (c *count) Add(n uint32) { c.n.Add(n) }

func TestWriteInsideGrant(t *testing.T) {
	var c count
	r := New(&c)
	r.Grant(ConsoleIn, 0x1000, 16)
	for _, w := range []struct{ addr, n uint64 }{{0x1000, 16}, {0x1000, 0}, {0x100f, 1}, {0x1010, 0}, {0x1004, 4}} {
		if err := r.Write(ConsoleIn, w.addr, w.n); err != nil {
			t.Errorf("write %#x+%d inside [0x1000, 0x1010): %v", w.addr, w.n, err)
		}
	}
	if r.Checked() != 5 || c.n.Load() != 5 {
		t.Errorf("checked %d, counter %d, want 5 each", r.Checked(), c.n.Load())
	}
}

func TestWriteOutsideGrant(t *testing.T) {
	r := New(nil)
	r.Grant(ConsoleIn, 0x1000, 16)
	r.Grant(Cmdline, 0x8000, 512)
	for _, w := range []struct {
		k       Kind
		addr, n uint64
	}{
		{ConsoleIn, 0x1000, 17},           // one byte past the end
		{ConsoleIn, 0x1010, 1},            // the byte just past
		{ConsoleIn, 0xfff, 1},             // the byte just before
		{ConsoleIn, 0xfff, 2},             // straddles the start
		{ConsoleIn, 0x1011, 0},            // empty, but beyond the range
		{ConsoleIn, 0x1008, ^uint64(0)},   // a length that would wrap
		{Cmdline, 0x1000, 1},              // another kind's range
		{StackTrace, 0x1000, 1},           // nothing granted of this kind
		{0, 0x1000, 1},                    // no kind
		{numKinds, 0x1000, 1},             // unknown kind
		{Cmdline, 0x8000 + 511, 2},        // a NUL past COMMAND_LINE_SIZE
		{ConsoleIn, ^uint64(0) - 1, 0x10}, // wraps the address space
	} {
		err := r.Write(w.k, w.addr, w.n)
		var v *Violation
		if !errors.As(err, &v) {
			t.Errorf("write %v %#x+%d: got %v, want a violation", w.k, w.addr, w.n, err)
			continue
		}
		if v.Kind != w.k || v.Addr != w.addr || v.Len != w.n {
			t.Errorf("violation %+v does not name the write %v %#x+%d", v, w.k, w.addr, w.n)
		}
	}
	if r.Checked() != 0 || len(r.History()) != 0 {
		t.Errorf("violations were recorded as checked writes: %d, %v", r.Checked(), r.History())
	}
}

func TestViolationMessage(t *testing.T) {
	r := New(nil)
	r.Grant(ConsoleIn, 0x1000, 16)
	err := r.Write(ConsoleIn, 0x1010, 1)
	if err == nil {
		t.Fatal("a write past the grant passed")
	}
	msg := err.Error()
	for _, want := range []string{"console input", "1 bytes", "[0x1010, 0x1011)", "[0x1000, 0x1010)"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	if err = r.Write(Random, 0x2000, 32); err == nil {
		t.Fatal("a write with no grant passed")
	}
	msg = err.Error()
	if !strings.Contains(msg, "random bytes") || !strings.Contains(msg, "no range of that kind") {
		t.Errorf("message %q does not say nothing was granted", msg)
	}
}

func TestRevoke(t *testing.T) {
	r := New(nil)
	r.Grant(StackTrace, 0x4000, 1000)
	if err := r.Write(StackTrace, 0x4000, 1000); err != nil {
		t.Fatal(err)
	}
	r.Revoke(StackTrace)
	if err := r.Write(StackTrace, 0x4000, 1); err == nil {
		t.Error("a write after the import returned passed")
	}
	// a new grant replaces the old range entirely
	r.Grant(StackTrace, 0x9000, 16)
	if err := r.Write(StackTrace, 0x4000, 1); err == nil {
		t.Error("a write into a replaced grant passed")
	}
	if g, ok := r.Granted(StackTrace); !ok || g != (Range{0x9000, 16}) {
		t.Errorf("Granted = %v %v", g, ok)
	}
}

func TestHistory(t *testing.T) {
	r := New(nil)
	r.Grant(Initrd, 0, 1<<20)
	for i := uint64(0); i < HistoryLen+5; i++ {
		if err := r.Write(Initrd, i, 1); err != nil {
			t.Fatal(err)
		}
	}
	h := r.History()
	if len(h) != HistoryLen || h[0].Addr != 5 || h[len(h)-1].Addr != HistoryLen+4 {
		t.Errorf("history %v: want the last %d writes, oldest first", h, HistoryLen)
	}
}

func TestKindNames(t *testing.T) {
	if KindNamed("") != 0 || KindNamed("nothing") != 0 {
		t.Error("KindNamed found a kind for no name")
	}
	seen := map[string]bool{}
	for k := Kind(1); k < numKinds; k++ {
		s := k.String()
		if s == "" || strings.HasPrefix(s, "kind ") || seen[s] {
			t.Errorf("kind %d has name %q", k, s)
		}
		seen[s] = true
		if KindNamed(s) != k {
			t.Errorf("KindNamed(%q) = %v, want %v", s, KindNamed(s), k)
		}
	}
}

// Several workers, each with its own recorder, add to one shared counter
// (the bridge's word): the total is every checked write.
func TestSharedCounterRace(t *testing.T) {
	var c count
	var wg sync.WaitGroup
	const workers, writes = 8, 1000
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := New(&c)
			for i := 0; i < writes; i++ {
				r.Grant(ConsoleIn, uint64(i)*16, 16)
				if err := r.Write(ConsoleIn, uint64(i)*16, 16); err != nil {
					t.Error(err)
					return
				}
				r.Revoke(ConsoleIn)
			}
		}()
	}
	wg.Wait()
	if got := c.n.Load(); got != workers*writes {
		t.Errorf("counter %d, want %d", got, workers*writes)
	}
}
