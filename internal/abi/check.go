package abi

import (
	"errors"
	"fmt"
	"strings"

	"github.com/linuxwasm/gohost/internal/wasmbin"
)

// Problem is one way a module does not match the ABI.
type Problem struct {
	// Symbol is the import or export concerned ("env.wasm_panic",
	// "ret_from_fork"), or "" for a module-level problem.
	Symbol string
	// Msg is a complete sentence fragment, e.g. "missing export ret_from_fork".
	Msg string
}

func (p Problem) String() string { return p.Msg }

// MismatchError lists every problem found in a module.
type MismatchError struct {
	What     string // "kernel" or "user program"
	Problems []Problem
	// CheckedAs (kernels) says which kind the module was checked as, and
	// why: "checked as a 7.0 wasm32 kernel (...) because it imports
	// wasm_random_get_bytes".
	CheckedAs string
}

// Error formats the problems one per line, readable on a web page (plain
// text, no markup).
func (e *MismatchError) Error() string {
	var b strings.Builder
	n := len(e.Problems)
	s := "s"
	if n == 1 {
		s = ""
	}
	fmt.Fprintf(&b, "%s does not match the Linux/Wasm host ABI (%d problem%s", e.What, n, s)
	if e.CheckedAs != "" {
		b.WriteString("; " + e.CheckedAs)
	}
	b.WriteString("):")
	for _, p := range e.Problems {
		b.WriteString("\n  - ")
		b.WriteString(p.Msg)
	}
	return b.String()
}

// Messages returns the problems' messages.
func (e *MismatchError) Messages() []string {
	out := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		out[i] = p.Msg
	}
	return out
}

type problems struct{ list []Problem }

func (ps *problems) add(sym, format string, args ...any) {
	ps.list = append(ps.list, Problem{Symbol: sym, Msg: fmt.Sprintf(format, args...)})
}

func (ps *problems) err(what string) error {
	if e := ps.mismatch(what); e != nil {
		return e
	}
	return nil
}

func (ps *problems) mismatch(what string) *MismatchError {
	if len(ps.list) == 0 {
		return nil
	}
	return &MismatchError{What: what, Problems: ps.list}
}

// SysStub is an unimplemented-syscall import the host answers with
// SysStubResult (-ENOSYS).
type SysStub struct {
	Name string
	Type *wasmbin.FuncType
}

// KernelInfo is what a host needs to know about an accepted kernel.
type KernelInfo struct {
	// Kind is the kind of kernel found (generation and pointer width).
	Kind KernelKind
	// MemoryMin is the declared minimum of the memory import (pages): the
	// host must create the memory with at least this many pages.
	MemoryMin uint64
	// MemoryMax is the declared maximum (pages); the host's maximum must
	// not exceed it.
	MemoryMax uint64
	// SysStubs are the sys_* imports, in import order. A 7.0-era kernel is
	// expected to have none (its cond_syscall aliases sys_ni_syscall), but
	// one that has them is still run with them stubbed, as
	// gen2-interface-facts.md section 7 advises: -ENOSYS is what the newer
	// kernel answers from inside itself for the same syscalls.
	SysStubs []SysStub
	// HostImports are the names of the host functions the kernel imports,
	// in import order, and HostImpls the names of the worker's exports that
	// implement them (Symbol.Impl, or the import's own name).
	HostImports []string
	HostImpls   []string
	// HasRaiseInterrupt reports whether the raise_interrupt export exists.
	HasRaiseInterrupt bool
}

// UnexpectedSysStubs reports whether the kernel imports sys_* functions its
// generation does not: a 7.0-era kernel built before cond_syscall changed.
func (k *KernelInfo) UnexpectedSysStubs() bool {
	return k.Kind != InitialWasm32 && len(k.SysStubs) > 0
}

// ErrNilModule is returned for a nil module.
var ErrNilModule = errors.New("abi: nil module")

// kindName names a kind with an article for messages.
func kindName(k wasmbin.Kind) string {
	return k.String()
}

func globalStr(g *wasmbin.GlobalType) string { return g.String() }

