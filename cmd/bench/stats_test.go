//go:build !js

package main

import (
	"math"
	"testing"
)

func TestSummarise(t *testing.T) {
	s := Summarise([]float64{5, 1, 3, math.NaN(), 2, 4})
	if s.N != 5 || s.Median != 3 || s.Min != 1 || s.Max != 5 || s.P25 != 2 || s.P75 != 4 {
		t.Fatalf("got %+v", s)
	}
	s = Summarise([]float64{1, 2})
	if s.Median != 1.5 || s.P25 != 1.25 || s.P75 != 1.75 {
		t.Fatalf("got %+v", s)
	}
	if s = Summarise(nil); s.N != 0 || !math.IsNaN(s.Median) {
		t.Fatalf("got %+v", s)
	}
}

func TestParseBench(t *testing.T) {
	got := parseBench([]string{"BENCH switch 12345 ns/roundtrip n=10000", "CONF DONE 1 0", "BENCH create 800 us/task n=0", "BENCH x y z"})
	if len(got) != 1 || got["switch"] != 12345 {
		t.Fatalf("got %v", got)
	}
}
