// Package kfault recognises the kernel's own fault reports in its console
// output: an RCU stall, a soft or hard lockup, a hung task, an oops or BUG,
// a panic. The host reads the console anyway; when the kernel says that a
// CPU stalled, the page should say so too instead of only "not answering"
// (issue 19). It is plain Go so its rules are tested natively and fuzzed.
//
// The scanner is fed what the main thread drained from the console, in
// whatever pieces it came (a line may be split across drains), and costs one
// newline search per chunk plus a first-byte test per line: it must not slow
// bulk output down. A report is recognised by its first line at the start of
// a console line (after an optional printk timestamp), as the kernel prints
// it; the lines that follow fill in the CPU and the task. A headline that
// continues another program's unterminated output on the same line is not
// recognised.
package kfault

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Kind is what the kernel reported.
type Kind string

const (
	RCUStall   Kind = "RCU stall"
	SoftLockup Kind = "soft lockup"
	HardLockup Kind = "hard lockup"
	HungTask   Kind = "hung task"
	Oops       Kind = "oops"
	Panic      Kind = "panic"
)

// Report is one fault report of the kernel.
type Report struct {
	Kind     Kind
	Headline string   // the report's first line, as printed (timestamp removed)
	CPUs     []int    // the CPUs it names (stalled, locked up, faulting), in order, no repeats
	Task     string   // the first task it names ("" if none)
	PID      int      // that task's pid (0 if not printed)
	Detail   string   // "stuck for 22s!", "blocked for more than 120 seconds" ...
	Lines    []string // its lines as printed, at most MaxLines of at most MaxLine bytes
	tasks    int      // task lines seen (an RCU stall dumps one per stalled CPU)
	complete bool
}

// Limits: a report keeps at most MaxLines lines, each cut to MaxLine bytes,
// and is given at most Settle after its headline for its details to follow.
const (
	MaxLines = 40
	MaxLine  = 240
	Settle   = time.Second
)

// Summary is the report in a sentence: "the kernel reports CPU 3 stalled
// (task ls): RCU stall".
func (r *Report) Summary() string {
	cpus := ""
	switch len(r.CPUs) {
	case 0:
	case 1:
		cpus = fmt.Sprintf("CPU %d", r.CPUs[0])
	default:
		s := make([]string, len(r.CPUs))
		for i, c := range r.CPUs {
			s[i] = strconv.Itoa(c)
		}
		cpus = "CPUs " + strings.Join(s, ", ")
	}
	task := ""
	if r.Task != "" {
		task = "task " + r.Task
		if r.PID > 0 {
			task += fmt.Sprintf(", pid %d", r.PID)
		}
	}
	switch r.Kind {
	case RCUStall, SoftLockup, HardLockup:
		what := string(r.Kind)
		if r.Detail != "" {
			what += ", " + r.Detail
		}
		if cpus == "" {
			s := "the kernel reports a stall"
			if task != "" {
				s += " (" + task + ")"
			}
			return s + ": " + what
		}
		verb := " stalled"
		if r.Kind == HardLockup {
			verb = " locked up"
		}
		s := "the kernel reports " + cpus + verb
		if task != "" {
			s += " (" + task + ")"
		}
		return s + ": " + what
	case HungTask:
		return fmt.Sprintf("the kernel reports task %s (pid %d) %s", r.Task, r.PID, r.Detail)
	}
	what := "a fault"
	if r.Kind == Panic {
		what = "a panic"
	}
	where := ""
	switch {
	case cpus != "" && task != "":
		where = " on " + cpus + " (" + task + ")"
	case cpus != "":
		where = " on " + cpus
	case task != "":
		where = " (" + task + ")"
	}
	return "the kernel reports " + what + where + ": " + r.Headline
}

// Scanner finds reports in console output fed to it piece by piece.
type Scanner struct {
	partial  []byte // the current line so far (at most MaxLine bytes kept)
	cur      *Report
	curSince time.Time
}

// Feed scans the next piece of console output, seen at now, and returns the
// reports that it completed.
func (s *Scanner) Feed(now time.Time, text string) []Report {
	var done []Report
	for len(text) > 0 {
		i := strings.IndexByte(text, '\n')
		if i < 0 {
			s.keep(text)
			break
		}
		var line string
		if len(s.partial) > 0 {
			s.keep(text[:i])
			line = string(s.partial)
			s.partial = s.partial[:0]
		} else {
			line = text[:i]
			if len(line) > MaxLine {
				line = line[:MaxLine]
			}
		}
		text = text[i+1:]
		done = s.line(now, line, done)
	}
	return s.Flush(now, done)
}

