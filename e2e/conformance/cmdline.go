package conformance

import "strings"

// InitrdDescription is InitrdWords as one string: the command-line words
// with which the conformance kernel's boot scenario checks the initramfs it
// was given. Whoever describes the initramfs must do so from bytes it did
// not get through the host under test: the e2e tests from the file, the dev
// server from the file it serves.
func InitrdDescription(initrd []byte) string { return strings.Join(InitrdWords(initrd), " ") }

// SelfTestPath is where the dev server answers with InitrdDescription of the
// conformance initramfs it serves (under its conformance URL): the page's
// host self-test adds it to the command line.
const SelfTestPath = "selftest.txt"
