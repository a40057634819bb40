package bridge

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBoardRecordsStateAndChanges(t *testing.T) {
	b := newBridge(t, small)
	_, ok := b.Board.Get(7)
	assert.False(t, ok, "a worker that never claimed its record has none")

	b.Board.Claim(7, WorkerJobWait)
	r, ok := b.Board.Get(7)
	require.True(t, ok)
	assert.Equal(t, uint32(WorkerJobWait), r.State)
	assert.Equal(t, NoSlot, r.Slot)
	seq := r.Seq

	b.Board.SetTask(7, 0x4000, 3)
	b.Board.Set(7, WorkerParkedSwitch)
	r, _ = b.Board.Get(7)
	assert.Equal(t, uint32(WorkerParkedSwitch), r.State)
	assert.Equal(t, uint32(0x4000), r.Task)
	assert.Equal(t, uint32(3), r.Slot)
	assert.NotEqual(t, seq, r.Seq, "every Set changes the sequence, so an unchanged record means no progress")

	// Setting the same state again still counts as a change (a park after a wake).
	seq = r.Seq
	b.Board.Set(7, WorkerParkedSwitch)
	r, _ = b.Board.Get(7)
	assert.NotEqual(t, seq, r.Seq)

	// A later worker whose id maps to the same record takes it over.
	b.Board.Claim(7+BoardCap, WorkerRunning)
	_, ok = b.Board.Get(7)
	assert.False(t, ok, "the record now belongs to another worker")
	assert.Equal(t, "parked in wasm_serialize_tasks", WorkerStateName(WorkerParkedSwitch))
	assert.Equal(t, "unknown", WorkerStateName(200))
}

func TestSnapshotShowsCellsJobsAndRings(t *testing.T) {
	b := newBridge(t, small)
	idle, _ := b.Tasks.Register(0x2000, Idle, 0)
	b.SetCPU(0, idle)
	parked, _ := b.Tasks.Register(0x6000, 0, 0)
	b.Tasks.SetWorker(parked, 5)
	b.Tasks.Wake(parked, 0x2000) // a wake pending before the park
	dead, _ := b.Tasks.Register(0xa000, 0, 0)
	b.Tasks.Unlink(0xa000)
	b.Tasks.Release(dead)
	require.True(t, b.Jobs.Push(&Job{Kind: JobTask, Slot: 9, A: 0x6000, B: 0xc000}, nil))
	b.ConsoleIn.Write(3, writeFrom(b.M, []byte("ls\r")))

	s := b.Snapshot()
	require.Len(t, s.CPUs, 1)
	assert.Equal(t, CPUCell{CPU: 0, Slot: idle, Task: 0x2000}, s.CPUs[0])
	require.Len(t, s.Tasks, 3)
	byTask := map[uint32]TaskCell{}
	for _, c := range s.Tasks {
		byTask[c.Task] = c
	}
	assert.Equal(t, uint32(lockWake), byTask[0x6000].Lock)
	assert.Equal(t, uint32(0x2000), byTask[0x6000].Last)
	assert.Equal(t, uint32(5), byTask[0x6000].Worker)
	assert.True(t, byTask[0x6000].Indexed)
	assert.False(t, byTask[0xa000].Indexed, "a released task is unlinked from the index")
	assert.Equal(t, uint32(Released), byTask[0xa000].Flags)
	assert.Equal(t, uint32(Idle), byTask[0x2000].Flags)
	require.Len(t, s.Jobs.Queued, 1)
	assert.Equal(t, uint32(0xc000), s.Jobs.Queued[0].B)
	assert.Equal(t, uint32(3), s.ConsoleIn.Tail-s.ConsoleIn.Head)
	assert.Equal(t, uint32(0), s.ConsoleOut.Tail-s.ConsoleOut.Head)
}
