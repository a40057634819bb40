//go:build !js

package stackdump

import (
	"testing"

	"github.com/chromedp/cdproto/profiler"
	"github.com/chromedp/cdproto/runtime"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func node(id int64, fn string, children ...int64) *profiler.ProfileNode {
	return &profiler.ProfileNode{ID: id, CallFrame: &runtime.CallFrame{FunctionName: fn, URL: "http://x/vmlinux.wasm", ColumnNumber: id}, Children: children}
}

// A profile read: samples per function on top, the heaviest stack from the
// most sampled real node up to (not including) the root, idle time not
// counted as code.
func TestSummarise(t *testing.T) {
	p := &profiler.Profile{
		Nodes: []*profiler.ProfileNode{
			node(1, "(root)", 2, 5),
			node(2, "$ret_from_fork", 3),
			node(3, "$spin_fn", 4),
			node(4, "$conf_stall_spin"),
			node(5, "(idle)"),
		},
		Samples:   []int64{4, 4, 5, 5, 5, 5, 5, 4, 3},
		StartTime: 1000, EndTime: 1001000,
	}
	s := Summarise(p)
	assert.Equal(t, 9, s.Samples)
	assert.Equal(t, []Share{{"(idle)", 5}, {"$conf_stall_spin", 3}, {"$spin_fn", 1}}, s.Self)
	require.Len(t, s.Heaviest, 3, "the idle node is sampled most but is not a stack")
	assert.Equal(t, "$conf_stall_spin", s.Heaviest0())
	assert.Equal(t, "$ret_from_fork", s.Heaviest[2].Function)
	assert.Equal(t, 4, s.Code())
	assert.Equal(t, "1s", s.Duration.String())
	assert.Equal(t, "$conf_stall_spin  vmlinux.wasm+0x4", s.Heaviest[0].String())
	assert.Equal(t, "startMachine  worker.js:189:21", Frame{Function: "startMachine", URL: "http://x/worker.js", Line: 188, Column: 20}.String())

	idle := Summarise(&profiler.Profile{Nodes: []*profiler.ProfileNode{node(1, "(root)", 2), node(2, "(idle)")}, Samples: []int64{2, 2}})
	assert.Empty(t, idle.Heaviest)
	assert.Equal(t, 0, idle.Code())
}

func TestReportText(t *testing.T) {
	r := &Report{Page: "P", Workers: []Worker{
		{Title: "w", URL: "http://x/worker.js", Paused: true, Frames: []Frame{{Function: "$schedule", URL: "http://x/vmlinux.wasm", Column: 0x36fc}}},
		{Title: "v", Err: "did not pause within 5s", Profile: &Profile{Samples: 2, Self: []Share{{"(idle)", 2}}}},
	}}
	txt := r.Text()
	assert.Contains(t, txt, "paused; call stack, innermost first:\n    #0 $schedule  vmlinux.wasm+0x36fc\n")
	assert.Contains(t, txt, "did not pause within 5s\n  CPU profile over 0s, 2 samples, 0 running code")
	assert.Contains(t, txt, "no code ran")
	assert.Equal(t, []string{"$schedule"}, r.Workers[0].Functions())
}
