package conformance

import (
	"errors"
	"math/rand"

	"github.com/linuxwasm/gohost/internal/wasmbin"
	"github.com/linuxwasm/gohost/internal/wasmenc"
)

// padCode returns the kernel k with n extra functions of about bodySize
// bytes each appended to its code (never called), so that the browser's
// compile costs what a real kernel's code costs while the conformance kernel
// still boots. The new functions get a type of their own at the end of the
// type section, so no existing index changes.
func padCode(k []byte, n, bodySize int) ([]byte, error) {
	m, err := wasmbin.Parse(k)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewSource(1))
	body := func() []byte {
		// i32.const r; i32.const r; i32.add; drop, repeated: valid code
		// the compiler must translate, with constants that do not compress.
		var b []byte
		b = append(b, 0) // no locals
		for len(b)+13 < bodySize {
			b = append(b, 0x41)
			b = append(b, wasmenc.SLEB(int64(rng.Int31()))...)
			b = append(b, 0x41)
			b = append(b, wasmenc.SLEB(int64(rng.Int31()))...)
			b = append(b, 0x6a, 0x1a)
		}
		for len(b)+1 < bodySize {
			b = append(b, 0x01) // nop: the body is exactly bodySize bytes
		}
		return append(b, 0x0b)
	}
	out := append([]byte(nil), k[:8]...)
	seenType, seenFunc, seenCode := false, false, false
	for _, s := range m.Sections {
		c := k[s.Offset : s.Offset+s.Size]
		switch s.ID {
		case wasmbin.SecType:
			seenType = true
			count, rest := uleb(c)
			c = wasmenc.Cat(wasmenc.ULEB(count+1), rest, []byte{0x60, 0, 0})
		case wasmbin.SecFunction:
			seenFunc = true
			count, rest := uleb(c)
			idx := wasmenc.ULEB(uint64(len(m.Types)))
			c = wasmenc.Cat(wasmenc.ULEB(count+uint64(n)), rest)
			for i := 0; i < n; i++ {
				c = append(c, idx...)
			}
		case wasmbin.SecCode:
			seenCode = true
			count, rest := uleb(c)
			c = wasmenc.Cat(wasmenc.ULEB(count+uint64(n)), rest)
			for i := 0; i < n; i++ {
				b := body()
				c = append(c, wasmenc.ULEB(uint64(len(b)))...)
				c = append(c, b...)
			}
		}
		out = append(out, wasmenc.Section(s.ID, c)...)
	}
	if !seenType || !seenFunc || !seenCode {
		return nil, errors.New("padCode: the kernel lacks a type, function or code section")
	}
	if _, err := wasmbin.Parse(out); err != nil {
		return nil, err
	}
	return out, nil
}

// uleb splits a leading unsigned LEB128 from b.
func uleb(b []byte) (uint64, []byte) {
	var v uint64
	for i, c := range b {
		v |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			return v, b[i+1:]
		}
	}
	return v, nil
}
