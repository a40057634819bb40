package cpio

import (
	"bytes"
	"fmt"
	"path"
	"strings"
)

// File is an entry to add with [Append]. Mode selects the kind: type bits
// TypeDir make a directory, TypeSymlink a symbolic link (Data is the
// target); no type bits or TypeReg make a regular file.
type File struct {
	Name string
	Mode uint32
	Data []byte
}

// Append returns base followed by a new archive holding files (in the given
// order) and a trailer. base is not modified.
//
// base may be an uncompressed archive, a gzip-compressed one, or several
// concatenated; it is not parsed. The kernel's unpacker skips zero bytes
// between archives but only starts reading an uncompressed archive at an
// offset that is a multiple of 4 (counted from the start of the initrd), so
// Append pads base with 0 to 3 zero bytes to a multiple of 4 before the new
// archive. An uncompressed base made by a cpio writer is already a multiple
// of 4 long and gets no padding; a gzip base usually needs some.
func Append(base []byte, files []File) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(base) + 3)
	buf.Write(base)
	buf.Write(zeros[:pad4(int64(len(base)))])
	w := NewWriter(&buf)
	for _, f := range files {
		var err error
		switch f.Mode & TypeMask {
		case TypeDir:
			err = w.Mkdir(f.Name, f.Mode)
		case TypeSymlink:
			err = w.Symlink(f.Name, string(f.Data))
		case 0, TypeReg:
			err = w.WriteFile(f.Name, f.Mode, f.Data)
		default:
			err = fmt.Errorf("cpio: %s: unsupported file type %#o", f.Name, f.Mode&TypeMask)
		}
		if err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// DefaultUserPrefix is the directory PlaceUserFiles puts files under when
// given an empty prefix.
const DefaultUserPrefix = "home/user/"

// DirMode is the mode of directories created by PlaceUserFiles.
const DirMode = TypeDir | 0o755

// PlaceUserFiles maps user-supplied files (for example dropped on the page)
// to archive entries under prefix ("" means DefaultUserPrefix). Names are
// slash-separated relative paths such as "notes.txt" or "src/main.c". The
// result starts with a directory entry (DirMode) for every component of
// prefix and every parent directory of the files, parents first and each only
// once, followed by the files in the given order with the prefix prepended.
// Files keep their Mode (permission bits only default to regular files).
//
// Names and prefix are refused when they are empty, absolute, contain a NUL
// byte, a ".." component, or are not clean (".", "//", trailing "/"), and
// when two files have the same name or a file name is also needed as a
// directory.
//
// Note: the kernel applies mode and owner (uid/gid 0) of a directory entry
// to an existing directory of the same name.
func PlaceUserFiles(prefix string, files []File) ([]File, error) {
	if prefix == "" {
		prefix = DefaultUserPrefix
	}
	p := strings.TrimSuffix(prefix, "/")
	if err := checkRelPath(p); err != nil {
		return nil, fmt.Errorf("cpio: bad prefix %q: %v", prefix, err)
	}
	dirs := map[string]bool{}
	var out []File
	addDir := func(d string) {
		if !dirs[d] {
			dirs[d] = true
			out = append(out, File{Name: d, Mode: DirMode})
		}
	}
	var parents func(d string)
	parents = func(d string) {
		if d == "." || dirs[d] {
			return
		}
		parents(path.Dir(d))
		addDir(d)
	}
	parents(p)
	seen := map[string]bool{}
	placed := make([]File, 0, len(files))
	for _, f := range files {
		if err := checkRelPath(f.Name); err != nil {
			return nil, fmt.Errorf("cpio: bad file name %q: %v", f.Name, err)
		}
		full := p + "/" + f.Name
		if seen[full] {
			return nil, fmt.Errorf("cpio: duplicate file name %q", f.Name)
		}
		seen[full] = true
		parents(path.Dir(full))
		placed = append(placed, File{Name: full, Mode: f.Mode, Data: f.Data})
	}
	for _, f := range placed {
		if dirs[f.Name] && f.Mode&TypeMask != TypeDir {
			return nil, fmt.Errorf("cpio: %q is both a file and a directory", f.Name)
		}
	}
	// Directories given explicitly as files must not be duplicated.
	res := out
	for _, f := range placed {
		if f.Mode&TypeMask == TypeDir && dirs[f.Name] {
			// replace the generated entry's mode with the caller's
			for i := range res {
				if res[i].Name == f.Name {
					res[i].Mode = f.Mode
				}
			}
			continue
		}
		res = append(res, f)
	}
	return res, nil
}

func checkRelPath(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("empty")
	case strings.IndexByte(name, 0) >= 0:
		return fmt.Errorf("contains a NUL byte")
	case strings.HasPrefix(name, "/"):
		return fmt.Errorf("absolute path")
	case name == Trailer:
		return fmt.Errorf("reserved name")
	}
	for _, c := range strings.Split(name, "/") {
		switch c {
		case "..":
			return fmt.Errorf("contains a \"..\" component")
		case "", ".":
			return fmt.Errorf("not a clean relative path")
		}
	}
	if len(name) >= MaxNameSize-len(DefaultUserPrefix)-64 {
		return fmt.Errorf("too long")
	}
	return nil
}
