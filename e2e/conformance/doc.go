// Package conformance holds the conformance kernel (a C stand-in for
// vmlinux.wasm), its user programs and initrd, built by the Makefile in this
// directory into testdata/. See README.md. The Go code owns the artifacts
// for every other package (Dir, Path, File), builds conformance command
// lines (Cmdline, with the initrd_len/initrd_fnv words), makes the kernel
// padded to a real vmlinux.wasm's size (RealKernel, RealKernelFile), and
// checks that the committed artifacts match their sources.
package conformance
