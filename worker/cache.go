package worker

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
