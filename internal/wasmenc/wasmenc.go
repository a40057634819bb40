// Package wasmenc writes the pieces of the WebAssembly binary format: LEB128
// numbers, names and sections. wasmgen builds the host's helper modules with
// it, and tests build the modules they feed to the parsers with it.
package wasmenc

// ULEB is v as unsigned LEB128.
func ULEB(v uint64) []byte {
	var b []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			c |= 0x80
		}
		b = append(b, c)
		if v == 0 {
			return b
		}
	}
}

// SLEB is v as signed LEB128.
func SLEB(v int64) []byte {
	var b []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		done := (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0)
		if !done {
			c |= 0x80
		}
		b = append(b, c)
		if done {
			return b
		}
	}
}

// Cat concatenates byte slices.
func Cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// Name is a length-prefixed UTF-8 name.
func Name(s string) []byte { return append(ULEB(uint64(len(s))), s...) }

// Section is a section with the given id and contents, size-prefixed.
func Section(id byte, contents ...[]byte) []byte {
	c := Cat(contents...)
	return Cat([]byte{id}, ULEB(uint64(len(c))), c)
}
