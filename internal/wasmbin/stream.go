package wasmbin

import "fmt"

// Stream follows a module's bytes as they arrive (a download) and keeps its
// head: every section before the code, data count or data section (types,
// imports, functions, tables, memories, globals, exports), which is all an
// interface check needs, a few hundred KB of a 30 MB kernel. The caller asks
// Want how much of each chunk it must hand over; once the head is complete
// the answer is nothing, so the bodies of the large sections are never
// copied. Whether the rest of the module is whole is the browser's compile
// to say: it reads every byte.
type Stream struct {
	// Head holds the module's bytes from offset 0 up to the first code,
	// data count or data section (all of them while HeadDone is false).
	Head     []byte
	headDone bool
	seen     int64 // bytes passed so far
	next     int64 // offset of the next section header in the head
	err      error // malformed: the head stops growing, the full check names why
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
	if s.err != nil || s.headDone {
		return n
	}
	return 0
}

// Write passes the next n bytes of the module, of which b is [from, n) as
// Want said.
func (s *Stream) Write(n int, b []byte) {
	s.seen += int64(n)
	if s.err != nil || s.headDone {
		return
	}
	s.Head = append(s.Head, b...)
	s.walk()
}

// walk reads the section headers of Head from next on: each moves next past
// its section, until the first section that is not part of the head.
func (s *Stream) walk() {
	b := s.Head
	if len(b) >= 8 && string(b[:4]) != "\x00asm" {
		s.err = &Error{Offset: 0, Msg: fmt.Sprintf("bad magic %q (not a wasm module)", b[:4])}
		return
	}
	for s.next < int64(len(b)) {
		at := int(s.next)
		r := &reader{b: b, pos: at + 1}
		id := b[at]
		size, err := r.u32()
		if err != nil {
			if r.pos >= len(b) {
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
		if id == SecCode || id == SecData || id == SecDataCount {
			s.Head = s.Head[:s.next:s.next]
			s.headDone = true
			return
		}
		s.next = int64(r.pos) + int64(size)
	}
}
