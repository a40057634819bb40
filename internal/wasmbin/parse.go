package wasmbin

import (
	"encoding/binary"
)

// Module is the parsed description of a module.
type Module struct {
	Version uint32
	// Sections lists every section in file order.
	Sections []Section
	// FirstSection is the name of the first section when it is a custom
	// section, "" otherwise (or when there are no sections).
	FirstSection string
	// Customs holds the custom sections (name and contents) in file order.
	Customs []CustomSection

	Types    []*FuncType
	Imports  []Import
	Funcs    []uint32 // type index of each defined function
	Tables   []TableType
	Memories []Limits
	Tags     []TagType
	Globals  []Global
	Exports  []Export
	// Start is the start function index, or -1.
	Start int64
	// CodeCount is the number of bodies in the code section.
	CodeCount int

	// Dylink is the WASM_DYLINK_MEM_INFO of a dylink.0 custom section that
	// is the first section of the module; nil otherwise.
	Dylink *DylinkMemInfo

	numImported [5]int   // imports per kind
	importIdx   [5][]int // indices into Imports, per kind
}

// CustomSection is one custom section.
type CustomSection struct {
	Name string
	Data []byte // contents after the name (aliases the parsed bytes)
}

var sectionNames = [...]string{"custom", "type", "import", "function", "table", "memory",
	"global", "export", "start", "element", "code", "data", "datacount", "tag"}

// sectionOrder gives the required relative order of non-custom sections.
var sectionOrder = [...]int{SecType: 1, SecImport: 2, SecFunction: 3, SecTable: 4,
	SecMemory: 5, SecTag: 6, SecGlobal: 7, SecExport: 8, SecStart: 9, SecElement: 10,
	SecDataCount: 11, SecCode: 12, SecData: 13}

// SectionName returns the name of a section ID ("type", "import", ...).
func SectionName(id byte) string {
	if int(id) < len(sectionNames) {
		return sectionNames[id]
	}
	return "unknown"
}

const (
	dylinkSectionName = "dylink.0"
	dylinkMemInfo     = 1
)

// Parse parses a binary module. b is retained (CustomSection.Data and
// Global.Init alias it).
func Parse(b []byte) (*Module, error) { return parse(b, false) }

// ParseHead parses the head of a module (Stream.Head): the sections before
// its code, whose function section may then declare bodies that b does not
// hold.
func ParseHead(b []byte) (*Module, error) { return parse(b, true) }