// Flush returns (appended to done) a report whose details did not all come
// within Settle of its headline. Call it now and then when no output comes.
func (s *Scanner) Flush(now time.Time, done []Report) []Report {
	if s.cur != nil && now.Sub(s.curSince) >= Settle {
		done = append(done, *s.cur)
		s.cur = nil
	}
	return done
}

// Pending reports whether a report waits for its details.
func (s *Scanner) Pending() bool { return s.cur != nil }

func (s *Scanner) keep(b string) {
	if room := MaxLine - len(s.partial); room > 0 {
		s.partial = append(s.partial, b[:min(room, len(b))]...)
	}
}

// line handles one whole line.
func (s *Scanner) line(now time.Time, raw string, done []Report) []Report {
	l := clean(raw)
	r := headline(l)
	if r != nil && s.cur != nil && s.cur.Kind == Oops && r.Kind == Oops {
		// "BUG: kernel NULL pointer dereference" is followed by "Oops: ..."
		// in the same report.
		r = nil
	}
	if r != nil {
		if s.cur != nil {
			done = append(done, *s.cur)
		}
		r.Lines = []string{l}
		if r.complete {
			s.cur = nil
			return append(done, *r)
		}
		s.cur, s.curSince = r, now
		return done
	}
	if s.cur == nil {
		return done
	}
	r = s.cur
	if len(r.Lines) < MaxLines {
		r.Lines = append(r.Lines, l)
	}
	r.detail(l)
	if r.complete || len(r.Lines) >= MaxLines {
		done = append(done, *r)
		s.cur = nil
	}
	return done
}

// clean drops a carriage return, a printk timestamp ("[   21.123456] ") and
// leading spaces.
func clean(l string) string {
	l = strings.TrimRight(l, "\r")
	l = strings.TrimLeft(l, "\r")
	if len(l) > 0 && l[0] == '[' {
		if j := strings.IndexByte(l, ']'); j > 0 && j < 24 && isTimestamp(l[1:j]) {
			l = l[j+1:]
		}
	}
	return strings.TrimLeft(l, " ")
}

func isTimestamp(s string) bool {
	s = strings.TrimLeft(s, " ")
	dot := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '.' && !dot && i > 0:
			dot = true
		case c < '0' || c > '9':
			return false
		}
	}
	return dot
}

// headline recognises the first line of a report, or returns nil. The
// first-byte switch keeps ordinary lines to one comparison.
func headline(l string) *Report {
	if len(l) < 4 {
		return nil
	}
	switch l[0] {
	case 'r', 'I', 'w', 'N', 'W', 'B', 'O', 'k', 'K', 'U':
	default:
		return nil
	}
	rest, ok := cutAny(l, "rcu: INFO: ", "INFO: ")
	if ok && (strings.Contains(rest, "detected stalls on CPUs/tasks") || strings.Contains(rest, "self-detected stall on CPU")) {
		r := &Report{Kind: RCUStall, Headline: l}
		if _, list, ok := strings.Cut(rest, "CPUs/tasks:"); ok {
			r.addCPUList(list)
		}
		return r
	}
	if ok && strings.HasPrefix(rest, "task ") && strings.Contains(rest, " blocked for more than ") {
		// INFO: task ps:57 blocked for more than 120 seconds.
		who, detail, _ := strings.Cut(rest[len("task "):], " ")
		r := &Report{Kind: HungTask, Headline: l, Detail: strings.TrimSuffix(detail, "."), complete: true}
		r.Task, r.PID = splitTaskPID(who)
		return r
	}
	rest, _ = cutAny(l, "watchdog: ", "NMI watchdog: ")
	if after, ok := strings.CutPrefix(rest, "BUG: soft lockup - CPU#"); ok {
		// watchdog: BUG: soft lockup - CPU#3 stuck for 22s! [ps:57]
		r := &Report{Kind: SoftLockup, Headline: l, complete: true}
		if n, tail, ok := leadingInt(after); ok {
			r.addCPU(n)
			after = strings.TrimLeft(tail, " ")
		}
		if d, task, ok := strings.Cut(after, "["); ok {
			r.Detail = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(d), "!"))
			r.Task, r.PID = splitTaskPID(strings.TrimSuffix(strings.TrimSpace(task), "]"))
		}
		return r
	}
	if _, after, ok := strings.Cut(rest, "detected hard LOCKUP on cpu "); ok && strings.HasPrefix(rest, "Watchdog") {
		r := &Report{Kind: HardLockup, Headline: l}
		if n, _, ok := leadingInt(after); ok {
			r.addCPU(n)
		}
		return r
	}
	switch {
	case strings.HasPrefix(l, "Kernel panic - not syncing"):
		return &Report{Kind: Panic, Headline: l}
	case strings.HasPrefix(l, "Oops: "), strings.HasPrefix(l, "Oops[#"), strings.HasPrefix(l, "Internal error: Oops"),
		strings.HasPrefix(l, "BUG: "), strings.HasPrefix(l, "kernel BUG at "),
		strings.HasPrefix(l, "Unable to handle kernel "):
		return &Report{Kind: Oops, Headline: l}
	}
	return nil
}

