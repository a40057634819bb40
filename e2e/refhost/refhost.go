// Package refhost locates the reference host (index.html, page.js,
// refhost.js, refworker.js in this directory): test equipment modelling
// the original JavaScript host, served by the e2e tests and cmd/bench only
// (internal/devserver Config.RefHost). See README.md.
package refhost

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// Dir is this directory, found from this file's compiled-in path or, for
// binaries built with -trimpath, from the working directory up to the
// module root.
func Dir() string {
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		d := filepath.Dir(file)
		if _, err := os.Stat(filepath.Join(d, "index.html")); err == nil {
			return d
		}
	}
	wd, err := os.Getwd()
	if err != nil {
		return filepath.Join("e2e", "refhost")
	}
	for d := wd; ; d = filepath.Dir(d) {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && strings.Contains(string(b), "module github.com/linuxwasm/gohost\n") {
			return filepath.Join(d, "e2e", "refhost")
		}
		if filepath.Dir(d) == d {
			return filepath.Join("e2e", "refhost")
		}
	}
}