// DetectKind says which kind of kernel a module claims to be, from its
// memory type and its imports, and why: a memory64 memory is a 7.0 wasm64
// kernel; otherwise a 2-parameter wasm_start_cpu or a wasm_random_get_bytes
// import is a 7.0 wasm32 kernel; otherwise it is an initial-release one.
// The generations can be told apart this way (gen2-interface-facts.md
// section 9 item 3); CheckKernel then checks the module against that kind.
func DetectKind(m *wasmbin.Module) (KernelKind, string) {
	mem64, startParams, random := false, -1, false
	for _, im := range m.Imports {
		if im.Module != Kernel.Module {
			continue
		}
		switch {
		case im.Name == "memory" && im.Memory != nil:
			mem64 = im.Memory.Memory64
		case im.Name == "wasm_start_cpu" && im.Func != nil:
			startParams = len(im.Func.Params)
		case im.Name == "wasm_random_get_bytes":
			random = true
		}
	}
	switch {
	case mem64:
		return Gen70Wasm64, "its memory is memory64"
	case startParams == 2:
		return Gen70Wasm32, "it imports wasm_start_cpu with 2 parameters"
	case random:
		return Gen70Wasm32, "it imports wasm_random_get_bytes"
	}
	return InitialWasm32, "it has a 32-bit memory, no wasm_random_get_bytes import and no 2-parameter wasm_start_cpu"
}

// CheckKernel checks a parsed vmlinux.wasm: it finds which of the three
// kinds the module claims to be ([DetectKind]) and checks it against that
// kind's spec ([KernelKind.Spec]). It returns a *MismatchError listing every
// problem found (not only the first), or nil.
//
// Rules: every import must come from "env" and be the memory, one of the
// spec's host functions with its exact type, or a sys_* stub (i32/i64
// params, one pointer-sized result or none). The memory must be imported,
// shared, of the kind's index width, with a maximum within the kind's
// limit. Link-time assertion traps (__bad_udelay, ...) mean a faulty build.
// Every required export must exist with its exact type; optional ones
// (raise_interrupt, the table, memory_start/memory_end/memory_kernel_break)
// are type-checked when present. Imports the kernel does not use are not
// problems.
//
// A module mixing the generations or the widths is refused with the mix
// named: an import or export with another kind's type says which kind that
// type belongs to, and an initial-release wasm_start_cpu beside a 7.0-era
// sign (wasm_random_get_bytes, memory64) is named as such. The first problem
// then says which kind the module was checked as, and why.
func CheckKernel(m *wasmbin.Module) (*KernelInfo, error) {
	if m == nil {
		return nil, ErrNilModule
	}
	kind, why := DetectKind(m)
	k := kind.Spec()
	var ps problems
	info := &KernelInfo{Kind: kind}

	sawMemory := false
	// The spec's imports by name, and the common case first: a real kernel
	// has ~600 imports, nearly all unimplemented syscalls, and the host
	// checks them on the page's main thread while the kernel compiles (a
	// scan of the spec's list and a name concatenated for each made this
	// function among the costliest the browser compiled at its top tier).
	specImports := make(map[string]*Symbol, len(k.Imports))
	for i := range k.Imports {
		specImports[k.Imports[i].Name] = &k.Imports[i]
	}
	for i := range m.Imports {
		im := &m.Imports[i]
		if im.Module == k.Module && strings.HasPrefix(im.Name, k.SysPrefix) && specImports[im.Name] == nil &&
			im.Kind == wasmbin.KindFunc && k.IsSysStub(im.Name, im.Func) && !containsStr(k.TrapImports, im.Name) {
			// The common case, an unimplemented syscall, without the
			// bookkeeping of the others.
			info.SysStubs = append(info.SysStubs, SysStub{Name: im.Name, Type: im.Func})
			continue
		}
		full := im.Module + "." + im.Name
		if im.Module != k.Module {
			ps.add(full, "unknown import %s (only module %q is provided)", full, k.Module)
			continue
		}
		name := im.Name
		if name == "memory" {
			sawMemory = true
			if im.Kind != wasmbin.KindMemory {
				ps.add(full, "import memory is a %s, want a memory", kindName(im.Kind))
				continue
			}
			l := im.Memory
			info.MemoryMin, info.MemoryMax = l.Min, l.Max
			if !l.Shared {
				ps.add(full, "memory is not shared (link with --shared-memory)")
			}
			if !l.HasMax {
				ps.add(full, "memory has no maximum, want at most %d pages", k.MaxMemoryPages)
			} else if l.Max > k.MaxMemoryPages {
				ps.add(full, "memory maximum is %d pages, want at most %d", l.Max, k.MaxMemoryPages)
			}
			continue
		}
		if containsStr(k.TrapImports, name) {
			ps.add(full, "import %s: link-time assertion trap present, kernel build is faulty", name)
			continue
		}
		if want := specImports[name]; want != nil {
			if im.Kind != wasmbin.KindFunc {
				ps.add(full, "import %s is a %s, want a function %s", name, kindName(im.Kind), want.Func)
				continue
			}
			if !im.Func.Equal(want.Func) {
				ps.add(full, "import %s has type %s, want %s%s", name, im.Func, want.Func, otherKinds(kind, im.Func, (*KernelSpec).Import, name))
				continue
			}
			info.HostImports = append(info.HostImports, name)
			impl := want.Impl
			if impl == "" {
				impl = name
			}
			info.HostImpls = append(info.HostImpls, impl)
			continue
		}
		if strings.HasPrefix(name, k.SysPrefix) {
			if im.Kind != wasmbin.KindFunc {
				ps.add(full, "import %s is a %s, want a function (unimplemented syscall)", name, kindName(im.Kind))
				continue
			}
			if !k.IsSysStub(name, im.Func) {
				ps.add(full, "import %s has type %s, want i32/i64 parameters and one %s result or none (unimplemented syscall)", name, im.Func, k.SysResult)
				continue
			}
			info.SysStubs = append(info.SysStubs, SysStub{Name: name, Type: im.Func})
			continue
		}
		ps.add(full, "unknown import %s", full)
	}
	if !sawMemory {
		if len(m.Memories) > 0 {
			ps.add("env.memory", "memory is not imported: the kernel defines its own memory (link with --import-memory)")
		} else {
			ps.add("env.memory", "memory is not imported (env.memory)")
		}
	}

	for i := range k.Exports {
		want := &k.Exports[i]
		e := m.Export(want.Name)
		if e == nil {
			if want.Required {
				ps.add(want.Name, "missing export %s", want.Name)
			}
			continue
		}
		checkExport(&ps, want, e, kind)
	}
	info.HasRaiseInterrupt = m.Export("raise_interrupt") != nil && m.Export("raise_interrupt").Kind == wasmbin.KindFunc
	if err := ps.mismatch("kernel"); err != nil {
		// Say which spec the module was held to, so that a message about a
		// type names its reference.
		err.CheckedAs = fmt.Sprintf("checked as %s kernel (%s) because %s", kind.WithArticle(), kind.Long(), why)
		return info, err
	}
	return info, nil
}

