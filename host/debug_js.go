package host

import (
	"fmt"
	"time"

	"github.com/linuxwasm/gohost/bridge"
)

// boardEvery is how often the main thread reads the workers' board records
// to time their states: often enough for "for how long" to be right within a
// quarter second, rarely enough to cost nothing.
const boardEvery = 250 * time.Millisecond

// watchHang reads the board (for durations) and asks the watchdog whether
// the machine stopped answering; if so it reports a state dump once.
func (m *Machine) watchHang() {
	now := time.Now()
	if now.Sub(m.boardAt) < boardEvery {
		return
	}
	m.flushKernelFaults()
	m.boardAt = now
	m.noteBoards(now)
	in, jobs := m.br.ConsoleIn, m.br.Jobs
	why := m.hang.check(now, in.Len(), in.Consumed(), jobs.Backlog(), jobs.Head(), m.br.Switches())
	if m.hang.takeResumed() {
		// Take back "not answering": say so, and give the page the stage
		// again (it showed the stall in its place).
		m.ev.Log("the machine is answering again")
		m.setStage(m.stage, "")
	}
	if why == "" {
		return
	}
	// The kernel may have said why itself.
	var kernel map[string]any
	if r, ago := m.lastKernelFault(); r != nil {
		why += fmt.Sprintf("; %v before, %s", ago.Round(time.Second), r.Summary())
		kernel = kernelMap(*r)
	}
	d := m.DebugState()
	text := "the machine is not answering: " + why + "\n" + d.Text()
	m.ev.Log(text)
	m.ev.Stall(why, text, d.Map(), kernel)
}

// noteBoards times every live worker's board record.
func (m *Machine) noteBoards(now time.Time) {
	if m.boardSeen == nil {
		m.boardSeen = map[uint32]boardSeen{}
	}
	for id := range m.workers {
		if r, ok := m.br.Board.Get(id); ok {
			noteBoard(m.boardSeen, r, now)
		}
	}
	for id := range m.boardSeen {
		if _, ok := m.workers[id]; !ok {
			delete(m.boardSeen, id)
		}
	}
}

// DebugState collects the machine's state (see DebugState); nil once the
// machine has stopped and its bridge is gone.
func (m *Machine) DebugState() *DebugState {
	if m.br == nil || m.stopped {
		return nil
	}
	now := time.Now()
	m.noteBoards(now)
	d := &DebugState{Stage: m.stage, Bridge: m.br.Snapshot(), Starting: m.pool.Starting(),
		Stock: len(m.assets.stock.started), PendingInput: len(m.pendingIn), KernelReports: m.kernelReportLines()}
	if !m.started.IsZero() {
		d.UptimeMs = now.Sub(m.started).Milliseconds()
	}
	for id, w := range m.workers {
		wd := WorkerDebug{ID: id, What: w.task, State: bridge.WorkerStateName(bridge.WorkerNone), Slot: bridge.NoSlot}
		if r, ok := m.br.Board.Get(id); ok {
			wd.State, wd.Task, wd.Slot = bridge.WorkerStateName(r.State), r.Task, r.Slot
			wd.For = noteBoard(m.boardSeen, r, now)
		}
		d.Workers = append(d.Workers, wd)
	}
	sortWorkers(d.Workers)
	return d
}
