//go:build !js

package browsertest

import "testing"

func TestPSS(t *testing.T) {
	if kb, err := ParsePSS("Rss: 100 kB\nPss:    2048 kB\nPss_Anon: 5 kB\n"); err != nil || kb != 2048 {
		t.Fatalf("got %d %v", kb, err)
	}
	if _, err := ParsePSS("Rss: 1 kB\n"); err == nil {
		t.Fatal("want an error without a Pss line")
	}
}