func parse(b []byte, head bool) (*Module, error) {
	r := &reader{b: b}
	if len(b) < 8 {
		return nil, r.errf("too short for a wasm module (%d bytes)", len(b))
	}
	if string(b[:4]) != "\x00asm" {
		return nil, r.errf("bad magic %q (not a wasm module)", b[:4])
	}
	m := &Module{Version: binary.LittleEndian.Uint32(b[4:8]), Start: -1}
	if m.Version != 1 {
		r.pos = 4
		return nil, r.errf("unsupported wasm version %d (want 1)", m.Version)
	}
	r.pos = 8
	last := 0
	seenCode := false
	for r.remaining() > 0 {
		start := r.pos
		id, _ := r.byte1()
		if int(id) >= len(sectionNames) {
			r.pos--
			return nil, r.errf("unknown section id %d", id)
		}
		size, err := r.u32()
		if err != nil {
			return nil, err
		}
		if uint64(size) > uint64(r.remaining()) {
			return nil, r.errf("%s section size %d exceeds the %d remaining bytes", SectionName(id), size, r.remaining())
		}
		contents, _ := r.bytes(int(size))
		sr := &reader{b: contents, base: r.pos - int(size), section: SectionName(id)}
		sec := Section{ID: id, Start: start, Offset: sr.base, Size: int(size)}
		if id != SecCustom {
			if o := sectionOrder[id]; o <= last {
				return nil, sr.errf("section out of order or duplicated")
			} else {
				last = o
			}
		}
		switch id {
		case SecCustom:
			name, err := sr.name()
			if err != nil {
				return nil, err
			}
			sec.Name = name
			sr.section = "custom " + quote(name)
			m.Customs = append(m.Customs, CustomSection{Name: name, Data: contents[sr.pos:]})
			if len(m.Sections) == 0 {
				m.FirstSection = name
				if name == dylinkSectionName {
					if err := m.parseDylink(sr); err != nil {
						return nil, err
					}
				}
			}
			sr.pos = len(sr.b)
		case SecType:
			err = m.parseTypes(sr)
		case SecImport:
			err = m.parseImports(sr)
		case SecFunction:
			err = m.parseFunctions(sr)
		case SecTable:
			err = m.parseTables(sr)
		case SecMemory:
			err = m.parseMemories(sr)
		case SecTag:
			err = m.parseTags(sr)
		case SecGlobal:
			err = m.parseGlobals(sr)
		case SecExport:
			err = m.parseExports(sr)
		case SecStart:
			var idx uint32
			idx, err = sr.u32()
			if err == nil && uint64(idx) >= uint64(m.numImported[KindFunc]+len(m.Funcs)) {
				err = sr.errf("start function index %d out of range", idx)
			}
			m.Start = int64(idx)
		case SecCode:
			seenCode = true
			var n uint32
			n, err = sr.u32()
			if err == nil && int64(n) != int64(len(m.Funcs)) {
				err = sr.errf("code section has %d bodies, function section declares %d", n, len(m.Funcs))
			}
			m.CodeCount = int(n)
			sr.pos = len(sr.b) // bodies are not decoded
		default:
			sr.pos = len(sr.b) // not decoded
		}
		if err != nil {
			return nil, err
		}
		if sr.pos != len(sr.b) {
			return nil, sr.errf("section size mismatch: %d unread bytes at the end", len(sr.b)-sr.pos)
		}
		m.Sections = append(m.Sections, sec)
	}
	if !seenCode && len(m.Funcs) > 0 && !head {
		return nil, r.errf("function section declares %d functions but there is no code section", len(m.Funcs))
	}
	return m, nil
}

func quote(s string) string { return "\"" + s + "\"" }

func (m *Module) parseDylink(r *reader) error {
	for r.remaining() > 0 {
		typ, err := r.byte1()
		if err != nil {
			return err
		}
		size, err := r.u32()
		if err != nil {
			return err
		}
		if uint64(size) > uint64(r.remaining()) {
			return r.errf("dylink subsection size %d exceeds the %d remaining bytes", size, r.remaining())
		}
		sub := &reader{b: r.b[r.pos : r.pos+int(size)], base: r.base + r.pos, section: r.section}
		r.pos += int(size)
		if typ != dylinkMemInfo {
			continue
		}
		if m.Dylink != nil {
			return sub.errf("duplicate WASM_DYLINK_MEM_INFO subsection")
		}
		var vals [4]uint32
		for i := range vals {
			if vals[i], err = sub.u32(); err != nil {
				return err
			}
		}
		if sub.remaining() != 0 {
			return sub.errf("WASM_DYLINK_MEM_INFO size mismatch: %d unread bytes", sub.remaining())
		}
		m.Dylink = &DylinkMemInfo{MemSize: vals[0], MemAlign: vals[1], TableSize: vals[2], TableAlign: vals[3]}
	}
	return nil
}

func (r *reader) valType() (ValType, error) {
	c, err := r.byte1()
	if err != nil {
		return 0, err
	}
	if !validValType(c) {
		r.pos--
		return 0, r.errf("unsupported value type 0x%02x", c)
	}
	return ValType(c), nil
}

func (r *reader) valTypes() ([]ValType, error) {
	n, err := r.count("value type", 1)
	if err != nil {
		return nil, err
	}
	ts := make([]ValType, n)
	for i := range ts {
		if ts[i], err = r.valType(); err != nil {
			return nil, err
		}
	}
	return ts, nil
}

