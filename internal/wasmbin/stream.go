package wasmbin

import "fmt"

// Stream follows a module's bytes as they arrive (a download) without
// keeping them: it keeps the head of the module (every section before the
// code, data count or data section: types, imports, functions, tables,
// memories, globals, exports, which is all an interface check needs, a few
// hundred KB of a 30 MB kernel) and then only reads section headers, so that
// at the end it can tell a truncated module from a whole one. The caller asks
// Want how much of each chunk it must hand over, so the bodies of the large
// sections are never copied.
type Stream struct {
	// Head holds the module's bytes from offset 0 up to the first code,
	// data count or data section (all of them while HeadDone is false).
	Head     []byte
	headDone bool
	seen     int64  // bytes passed so far
	next     int64  // offset of the next section header
	tail     []byte // bytes from next on, when the header there is not complete yet
	err      error
}

// NewStream starts following a module from its first byte.
func NewStream() *Stream { return &Stream{next: 8} }

// HeadDone reports whether Head is complete: it holds every section before
// the module's code (ParseHead reads it).
func (s *Stream) HeadDone() bool { return s.headDone }

// Seen is how many bytes have passed.
func (s *Stream) Seen() int64 { return s.seen }

// Want returns from: of the next n bytes of the module, [from, n) must be
// passed to Write; from == n means none of them.
func (s *Stream) Want(n int) int {
	if s.err != nil {
		return n
	}
	if !s.headDone {
		return 0
	}
	if len(s.tail) > 0 {
		return 0
	}
	if s.next >= s.seen+int64(n) {
		return n
	}
	return int(s.next - s.seen)
}

// NeedFrom is the offset of the next byte the stream needs: the bytes
// before it may go unread, passed to Write as a count with no bytes. Past
// the head that is the next section header, so a reader can skip a large
// section's body without looking at it.
func (s *Stream) NeedFrom() int64 {
	if s.err != nil || !s.headDone || s.next <= s.seen {
		return s.seen
	}
	return s.next
}

// Write passes the next n bytes of the module, of which b is [from, n) as
// Want said.
func (s *Stream) Write(n int, b []byte) {
	from := int64(n - len(b))
	start := s.seen + from
	s.seen += int64(n)
	if s.err != nil {
		return
	}
	if !s.headDone {
		s.Head = append(s.Head, b...)
		s.walk(s.Head, 0)
		return
	}
	if len(s.tail) > 0 {
		s.tail = append(s.tail, b...)
		b, start = s.tail, s.next
		s.tail = nil
	}
	s.walk(b, start)
}

// walk reads the section headers that start in b (the bytes at offset
// start): each moves next past its section. A header cut off at the end of b
// is kept in tail for the next Write.
func (s *Stream) walk(b []byte, start int64) {
	if !s.headDone && len(s.Head) >= 8 && (string(s.Head[:4]) != "\x00asm") {
		s.err = &Error{Offset: 0, Msg: fmt.Sprintf("bad magic %q (not a wasm module)", s.Head[:4])}
		return
	}
	for s.next >= start && s.next < start+int64(len(b)) {
		at := int(s.next - start)
		r := &reader{b: b, pos: at + 1, base: int(start)}
		id := b[at]
		size, err := r.u32()
		if err != nil {
			if r.pos >= len(b) {
				if s.headDone {
					s.tail = append([]byte(nil), b[at:]...)
				}
				return // the rest of the header comes with the next bytes
			}
			s.err = err
			return
		}
		if int(id) >= len(sectionNames) {
			r.pos = at
			s.err = r.errf("unknown section id %d", id)
			return
		}
		if !s.headDone && (id == SecCode || id == SecData || id == SecDataCount) {
			s.Head = s.Head[:s.next:s.next]
			s.headDone = true
		}
		s.next = start + int64(r.pos) + int64(size)
	}
}

// End is called when the input ended. It returns an error if the module
// stopped inside a section or a section header (a truncated download), or if
// the headers were malformed.
func (s *Stream) End() error {
	if s.err != nil {
		return s.err
	}
	if s.seen < 8 {
		return &Error{Offset: 0, Msg: fmt.Sprintf("too short for a wasm module (%d bytes)", s.seen)}
	}
	if len(s.tail) > 0 || s.next < s.seen {
		return &Error{Offset: int(s.next), Msg: "unexpected end inside a section header"}
	}
	if s.next > s.seen {
		return &Error{Offset: int(s.next), Msg: fmt.Sprintf("the last section ends at byte %d but the module has %d bytes (truncated)", s.next, s.seen)}
	}
	return nil
}