// otherKinds says which other kinds give the symbol exactly type t, for a
// mismatch message ("" when none does): the sign of a module that mixes
// generations or widths.
func otherKinds(kind KernelKind, t *wasmbin.FuncType, lookup func(*KernelSpec, string) *Symbol, name string) string {
	var names []string
	for _, kk := range KernelKinds {
		if kk == kind {
			continue
		}
		if s := lookup(kk.Spec(), name); s != nil && s.Kind == wasmbin.KindFunc && s.Func.Equal(t) {
			names = append(names, kk.WithArticle())
		}
	}
	if len(names) == 0 {
		return ""
	}
	return " (that is the type of " + strings.Join(names, " or ") + " kernel: this module mixes kernel kinds)"
}

// checkExport compares a present export with the spec; kind (of a kernel,
// KindUnknown for a user program) lets a mismatch name the kind whose type
// the export has.
func checkExport(ps *problems, want *Symbol, e *wasmbin.Export, kind KernelKind) {
	if e.Kind != want.Kind {
		ps.add(want.Name, "export %s is a %s, want a %s %s", want.Name, kindName(e.Kind), kindName(want.Kind), want.TypeString())
		return
	}
	switch want.Kind {
	case wasmbin.KindFunc:
		if !e.Func.Equal(want.Func) {
			other := ""
			if kind != KindUnknown {
				other = otherKinds(kind, e.Func, (*KernelSpec).Export, want.Name)
			}
			ps.add(want.Name, "export %s has type %s, want %s%s", want.Name, e.Func, want.Func, other)
		}
	case wasmbin.KindGlobal:
		if *e.Global != *want.Global {
			ps.add(want.Name, "export %s has type %s, want %s", want.Name, globalStr(e.Global), globalStr(want.Global))
		}
	case wasmbin.KindTable:
		if want.Elem != 0 && e.Table.Elem != want.Elem {
			ps.add(want.Name, "export %s is a table of %s, want %s", want.Name, e.Table.Elem, want.Elem)
		}
	}
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ProgramInfo is what a host needs to know about an accepted user program.
type ProgramInfo struct {
	// Dylink is the WASM_DYLINK_MEM_INFO of the dylink.0 section.
	Dylink wasmbin.DylinkMemInfo
	// Memory is the memory import's limits (nil if not imported).
	Memory *wasmbin.Limits
	// HasTable reports whether __indirect_function_table is imported;
	// TableMin is its declared minimum.
	HasTable bool
	TableMin uint64
	// Exports present (section 6.4).
	HasApplyDataRelocs bool // __wasm_apply_data_relocs
	HasCallCtors       bool // __wasm_call_ctors
	HasStart           bool // _start
	HasCloneCallback   bool // __libc_clone_callback
	HasHandleSignal    bool // __libc_handle_signal
	HasSetTLSBase      bool // __set_tls_base
	// Imports lists the names of the env imports the program uses.
	Imports []string
}

// TableSize is the minimum number of elements the per-instance table must
// have: the larger of the table import's minimum and dylink's TableSize.
func (p *ProgramInfo) TableSize() uint64 {
	return max(p.TableMin, uint64(p.Dylink.TableSize))
}

// CheckUserProgram checks a parsed user program against [User], or [User64]
// when its memory is a memory64 (a wasm64 program): the first
// section must be dylink.0 with a WASM_DYLINK_MEM_INFO subsection; imports
// must come from "env" and be among the spec's imports with the right kind and
// type (a program imports only what it uses, so missing ones are fine);
// the memory must be shared; the known exports, when present,
// must have the right type. Missing exports are not problems: ProgramInfo
// says which exist. It returns a *MismatchError listing every problem.
func CheckUserProgram(m *wasmbin.Module) (*ProgramInfo, error) {
	if m == nil {
		return nil, ErrNilModule
	}
	var ps problems
	info := &ProgramInfo{}
	u := &User
	if mem := m.Import(User.Module, "memory"); mem != nil && mem.Memory != nil && mem.Memory.Memory64 {
		u = &User64 // a wasm64 program (7.0 wasm64 kernels)
	}
	switch {
	case m.FirstSection != u.FirstSection:
		first := "no section at all"
		if len(m.Sections) > 0 {
			s := m.Sections[0]
			if s.ID == wasmbin.SecCustom {
				first = fmt.Sprintf("custom section %q", s.Name)
			} else {
				first = "the " + wasmbin.SectionName(s.ID) + " section"
			}
		}
		ps.add("", "first section is %s, want custom section %q (not a position-independent Linux/Wasm program: link with -shared)", first, u.FirstSection)
	case m.Dylink == nil:
		ps.add("", "section %s has no WASM_DYLINK_MEM_INFO subsection", u.FirstSection)
	default:
		info.Dylink = *m.Dylink
	}

	for _, im := range m.Imports {
		full := im.Module + "." + im.Name
		want := u.Import(im.Name)
		if im.Module != u.Module || want == nil {
			ps.add(full, "unknown import %s", full)
			continue
		}
		info.Imports = append(info.Imports, im.Name)
		if im.Kind != want.Kind {
			ps.add(full, "import %s is a %s, want a %s %s", im.Name, kindName(im.Kind), kindName(want.Kind), want.TypeString())
			continue
		}
		switch want.Kind {
		case wasmbin.KindMemory:
			l := im.Memory
			info.Memory = l
			if !l.Shared {
				ps.add(full, "memory is not shared (link with --shared-memory)")
			}
			if l.HasMax && l.Max > want.MaxPages {
				ps.add(full, "memory maximum is %d pages, want at most %d", l.Max, want.MaxPages)
			}
		case wasmbin.KindTable:
			info.HasTable = true
			info.TableMin = im.Table.Limits.Min
			if im.Table.Elem != want.Elem {
				ps.add(full, "import %s is a table of %s, want %s", im.Name, im.Table.Elem, want.Elem)
			}
			if im.Table.Limits.Memory64 && !u.Wasm64Table {
				ps.add(full, "import %s is a 64-bit table, want 32-bit", im.Name)
			}
			if m.Dylink != nil && im.Table.Limits.HasMax && im.Table.Limits.Max < uint64(m.Dylink.TableSize) {
				ps.add(full, "import %s has maximum %d, below the dylink.0 table size %d", im.Name, im.Table.Limits.Max, m.Dylink.TableSize)
			}
		case wasmbin.KindGlobal:
			if *im.Global != *want.Global {
				ps.add(full, "import %s has type %s, want %s", im.Name, im.Global, want.Global)
			}
		case wasmbin.KindFunc:
			if !im.Func.Equal(want.Func) {
				ps.add(full, "import %s has type %s, want %s", im.Name, im.Func, want.Func)
			}
		}
	}

	for i := range u.Exports {
		want := &u.Exports[i]
		e := m.Export(want.Name)
		if e == nil {
			continue
		}
		before := len(ps.list)
		checkExport(&ps, want, e, KindUnknown)
		if len(ps.list) != before {
			continue
		}
		switch want.Name {
		case "__wasm_apply_data_relocs":
			info.HasApplyDataRelocs = true
		case "__wasm_call_ctors":
			info.HasCallCtors = true
		case "_start":
			info.HasStart = true
		case "__libc_clone_callback":
			info.HasCloneCallback = true
		case "__libc_handle_signal":
			info.HasHandleSignal = true
		case "__set_tls_base":
			info.HasSetTLSBase = true
		}
	}
	return info, ps.err("user program")
}