func (m *Module) parseTypes(r *reader) error {
	n, err := r.count("type", 3)
	if err != nil {
		return err
	}
	m.Types = make([]*FuncType, n)
	for i := range m.Types {
		form, err := r.byte1()
		if err != nil {
			return err
		}
		if form != 0x60 {
			r.pos--
			return r.errf("type %d: unsupported type form 0x%02x (want func 0x60)", i, form)
		}
		p, err := r.valTypes()
		if err != nil {
			return err
		}
		res, err := r.valTypes()
		if err != nil {
			return err
		}
		m.Types[i] = &FuncType{Params: p, Results: res}
	}
	return nil
}

func (m *Module) typeAt(r *reader, idx uint32) (*FuncType, error) {
	if uint64(idx) >= uint64(len(m.Types)) {
		return nil, r.errf("type index %d out of range (%d types)", idx, len(m.Types))
	}
	return m.Types[idx], nil
}

func (r *reader) limits(memory bool) (Limits, error) {
	var l Limits
	flags, err := r.byte1()
	if err != nil {
		return l, err
	}
	if flags&^0x07 != 0 {
		r.pos--
		return l, r.errf("unsupported limits flags 0x%02x", flags)
	}
	l.HasMax = flags&0x01 != 0
	l.Shared = flags&0x02 != 0
	l.Memory64 = flags&0x04 != 0
	if l.Shared && !memory {
		r.pos--
		return l, r.errf("shared flag on a table")
	}
	bits := uint(32)
	if l.Memory64 {
		bits = 64
	}
	if l.Min, err = r.uleb(bits); err != nil {
		return l, err
	}
	if l.HasMax {
		if l.Max, err = r.uleb(bits); err != nil {
			return l, err
		}
		if l.Max < l.Min {
			return l, r.errf("limits maximum %d below minimum %d", l.Max, l.Min)
		}
	}
	if l.Shared && !l.HasMax {
		return l, r.errf("shared memory must have a maximum")
	}
	return l, nil
}

func (r *reader) tableType() (TableType, error) {
	var t TableType
	var err error
	if t.Elem, err = r.valType(); err != nil {
		return t, err
	}
	if !isRefType(t.Elem) {
		return t, r.errf("table element type %s is not a reference type", t.Elem)
	}
	t.Limits, err = r.limits(false)
	return t, err
}

func (r *reader) globalType() (GlobalType, error) {
	var g GlobalType
	var err error
	if g.Type, err = r.valType(); err != nil {
		return g, err
	}
	mut, err := r.byte1()
	if err != nil {
		return g, err
	}
	if mut > 1 {
		r.pos--
		return g, r.errf("bad global mutability 0x%02x", mut)
	}
	g.Mutable = mut == 1
	return g, nil
}

func (m *Module) tagType(r *reader) (TagType, error) {
	var t TagType
	var err error
	if t.Attribute, err = r.byte1(); err != nil {
		return t, err
	}
	if t.Attribute != 0 {
		r.pos--
		return t, r.errf("unsupported tag attribute 0x%02x", t.Attribute)
	}
	if t.TypeIndex, err = r.u32(); err != nil {
		return t, err
	}
	if t.Func, err = m.typeAt(r, t.TypeIndex); err != nil {
		return t, err
	}
	if len(t.Func.Results) != 0 {
		return t, r.errf("tag type %s has results", t.Func)
	}
	return t, nil
}

