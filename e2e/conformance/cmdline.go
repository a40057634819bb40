package conformance

import (
	"fmt"
	"hash/fnv"
)

// InitrdWords are the command-line words with which the conformance kernel's
// boot scenario checks the initramfs it was given: its length and FNV-1a 32
// hash (initrd_len=N initrd_fnv=xxxxxxxx). Whoever describes the initramfs
// must do so from bytes it did not get through the host under test: the e2e
// tests from the file, the dev server from the file it serves.
func InitrdWords(initrd []byte) string {
	h := fnv.New32a()
	h.Write(initrd)
	return fmt.Sprintf("initrd_len=%d initrd_fnv=%08x", len(initrd), h.Sum32())
}

// SelfTestPath is where the dev server answers with InitrdWords of the
// conformance initramfs it serves (under its conformance URL): the page's
// host self-test adds them to the command line.
const SelfTestPath = "selftest.txt"
