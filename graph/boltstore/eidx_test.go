package boltstore

import (
	"fmt"
	"testing"
)

// TestEdgeIndex: every edge is found through growth, and hashes that
// collide, in full or in their stored tag, only nominate candidates.
func TestEdgeIndex(t *testing.T) {
	x := newEdgeIndex(0)
	const n = 50_000
	ids := make([]string, n)
	hashes := make([]uint64, n)
	for i := range n {
		ids[i] = fmt.Sprintf("edge-%d", i)
		hashes[i] = x.hash(edgeHead{from: uint32(i), to: uint32(i / 3), kind: uint8(i % 7), key: ids[i]})
		switch i % 10 {
		case 1: // the same hash as the edge before
			hashes[i] = hashes[i-1]
		case 2: // the same tag, other low bits
			hashes[i] = hashes[i-2]&^0xffffffff | uint64(i)
		}
		x.insert(hashes[i], uint32(i))
	}
	find := func(h uint64, id string) (uint32, bool) {
		e, ok, err := x.lookup(h, func(e uint32) (bool, error) { return ids[e] == id, nil })
		if err != nil {
			t.Fatal(err)
		}
		return e, ok
	}
	for i := range n {
		if e, ok := find(hashes[i], ids[i]); !ok || e != uint32(i) {
			t.Fatalf("edge %d: found %d, %v", i, e, ok)
		}
	}
	if _, ok := find(hashes[1], "absent"); ok {
		t.Fatal("found an absent ID under a colliding hash")
	}
	if x.n != n || len(x.slots) != slotsFor(n) || x.memoryBytes() > 21*n+8*minEdgeSlots {
		t.Fatalf("%d edges in %d slots (%d bytes)", x.n, len(x.slots), x.memoryBytes())
	}
}
