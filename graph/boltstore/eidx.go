package boltstore

import (
	"encoding/binary"
	"math/bits"
	"math/rand/v2"

	"github.com/cespare/xxhash/v2"
)

// edgeIndex maps edge identities (edgeHead) to dense edge indices. It lives only in memory
// and is rebuilt on open with the topology (or read from the snapshot,
// seed and all): a B+tree keyed by hashed IDs
// on disk took random inserts all over the tree, so every commit rewrote
// most of its pages.
//
// It is an open-addressing table with linear probing. A slot is one uint64:
// the high 32 bits of the ID's hash and, below them, the edge index + 1
// (0 marks an empty slot). The home slot is the top bits of the hash, which
// the stored tag includes, so growing needs no IDs. A tag only nominates an
// edge: callers confirm a candidate against the stored ID, so collisions
// cost a lookup, never a wrong answer. Slots stay at most 3/4 full, so an
// edge costs 8/0.75 ≈ 10.7 to 21.3 bytes (the table doubles), and, with no
// pointers, nothing to the garbage collector. Edges are never deleted.
type edgeIndex struct {
	seed  uint64 // random per index, stored with it in the snapshot
	slots []uint64
	shift uint // 64 - log2(len(slots))
	n     int
}

const minEdgeSlots = 1 << 10

func newEdgeIndex(capacity int) *edgeIndex {
	x := &edgeIndex{seed: rand.Uint64()}
	x.alloc(slotsFor(capacity))
	return x
}

// slotsFor returns the power of two that holds n edges at most 3/4 full.
func slotsFor(n int) int {
	need := max(minEdgeSlots, (n*4+2)/3)
	return 1 << bits.Len(uint(need-1))
}

func (x *edgeIndex) alloc(size int) {
	x.slots = make([]uint64, size)
	x.shift = uint(64 - bits.TrailingZeros(uint(size)))
}

// hash hashes an edge's identity: its endpoints' numbers, kind and key
// determine its ID, and hashing them needs no ID to be built.
func (x *edgeIndex) hash(h edgeHead) uint64 {
	var buf [64]byte
	b := binary.LittleEndian.AppendUint64(buf[:0], x.seed)
	b = binary.LittleEndian.AppendUint32(b, h.from)
	b = binary.LittleEndian.AppendUint32(b, h.to)
	b = append(b, h.kind)
	b = append(b, h.key...)
	return xxhash.Sum64(b)
}

// home returns the first slot to probe for a tag.
func (x *edgeIndex) home(tag uint32) int { return int(uint64(tag) << 32 >> x.shift) }

// lookup calls match with each edge whose ID may hash to h until match
// says yes or fails, and returns the edge it accepted.
func (x *edgeIndex) lookup(h uint64, match func(e uint32) (bool, error)) (uint32, bool, error) {
	tag := uint32(h >> 32)
	mask := len(x.slots) - 1
	for i := x.home(tag); ; i = (i + 1) & mask {
		s := x.slots[i]
		if s == 0 {
			return 0, false, nil
		}
		if uint32(s>>32) == tag {
			e := uint32(s) - 1
			ok, err := match(e)
			if err != nil || ok {
				return e, ok, err
			}
		}
	}
}

// insert adds edge index e under hash h; the caller knows the ID is new.
func (x *edgeIndex) insert(h uint64, e uint32) {
	if (x.n+1)*4 > len(x.slots)*3 {
		old := x.slots
		x.alloc(2 * len(old))
		for _, s := range old {
			if s != 0 {
				x.put(s)
			}
		}
	}
	x.put(h>>32<<32 | uint64(e+1))
	x.n++
}

func (x *edgeIndex) put(s uint64) {
	mask := len(x.slots) - 1
	i := x.home(uint32(s >> 32))
	for x.slots[i] != 0 {
		i = (i + 1) & mask
	}
	x.slots[i] = s
}

func (x *edgeIndex) memoryBytes() int { return 8 * cap(x.slots) }
