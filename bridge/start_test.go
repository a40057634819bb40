package bridge

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// worker.js reads exactly the start-message keys ReadByWorkerJS lists, each
// of which a message carries, and the kinds and role by their Go values;
// every other key a message carries is read by the worker's Go.
func TestStartMessageKeysAgreeWithWorkerJS(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "www", "worker.js"))
	require.NoError(t, err)
	// worker.js names the messages d (startGo(d), startMachine(d)) and
	// e.data in its onmessage.
	read := map[string]bool{}
	for _, m := range regexp.MustCompile(`\b(?:d|e\.data)\.([A-Za-z_]\w*)`).FindAllSubmatch(src, -1) {
		read[string(m[1])] = true
	}
	var got []string
	for k := range read {
		got = append(got, k)
	}
	sort.Strings(got)
	want := append([]string(nil), ReadByWorkerJS...)
	sort.Strings(want)
	assert.Equal(t, want, got, "keys worker.js reads")

	goMsg := GoStart{HostmemNames: []string{"x"}}.Message()
	primary := MachineStart{Role: RolePrimary, Programs: []Program{{Key: 1<<40 | 7}}}.Message()
	pool := MachineStart{Role: RolePool}.Message()
	sent := map[string]bool{}
	for _, m := range []map[string]any{goMsg, primary, pool} {
		for k := range m {
			sent[k] = true
		}
	}
	for _, k := range ReadByWorkerJS {
		assert.True(t, sent[k], "worker.js reads %q, which no message carries", k)
	}
	assert.NotContains(t, pool, KeyInitrd, "only the primary gets the initramfs")
	assert.Equal(t, KindGo, goMsg[KeyKind])
	assert.Equal(t, KindMachine, primary[KeyKind])
	for _, kind := range []string{KindGo, KindMachine} {
		assert.Regexp(t, `e\.data\.kind === '`+kind+`'`, string(src), "worker.js dispatches on kind %q", kind)
	}
	// A program key travels as two exact 32-bit halves.
	p := primary[KeyPrograms].([]any)[0].([]any)
	assert.Equal(t, uint64(1<<40|7), uint64(p[0].(uint32))<<32|uint64(p[1].(uint32)))
}

// The worker's Go reads the other keys through these constants; it reads
// them from gohostWorker.start, which worker.js must set to the message.
func TestWorkerJSHandsTheMachineMessageToGo(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "www", "worker.js"))
	require.NoError(t, err)
	assert.Regexp(t, `\bstart: d,`, string(src))
}

// A machine's start message carries the name lists the host converted once
// (StartLists) instead of converting them again.
func TestMachineStartLists(t *testing.T) {
	lists := &StartLists{HostImports: "imports", HostImpls: "impls", SysStubs: "stubs"}
	m := MachineStart{HostImports: []string{"a"}, HostImpls: []string{"b"}, SysStubs: []string{"c"}, Lists: lists}.Message()
	assert.Equal(t, "imports", m[KeyHostImports])
	assert.Equal(t, "impls", m[KeyHostImpls])
	assert.Equal(t, "stubs", m[KeySysStubs])
	m = MachineStart{HostImports: []string{"a"}, HostImpls: []string{"b"}, SysStubs: []string{"c"}}.Message()
	assert.Equal(t, []any{"a"}, m[KeyHostImports])
	assert.Equal(t, []any{"b"}, m[KeyHostImpls])
	assert.Equal(t, []any{"c"}, m[KeySysStubs])
}
