package worker

import "hash/fnv"

// programCache keeps the last few compiled user programs of a worker, keyed
// by content, evicting the least recently used.
type programCache[V any] struct {
	max  int
	keys []uint64 // most recent last
	vals map[uint64]V
}

func newProgramCache[V any](max int) *programCache[V] {
	return &programCache[V]{max: max, vals: map[uint64]V{}}
}

func (c *programCache[V]) get(k uint64) (V, bool) {
	v, ok := c.vals[k]
	if ok {
		c.touch(k)
	}
	return v, ok
}

func (c *programCache[V]) put(k uint64, v V) {
	if _, ok := c.vals[k]; !ok && len(c.keys) == c.max {
		delete(c.vals, c.keys[0])
		c.keys = c.keys[1:]
	}
	c.vals[k] = v
	c.touch(k)
}

func (c *programCache[V]) touch(k uint64) {
	for i, x := range c.keys {
		if x == k {
			c.keys = append(c.keys[:i], c.keys[i+1:]...)
			break
		}
	}
	c.keys = append(c.keys, k)
}

// programKey identifies a program image by content (FNV-1a 64): cheap next
// to compiling it, and collisions between two programs are not a practical risk.
func programKey(b []byte) uint64 {
	h := fnv.New64a()
	h.Write(b)
	return h.Sum64()
}
