// Command mkinitrd writes a plain (uncompressed) newc cpio archive, as used
// for the conformance kernel's initrd.
//
// Usage:
//
//	mkinitrd -o initramfs.cpio [-dir bin ...] archive/path=host/file ...
//
// Entries are written in argument order with fixed metadata (mtime 0, uid 0,
// gid 0, inode numbers in order), so the output depends only on the inputs.
// Directories named with -dir come first (mode 0755); files get mode 0755.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/linuxwasm/gohost/internal/cpio"
)

type dirList []string

func (d *dirList) String() string     { return strings.Join(*d, ",") }
func (d *dirList) Set(s string) error { *d = append(*d, s); return nil }

func main() {
	out := flag.String("o", "", "output archive (required)")
	var dirs dirList
	flag.Var(&dirs, "dir", "directory entry to add first (repeatable)")
	flag.Parse()
	if *out == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: mkinitrd -o out.cpio [-dir name ...] name=file ...")
		os.Exit(2)
	}
	if err := run(*out, dirs, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "mkinitrd:", err)
		os.Exit(1)
	}
}

func run(out string, dirs, files []string) error {
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	w := cpio.NewWriter(bw)
	for _, d := range dirs {
		if err := w.Mkdir(d, 0o755); err != nil {
			f.Close()
			return err
		}
	}
	for _, spec := range files {
		name, path, ok := strings.Cut(spec, "=")
		if !ok || name == "" || path == "" {
			f.Close()
			return fmt.Errorf("bad entry %q, want name=file", spec)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			f.Close()
			return err
		}
		if err := w.WriteFile(name, 0o755, data); err != nil {
			f.Close()
			return err
		}
	}
	if err := w.Close(); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
