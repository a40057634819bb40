package memcheck

import "testing"

// FuzzWrite: a write passes exactly when every byte it touches lies in the
// live grant of its kind, byte by byte (a model with no arithmetic shortcuts).
func FuzzWrite(f *testing.F) {
	f.Add(uint64(0x1000), uint64(16), uint64(0x1000), uint64(17), uint8(1), uint8(1), false)
	f.Add(uint64(0x1000), uint64(16), uint64(0xfff), uint64(1), uint8(1), uint8(1), false)
	f.Add(^uint64(0)-4, uint64(16), ^uint64(0)-1, uint64(1), uint8(2), uint8(2), false)
	f.Add(uint64(0), uint64(0), uint64(0), uint64(0), uint8(3), uint8(3), true)
	f.Fuzz(func(t *testing.T, start, n, addr, wn uint64, gk, wk uint8, revoke bool) {
		r := New(nil)
		g, k := Kind(gk%uint8(numKinds+1)), Kind(wk%uint8(numKinds+1))
		// small lengths keep the byte model cheap; addresses stay anywhere
		n, wn = n%64, wn%64
		r.Grant(g, start, n)
		if revoke {
			r.Revoke(g)
		}
		want := k == g && k > 0 && k < numKinds && !revoke
		end := start + n
		if end < start {
			end = ^uint64(0)
		}
		for i := uint64(0); want && i < wn; i++ {
			b := addr + i
			if b < addr || b < start || b >= end {
				want = false
			}
		}
		// an empty write must still be at a place inside (or at the end of) the range
		if want && wn == 0 && (addr < start || addr > end) {
			want = false
		}
		err := r.Write(k, addr, wn)
		if (err == nil) != want {
			t.Fatalf("grant %v [%#x+%d] revoked=%v, write %v %#x+%d: err %v, want ok=%v", g, start, n, revoke, k, addr, wn, err, want)
		}
	})
}
