// Package conformance holds the conformance kernel (a C stand-in for
// vmlinux.wasm), its user programs and initrd, built by the Makefile in this
// directory into testdata/. See README.md. The Go code here only checks that
// the committed artifacts match their sources.
package conformance
