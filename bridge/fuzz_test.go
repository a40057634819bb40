package bridge

import (
	"testing"
)

// FuzzRing drives a ring with an arbitrary sequence of writes and reads and
// checks it against a plain slice model.
func FuzzRing(f *testing.F) {
	f.Add([]byte{10, 200, 30, 255, 64, 1, 0})
	f.Add([]byte{255, 255, 255, 1, 2, 3})
	f.Fuzz(func(t *testing.T, ops []byte) {
		m := NewHeapMem(1024)
		r := NewRing(m, 0, 64)
		var model []byte
		seq := byte(0)
		for _, op := range ops {
			n := uint32(op & 0x7f)
			if op&0x80 == 0 {
				src := make([]byte, n)
				for i := range src {
					src[i] = seq
					seq++
				}
				k := r.Write(n, writeFrom(m, src))
				if want := min(n, 64-uint32(len(model))); k != want {
					t.Fatalf("wrote %d, want %d", k, want)
				}
				model = append(model, src[:k]...)
			} else {
				dst := make([]byte, n)
				k := r.Read(n, readInto(m, dst))
				if want := min(n, uint32(len(model))); k != want {
					t.Fatalf("read %d, want %d", k, want)
				}
				for i := uint32(0); i < k; i++ {
					if dst[i] != model[i] {
						t.Fatalf("byte %d: %d, want %d", i, dst[i], model[i])
					}
				}
				model = model[k:]
			}
			if r.Len() != uint32(len(model)) {
				t.Fatalf("len %d, model %d", r.Len(), len(model))
			}
		}
	})
}

// FuzzTaskTable registers, looks up and unlinks arbitrary task pointers and
// checks the index against a map.
func FuzzTaskTable(f *testing.F) {
	f.Add([]byte{1, 2, 3, 1, 0x81, 2, 0x82})
	f.Add([]byte{0, 0, 0x80, 0x80, 5, 5})
	f.Fuzz(func(t *testing.T, ops []byte) {
		c := Config{TaskSlots: 16, JobCap: 1, ConsoleOutCap: 16, ConsoleInCap: 16, ControlCap: 16}
		b := Open(NewHeapMem(c.Size()), c, true)
		model := map[uint32]uint32{}
		for _, op := range ops {
			// Few distinct pointers, shaped like task pointers, to force collisions.
			task := 0x10000 + uint32(op&0x1f)*0x2000 + 0x1f00
			if op&0x80 == 0 {
				if len(model) == 16 { // a reuse needs a free slot while the old one retires
					continue
				}
				s, retired := b.Tasks.Register(task, 0, 0)
				if old, ok := model[task]; ok {
					if retired != old {
						t.Fatalf("reuse of %#x retired %d, want %d", task, retired, old)
					}
					b.Tasks.Free(old)
				}
				if s == NoSlot {
					t.Fatalf("table full with %d entries", len(model))
				}
				model[task] = s
			} else {
				s := b.Tasks.Unlink(task)
				if want, ok := model[task]; ok != (s != NoSlot) || (ok && s != want) {
					t.Fatalf("unlink %#x: %d, model %d (%v)", task, s, want, ok)
				}
				if s != NoSlot {
					b.Tasks.Free(s)
				}
				delete(model, task)
			}
			for task, s := range model {
				if got := b.Tasks.Lookup(task); got != s {
					t.Fatalf("lookup %#x: %d, want %d", task, got, s)
				}
			}
		}
	})
}

// FuzzControlEvents posts records of arbitrary kinds, arguments and payload
// lengths (wrapping the ring many times, and over its per-record limit) and
// checks every one comes back whole and in order, or was refused whole.
func FuzzControlEvents(f *testing.F) {
	f.Add([]byte{1, 2, 3, 200, 0, 17})
	f.Add([]byte{255, 255, 255, 255})
	f.Fuzz(func(t *testing.T, ops []byte) {
		c := Config{TaskSlots: 16, JobCap: 1, ConsoleOutCap: 16, ConsoleInCap: 16, ControlCap: 128}
		b := Open(NewHeapMem(c.Size()), c, true)
		for i, op := range ops {
			n := int(op) % 48 // beyond Cap/4 = 32 the payload is cut to 32 bytes
			payload := make([]byte, n)
			for j := range payload {
				payload[j] = byte(i + j)
			}
			if !b.PostText(uint32(op), uint32(i), string(payload)) {
				t.Fatalf("post %d refused with the ring empty", i)
			}
			ev, ok := b.NextEvent()
			if !ok {
				t.Fatalf("event %d lost", i)
			}
			want := payload[:min(n, 32)]
			if ev.Kind != uint32(op) || ev.Arg != uint32(i) || string(ev.Payload) != string(want) {
				t.Fatalf("event %d: got %d/%d/%q, want %d/%d/%q", i, ev.Kind, ev.Arg, ev.Payload, op, i, want)
			}
		}
		if _, ok := b.NextEvent(); ok {
			t.Fatal("an event appeared from nowhere")
		}
	})
}

// FuzzJobs pushes and takes jobs in an arbitrary order against a FIFO model,
// with the queue filling up.
func FuzzJobs(f *testing.F) {
	f.Add([]byte{0, 0, 1, 0, 1, 1})
	f.Add([]byte{0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1})
	f.Fuzz(func(t *testing.T, ops []byte) {
		c := Config{TaskSlots: 16, JobCap: 4, ConsoleOutCap: 16, ConsoleInCap: 16, ControlCap: 16}
		b := Open(NewHeapMem(c.Size()), c, true)
		var model []uint32
		for i, op := range ops {
			if op&1 == 0 {
				j := Job{Kind: JobTask, Slot: uint32(i), A: uint32(op)}
				copy(j.Name[:], "task")
				ok := b.Jobs.Push(&j, nil)
				if ok != (len(model) < 4) {
					t.Fatalf("push with %d queued: %v", len(model), ok)
				}
				if ok {
					model = append(model, uint32(i))
				}
			} else if len(model) > 0 {
				j := b.Jobs.Take()
				if j.Slot != model[0] || j.TaskName() != "task" {
					t.Fatalf("took slot %d %q, want %d", j.Slot, j.TaskName(), model[0])
				}
				model = model[1:]
			}
			if got := b.Jobs.Backlog(); got != uint32(len(model)) {
				t.Fatalf("backlog %d, model %d", got, len(model))
			}
		}
	})
}