func (m *Module) parseImports(r *reader) error {
	n, err := r.count("import", 4)
	if err != nil {
		return err
	}
	m.Imports = make([]Import, n)
	for i := range m.Imports {
		im := &m.Imports[i]
		if im.Module, err = r.name(); err != nil {
			return err
		}
		if im.Name, err = r.name(); err != nil {
			return err
		}
		k, err := r.byte1()
		if err != nil {
			return err
		}
		im.Kind = Kind(k)
		im.Desc = r.base + r.pos
		switch im.Kind {
		case KindFunc:
			if im.TypeIndex, err = r.u32(); err != nil {
				return err
			}
			if im.Func, err = m.typeAt(r, im.TypeIndex); err != nil {
				return err
			}
		case KindTable:
			t, err := r.tableType()
			if err != nil {
				return err
			}
			im.Table = &t
		case KindMemory:
			l, err := r.limits(true)
			if err != nil {
				return err
			}
			im.Memory = &l
		case KindGlobal:
			g, err := r.globalType()
			if err != nil {
				return err
			}
			im.Global = &g
		case KindTag:
			t, err := m.tagType(r)
			if err != nil {
				return err
			}
			im.TypeIndex = t.TypeIndex
			im.Tag = &t
		default:
			r.pos--
			return r.errf("import %s.%s: unknown kind 0x%02x", im.Module, im.Name, k)
		}
		im.DescEnd = r.base + r.pos
		m.numImported[im.Kind]++
		m.importIdx[im.Kind] = append(m.importIdx[im.Kind], i)
	}
	return nil
}

func (m *Module) parseFunctions(r *reader) error {
	n, err := r.count("function", 1)
	if err != nil {
		return err
	}
	m.Funcs = make([]uint32, n)
	for i := range m.Funcs {
		if m.Funcs[i], err = r.u32(); err != nil {
			return err
		}
		if _, err := m.typeAt(r, m.Funcs[i]); err != nil {
			return err
		}
	}
	return nil
}

func (m *Module) parseTables(r *reader) error {
	n, err := r.count("table", 3)
	if err != nil {
		return err
	}
	m.Tables = make([]TableType, n)
	for i := range m.Tables {
		if m.Tables[i], err = r.tableType(); err != nil {
			return err
		}
	}
	return nil
}

func (m *Module) parseMemories(r *reader) error {
	n, err := r.count("memory", 2)
	if err != nil {
		return err
	}
	m.Memories = make([]Limits, n)
	for i := range m.Memories {
		if m.Memories[i], err = r.limits(true); err != nil {
			return err
		}
	}
	return nil
}

func (m *Module) parseTags(r *reader) error {
	n, err := r.count("tag", 2)
	if err != nil {
		return err
	}
	m.Tags = make([]TagType, n)
	for i := range m.Tags {
		if m.Tags[i], err = m.tagType(r); err != nil {
			return err
		}
	}
	return nil
}

func (m *Module) parseGlobals(r *reader) error {
	n, err := r.count("global", 3)
	if err != nil {
		return err
	}
	m.Globals = make([]Global, n)
	for i := range m.Globals {
		if m.Globals[i].Type, err = r.globalType(); err != nil {
			return err
		}
		start := r.pos
		if err := r.skipConstExpr(); err != nil {
			return err
		}
		m.Globals[i].Init = r.b[start:r.pos:r.pos]
	}
	return nil
}

// skipConstExpr skips a constant expression up to and including its end.
func (r *reader) skipConstExpr() error {
	for {
		op, err := r.byte1()
		if err != nil {
			return err
		}
		switch op {
		case 0x0B: // end
			return nil
		case 0x41: // i32.const
			_, err = r.sleb(32)
		case 0x42: // i64.const
			_, err = r.sleb(64)
		case 0x43: // f32.const
			_, err = r.bytes(4)
		case 0x44: // f64.const
			_, err = r.bytes(8)
		case 0x23, 0xD2: // global.get, ref.func
			_, err = r.u32()
		case 0xD0: // ref.null
			var t ValType
			if t, err = r.valType(); err == nil && !isRefType(t) {
				err = r.errf("ref.null of non-reference type %s", t)
			}
		case 0xFD: // v128.const
			var sub uint32
			if sub, err = r.u32(); err == nil {
				if sub != 12 {
					err = r.errf("unsupported constant instruction 0xfd %d", sub)
				} else {
					_, err = r.bytes(16)
				}
			}
		case 0x6A, 0x6B, 0x6C, 0x7C, 0x7D, 0x7E: // extended-const add/sub/mul
		default:
			r.pos--
			return r.errf("unsupported instruction 0x%02x in constant expression", op)
		}
		if err != nil {
			return err
		}
	}
}

