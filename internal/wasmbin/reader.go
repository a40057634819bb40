package wasmbin

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// ErrFormat is wrapped by every error Parse returns for malformed input.
var ErrFormat = errors.New("malformed wasm module")

// Error describes malformed input.
type Error struct {
	Offset  int    // absolute offset in the module bytes
	Section string // section being read, "" for the header
	Msg     string
}

func (e *Error) Error() string {
	if e.Section == "" {
		return fmt.Sprintf("wasm: offset %#x: %s", e.Offset, e.Msg)
	}
	return fmt.Sprintf("wasm: %s section, offset %#x: %s", e.Section, e.Offset, e.Msg)
}

// Unwrap makes errors.Is(err, ErrFormat) true.
func (e *Error) Unwrap() error { return ErrFormat }

// reader reads a byte slice; base is the absolute offset of b[0].
type reader struct {
	b       []byte
	pos     int
	base    int
	section string
}

func (r *reader) errf(format string, args ...any) error {
	return &Error{Offset: r.base + r.pos, Section: r.section, Msg: fmt.Sprintf(format, args...)}
}

func (r *reader) remaining() int { return len(r.b) - r.pos }

func (r *reader) byte1() (byte, error) {
	if r.pos >= len(r.b) {
		return 0, r.errf("unexpected end")
	}
	c := r.b[r.pos]
	r.pos++
	return c, nil
}

func (r *reader) bytes(n int) ([]byte, error) {
	if n < 0 || n > r.remaining() {
		return nil, r.errf("unexpected end (need %d bytes, have %d)", n, r.remaining())
	}
	b := r.b[r.pos : r.pos+n : r.pos+n]
	r.pos += n
	return b, nil
}

// uleb reads an unsigned LEB128 of at most bits bits.
func (r *reader) uleb(bits uint) (uint64, error) {
	start := r.pos
	var v uint64
	maxBytes := int((bits + 6) / 7)
	for i := 0; ; i++ {
		if i >= maxBytes {
			r.pos = start
			return 0, r.errf("LEB128 too long for u%d", bits)
		}
		c, err := r.byte1()
		if err != nil {
			return 0, err
		}
		shift := uint(7 * i)
		if i == maxBytes-1 {
			// the last byte may only hold the remaining bits
			if rem := bits - shift; c&0x80 != 0 || uint64(c)>>rem != 0 {
				r.pos = start
				return 0, r.errf("LEB128 overflows u%d", bits)
			}
		}
		v |= uint64(c&0x7F) << shift
		if c&0x80 == 0 {
			return v, nil
		}
	}
}

func (r *reader) u32() (uint32, error) {
	v, err := r.uleb(32)
	return uint32(v), err
}

func (r *reader) u64() (uint64, error) { return r.uleb(64) }

// sleb reads a signed LEB128 of at most bits bits.
func (r *reader) sleb(bits uint) (int64, error) {
	start := r.pos
	var v int64
	maxBytes := int((bits + 6) / 7)
	for i := 0; ; i++ {
		if i >= maxBytes {
			r.pos = start
			return 0, r.errf("LEB128 too long for s%d", bits)
		}
		c, err := r.byte1()
		if err != nil {
			return 0, err
		}
		shift := uint(7 * i)
		if i == maxBytes-1 {
			if c&0x80 != 0 {
				r.pos = start
				return 0, r.errf("LEB128 too long for s%d", bits)
			}
			// remaining bits: the value bits plus sign extension must agree
			rem := bits - shift    // bits still available, including the sign
			top := int8(c<<1) >> 1 // sign-extend the 7 payload bits
			lo := int8(-1) << (rem - 1)
			if int64(top) < int64(lo) || int64(top) > int64(^lo) {
				r.pos = start
				return 0, r.errf("LEB128 overflows s%d", bits)
			}
		}
		v |= int64(c&0x7F) << shift
		if c&0x80 == 0 {
			if shift+7 < 64 && c&0x40 != 0 {
				v |= -1 << (shift + 7)
			}
			return v, nil
		}
	}
}

func (r *reader) s32() (int32, error) {
	v, err := r.sleb(32)
	return int32(v), err
}

// count reads a vector length and checks that at least minSize bytes per
// element remain.
func (r *reader) count(what string, minSize int) (int, error) {
	n, err := r.u32()
	if err != nil {
		return 0, err
	}
	if uint64(n)*uint64(minSize) > uint64(r.remaining()) {
		return 0, r.errf("%s count %d exceeds the %d remaining bytes", what, n, r.remaining())
	}
	return int(n), nil
}

func (r *reader) name() (string, error) {
	n, err := r.u32()
	if err != nil {
		return "", err
	}
	if uint64(n) > uint64(r.remaining()) {
		return "", r.errf("name length %d exceeds the %d remaining bytes", n, r.remaining())
	}
	b, _ := r.bytes(int(n))
	if !utf8.Valid(b) {
		return "", r.errf("name is not valid UTF-8")
	}
	return string(b), nil
}
