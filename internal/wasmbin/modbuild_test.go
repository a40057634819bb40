package wasmbin

import "github.com/linuxwasm/gohost/internal/wasmenc"

// Tiny test-only helpers to write modules byte by byte.

var (
	uleb = wasmenc.ULEB
	cat  = wasmenc.Cat
	str  = wasmenc.Name
	sec  = wasmenc.Section
)

func vec(items ...[]byte) []byte { return cat(uleb(uint64(len(items))), cat(items...)) }

func module(sections ...[]byte) []byte {
	return cat([]byte("\x00asm\x01\x00\x00\x00"), cat(sections...))
}

func functype(params, results []ValType) []byte {
	p := make([]byte, len(params))
	for i, t := range params {
		p[i] = byte(t)
	}
	r := make([]byte, len(results))
	for i, t := range results {
		r[i] = byte(t)
	}
	return cat([]byte{0x60}, uleb(uint64(len(p))), p, uleb(uint64(len(r))), r)
}

func vt(ts ...ValType) []ValType { return ts }

func importFunc(mod, name string, typeIdx uint32) []byte {
	return cat(str(mod), str(name), []byte{0x00}, uleb(uint64(typeIdx)))
}

func importMem(mod, name string, flags byte, limits ...uint64) []byte {
	b := cat(str(mod), str(name), []byte{0x02, flags})
	for _, l := range limits {
		b = append(b, uleb(l)...)
	}
	return b
}

func importTable(mod, name string, flags byte, limits ...uint64) []byte {
	b := cat(str(mod), str(name), []byte{0x01, 0x70, flags})
	for _, l := range limits {
		b = append(b, uleb(l)...)
	}
	return b
}

func importGlobal(mod, name string, t ValType, mut bool) []byte {
	m := byte(0)
	if mut {
		m = 1
	}
	return cat(str(mod), str(name), []byte{0x03, byte(t), m})
}

func export(name string, kind Kind, idx uint32) []byte {
	return cat(str(name), []byte{byte(kind)}, uleb(uint64(idx)))
}

// codeSec returns a code section with n trivial bodies (no locals, end).
func codeSec(n int) []byte {
	bodies := make([][]byte, n)
	for i := range bodies {
		bodies[i] = []byte{0x02, 0x00, 0x0B}
	}
	return sec(SecCode, vec(bodies...))
}

func dylinkSec(memSize, memAlign, tableSize, tableAlign uint64) []byte {
	info := cat(uleb(memSize), uleb(memAlign), uleb(tableSize), uleb(tableAlign))
	return sec(SecCustom, str("dylink.0"), []byte{0x01}, uleb(uint64(len(info))), info)
}