func (m *Module) parseExports(r *reader) error {
	n, err := r.count("export", 3)
	if err != nil {
		return err
	}
	m.Exports = make([]Export, n)
	seen := make(map[string]bool, n)
	for i := range m.Exports {
		e := &m.Exports[i]
		if e.Name, err = r.name(); err != nil {
			return err
		}
		if seen[e.Name] {
			return r.errf("duplicate export %q", e.Name)
		}
		seen[e.Name] = true
		k, err := r.byte1()
		if err != nil {
			return err
		}
		e.Kind = Kind(k)
		if e.Index, err = r.u32(); err != nil {
			return err
		}
		if err := m.resolveExport(r, e); err != nil {
			return err
		}
	}
	return nil
}

func (m *Module) resolveExport(r *reader, e *Export) error {
	idx := uint64(e.Index)
	var nimp, ndef int
	switch e.Kind {
	case KindFunc:
		nimp, ndef = m.numImported[KindFunc], len(m.Funcs)
	case KindTable:
		nimp, ndef = m.numImported[KindTable], len(m.Tables)
	case KindMemory:
		nimp, ndef = m.numImported[KindMemory], len(m.Memories)
	case KindGlobal:
		nimp, ndef = m.numImported[KindGlobal], len(m.Globals)
	case KindTag:
		nimp, ndef = m.numImported[KindTag], len(m.Tags)
	default:
		return r.errf("export %q: unknown kind 0x%02x", e.Name, byte(e.Kind))
	}
	if idx >= uint64(nimp+ndef) {
		return r.errf("export %q: %s index %d out of range (%d)", e.Name, e.Kind, idx, nimp+ndef)
	}
	if idx < uint64(nimp) {
		im := m.importOfKind(e.Kind, int(idx))
		e.Func, e.Table, e.Memory, e.Global, e.Tag = im.Func, im.Table, im.Memory, im.Global, im.Tag
		return nil
	}
	d := int(idx) - nimp
	switch e.Kind {
	case KindFunc:
		e.Func = m.Types[m.Funcs[d]]
	case KindTable:
		e.Table = &m.Tables[d]
	case KindMemory:
		e.Memory = &m.Memories[d]
	case KindGlobal:
		e.Global = &m.Globals[d].Type
	case KindTag:
		e.Tag = &m.Tags[d]
	}
	return nil
}

// importOfKind returns the i-th import of kind k (which must exist).
func (m *Module) importOfKind(k Kind, i int) *Import {
	return &m.Imports[m.importIdx[k][i]]
}

// Import returns the import module.name, or nil.
func (m *Module) Import(module, name string) *Import {
	for i := range m.Imports {
		if m.Imports[i].Module == module && m.Imports[i].Name == name {
			return &m.Imports[i]
		}
	}
	return nil
}

// Export returns the export with the given name, or nil.
func (m *Module) Export(name string) *Export {
	for i := range m.Exports {
		if m.Exports[i].Name == name {
			return &m.Exports[i]
		}
	}
	return nil
}

// NumImported returns how many imports of kind k the module has: the
// first index of the module's own definitions in that index space.
func (m *Module) NumImported(k Kind) int {
	if int(k) < len(m.numImported) {
		return m.numImported[k]
	}
	return 0
}

// FuncTypeOf returns the type of function index idx in the function index
// space (imported functions first, then defined ones), or nil if idx is out
// of range.
func (m *Module) FuncTypeOf(idx uint32) *FuncType {
	n := m.numImported[KindFunc]
	if uint64(idx) < uint64(n) {
		return m.importOfKind(KindFunc, int(idx)).Func
	}
	d := uint64(idx) - uint64(n)
	if d < uint64(len(m.Funcs)) {
		return m.Types[m.Funcs[d]]
	}
	return nil
}

// Custom returns the first custom section with the given name, or nil.
func (m *Module) Custom(name string) *CustomSection {
	for i := range m.Customs {
		if m.Customs[i].Name == name {
			return &m.Customs[i]
		}
	}
	return nil
}
