//go:build !js

package main

import (
	"math"
	"sort"
)

// Stat summarises the samples of one figure.
type Stat struct {
	N      int       `json:"n"`
	Median float64   `json:"median"`
	Min    float64   `json:"min"`
	Max    float64   `json:"max"`
	P25    float64   `json:"p25"`
	P75    float64   `json:"p75"`
	Values []float64 `json:"values"`
}

// Summarise computes median, min, max and the quartiles (linear
// interpolation between closest ranks) of xs. NaN samples are dropped.
func Summarise(xs []float64) Stat {
	var v []float64
	for _, x := range xs {
		if !math.IsNaN(x) {
			v = append(v, x)
		}
	}
	s := Stat{N: len(v), Values: v}
	if len(v) == 0 {
		nan := math.NaN()
		s.Median, s.Min, s.Max, s.P25, s.P75 = nan, nan, nan, nan, nan
		return s
	}
	sorted := append([]float64(nil), v...)
	sort.Float64s(sorted)
	s.Min, s.Max = sorted[0], sorted[len(sorted)-1]
	s.Median = quantile(sorted, 0.5)
	s.P25 = quantile(sorted, 0.25)
	s.P75 = quantile(sorted, 0.75)
	return s
}

// quantile of sorted data, linear interpolation between closest ranks.
func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 1 {
		return sorted[0]
	}
	pos := q * float64(len(sorted)-1)
	lo := int(math.Floor(pos))
	hi := int(math.Ceil(pos))
	f := pos - float64(lo)
	return sorted[lo]*(1-f) + sorted[hi]*f
}