// detail reads a line that follows the headline.
func (r *Report) detail(l string) {
	// The dump_stack() header: "CPU: 3 PID: 57 Comm: ps Not tainted ..."
	if after, ok := strings.CutPrefix(l, "CPU: "); ok {
		if n, tail, ok := leadingInt(after); ok {
			r.addCPU(n)
			if p, ok := strings.CutPrefix(strings.TrimLeft(tail, " "), "PID: "); ok {
				pid, tail, _ := leadingInt(p)
				if c, ok := strings.CutPrefix(strings.TrimLeft(tail, " "), "Comm: "); ok && r.Task == "" {
					r.Task, _, _ = strings.Cut(c, " ")
					r.PID = pid
				}
			}
			if r.Kind != RCUStall {
				r.complete = true
			}
		}
		return
	}
	if r.Kind != RCUStall {
		return
	}
	// "rcu: \t3-...0: (1 GPs behind) idle=..." (self-detected: "3-....:")
	if rest, ok := strings.CutPrefix(l, "rcu:"); ok {
		rest = strings.TrimLeft(rest, " \t")
		if n, tail, ok := leadingInt(rest); ok && strings.HasPrefix(tail, "-") {
			if c := strings.IndexByte(tail, ':'); c > 0 && c <= 8 {
				r.addCPU(n)
			}
		}
		return
	}
	// "Task dump for CPU 3:"
	if after, ok := strings.CutPrefix(l, "Task dump for CPU "); ok {
		if n, _, ok := leadingInt(after); ok {
			r.addCPU(n)
		}
		return
	}
	// sched_show_task(): "task:ls   state:R  running task  stack:0  pid:57  ppid:48 ..."
	if after, ok := strings.CutPrefix(l, "task:"); ok {
		name, rest, _ := strings.Cut(after, " ")
		if r.Task == "" {
			r.Task = name
			if _, p, ok := strings.Cut(rest, "pid:"); ok {
				r.PID, _, _ = leadingInt(strings.TrimLeft(p, " "))
			}
		}
		r.tasks++
		if len(r.CPUs) > 0 && r.tasks >= len(r.CPUs) {
			r.complete = true
		}
	}
}

// addCPUList reads the CPUs named on an RCU stall's headline: the old form
// "{ 3 4}" or the entries "3-...0" of the new.
func (r *Report) addCPUList(s string) {
	for _, f := range strings.Fields(strings.NewReplacer("{", " ", "}", " ").Replace(s)) {
		if f == "(detected" {
			break
		}
		if n, tail, ok := leadingInt(f); ok && (tail == "" || tail[0] == '-') {
			r.addCPU(n)
		}
	}
}

func (r *Report) addCPU(n int) {
	for _, c := range r.CPUs {
		if c == n {
			return
		}
	}
	if len(r.CPUs) < 64 {
		r.CPUs = append(r.CPUs, n)
	}
}

// cutAny cuts the first of prefixes that l begins with.
func cutAny(l string, prefixes ...string) (string, bool) {
	for _, p := range prefixes {
		if rest, ok := strings.CutPrefix(l, p); ok {
			return rest, true
		}
	}
	return l, false
}

// leadingInt reads the decimal number s begins with (at most 9 digits).
func leadingInt(s string) (n int, rest string, ok bool) {
	i := 0
	for i < len(s) && i < 9 && s[i] >= '0' && s[i] <= '9' {
		n = n*10 + int(s[i]-'0')
		i++
	}
	return n, s[i:], i > 0
}

// splitTaskPID splits "ps:57" (a comm may itself contain ':').
func splitTaskPID(s string) (string, int) {
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		if n, rest, ok := leadingInt(s[i+1:]); ok && rest == "" {
			return s[:i], n
		}
	}
	return s, 0
}
