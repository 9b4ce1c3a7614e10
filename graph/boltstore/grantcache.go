package boltstore

import (
	"hash/maphash"
	"sync"

	"github.com/redthread-dev/redthread/graph/visibility"
)

// grantViews remembers viewers with grants compiled against one version of
// the index (index.gen, bumped by every write): their case's facts resolved
// to handles and what the grants add to degrees. A cached seer is shared
// by concurrent reads and never written after it is put.
type grantViews struct {
	seeds [2]maphash.Seed
	mu    sync.Mutex
	m     map[[2]uint64]grantView
}

type grantView struct {
	gen uint64
	w   *seer
}

// grantViewsMax bounds the cache: past it, it starts again empty.
const grantViewsMax = 256

func newGrantViews() *grantViews {
	return &grantViews{seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}, m: map[[2]uint64]grantView{}}
}

// key identifies what a compiled viewer depends on: agency, user and each
// grant's owner, cap, naming and fact set (an order-free sum of the facts'
// hashes, twice over with independent seeds: 128 bits).
func (c *grantViews) key(v visibility.Viewer) [2]uint64 {
	var out [2]uint64
	for i, seed := range c.seeds {
		var h maphash.Hash
		h.SetSeed(seed)
		h.WriteString(v.Agency)
		h.WriteByte(0)
		h.WriteString(v.User)
		h.WriteByte(0)
		for _, g := range v.Grants {
			var sum uint64
			for id := range g.Facts {
				sum += maphash.String(seed, id)
			}
			h.WriteString(g.Owner)
			h.WriteByte(0)
			h.WriteString(string(g.Cap))
			h.WriteByte(0)
			if g.Named {
				h.WriteByte(1)
			}
			for _, n := range []uint64{uint64(len(g.Facts)), sum} {
				for range 8 {
					h.WriteByte(byte(n))
					n >>= 8
				}
			}
		}
		out[i] = h.Sum64()
	}
	return out
}

func (c *grantViews) get(key [2]uint64, gen uint64) *seer {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[key]; ok && e.gen == gen {
		return e.w
	}
	return nil
}

func (c *grantViews) put(key [2]uint64, gen uint64, w *seer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= grantViewsMax {
		clear(c.m)
	}
	c.m[key] = grantView{gen, w}
}
