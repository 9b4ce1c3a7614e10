package boltstore

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/bits"
	"slices"

	"github.com/redthread-dev/redthread/graph/boltstore/algo"
	"github.com/redthread-dev/redthread/graph/visibility"
)

// readIndex parses a snapshot's body after its stamp, checking every
// number that indexes an array, so a hostile file that passes the checksum
// still cannot make a query panic or loop.
func readIndex(r *snapReader) (*index, error) {
	var extra snapExtra
	if err := json.Unmarshal(r.bytes(), &extra); err != nil && r.err == nil {
		return nil, fmt.Errorf("extra: %w", err)
	}
	x := newIndex(0)
	x.ids = r.strs()
	x.nkind = bytes.Clone(r.bytes()) // never keep the file's buffer alive
	ga := algo.Arrays{Nodes: int(min(r.u64(), 1<<32))}
	ga.Src, ga.Dst, ga.Kind = r.u32s(), r.u32s(), bytes.Clone(r.bytes())
	fa := x.facts
	fa.nseen, fa.etime, fa.eseen = r.u32s(), r.u32s(), r.u32s()
	fa.evalue, fa.eamount, fa.easset = r.f64s(), r.f64s(), bytes.Clone(r.bytes())
	assets := r.strs()
	x.eids.slots = r.u64s()
	sx := x.search
	sx.text, sx.tokens, sx.sorted = r.strs(), r.strs(), r.u32s()
	sx.postings = make([][]uint32, r.count(8))
	for i := range sx.postings {
		sx.postings[i] = r.u32s()
	}
	d := x.desc
	d.noff, d.eoff, d.arena = r.u32s(), r.u32s(), bytes.Clone(r.bytes())
	d.dead = int(min(r.u64(), uint64(len(d.arena))))
	x.vis.nclass, x.vis.eclass = r.u32s(), r.u32s()
	if r.err != nil {
		return nil, r.err
	}
	if len(r.b) != 0 {
		return nil, fmt.Errorf("%d bytes after the end", len(r.b))
	}
	n, m := len(x.ids), len(ga.Src)
	if ga.Nodes != n || len(x.nkind) != n || len(fa.nseen) != n || len(sx.text) != n || len(x.vis.nclass) != n {
		return nil, fmt.Errorf("node arrays disagree on the node count %d", n)
	}
	if len(fa.etime) != m || len(fa.eseen) != m || len(fa.evalue) != m || len(fa.eamount) != m || len(fa.easset) != m || len(x.vis.eclass) != m {
		return nil, fmt.Errorf("edge arrays disagree on the edge count %d", m)
	}
	if err := d.check(n, m); err != nil {
		return nil, err
	}
	g, err := algo.FromArrays(ga, len(edgeKinds))
	if err != nil {
		return nil, err
	}
	g.SetSparse(sparseKinds)
	x.g = g
	for _, step := range []func() error{
		func() error { return x.loadNodes() },
		func() error { return x.loadAssets(assets) },
		func() error { return x.loadEIDs(extra.EIDSeed, extra.EIDEntries) },
		func() error { return x.loadSearch() },
		func() error { return x.loadVis(&extra) },
	} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	x.derive()
	return x, nil
}

func (x *index) loadNodes() error {
	x.byID = make(map[string]uint32, len(x.ids))
	for i, id := range x.ids {
		x.byID[id] = uint32(i)
	}
	if len(x.byID) != len(x.ids) {
		return fmt.Errorf("node IDs repeat")
	}
	for i, k := range x.nkind {
		if int(k) >= len(nodeKinds) {
			return fmt.Errorf("node %d: kind %d", i, k)
		}
	}
	x.merged = make([]uint64, len(x.ids))
	return nil
}

func (x *index) loadAssets(assets []string) error {
	fa := x.facts
	if len(assets) == 0 || assets[0] != "" || len(assets) > 255 {
		return fmt.Errorf("%d assets", len(assets))
	}
	fa.assets = assets
	fa.assetCode = make(map[string]uint8, len(assets))
	for i, a := range assets {
		fa.assetCode[a] = uint8(i)
	}
	if len(fa.assetCode) != len(assets) {
		return fmt.Errorf("assets repeat")
	}
	for e, c := range fa.easset {
		if int(c) >= len(assets) {
			return fmt.Errorf("edge %d: asset %d", e, c)
		}
	}
	return nil
}

// loadEIDs checks the edge ID table: a power of two, at most 3/4 full (so
// probing ends), each edge once, each in a slot its probe reaches.
func (x *index) loadEIDs(seed uint64, entries int) error {
	t := x.eids
	size, m := len(t.slots), x.g.NumEdges()
	if size < minEdgeSlots || bits.OnesCount(uint(size)) != 1 || entries != m || m*4 > size*3 {
		return fmt.Errorf("edge ID table of %d slots for %d edges", size, m)
	}
	t.seed, t.n = seed, entries
	t.shift = uint(64 - bits.TrailingZeros(uint(size)))
	seen := make([]bool, m)
	for i, s := range t.slots {
		if s == 0 {
			continue
		}
		e := uint32(s) - 1
		if int(e) >= m || seen[e] {
			return fmt.Errorf("edge ID slot %d: edge %d missing or repeated", i, e)
		}
		seen[e] = true
		for j := t.home(uint32(s >> 32)); j != i; j = (j + 1) & (size - 1) {
			if t.slots[j] == 0 {
				return fmt.Errorf("edge ID slot %d: unreachable", i)
			}
		}
	}
	return nil
}

func (x *index) loadSearch() error {
	sx, n := x.search, len(x.ids)
	if len(sx.postings) != len(sx.tokens) || len(sx.sorted) != len(sx.tokens) {
		return fmt.Errorf("search: %d tokens, %d posting lists, %d sorted", len(sx.tokens), len(sx.postings), len(sx.sorted))
	}
	sx.tokenID = make(map[string]uint32, len(sx.tokens))
	for i, t := range sx.tokens {
		sx.tokenID[t] = uint32(i)
	}
	if len(sx.tokenID) != len(sx.tokens) {
		return fmt.Errorf("search tokens repeat")
	}
	if err := within("sorted", sx.sorted, len(sx.tokens)); err != nil {
		return err
	}
	for i := 1; i < len(sx.sorted); i++ {
		if sx.tokens[sx.sorted[i-1]] >= sx.tokens[sx.sorted[i]] {
			return fmt.Errorf("search tokens out of order at %d", i)
		}
	}
	for i, p := range sx.postings {
		if err := within(fmt.Sprintf("postings[%d]", i), p, n); err != nil {
			return err
		}
	}
	return nil
}

func (x *index) loadVis(extra *snapExtra) error {
	vi := x.vis
	if len(extra.Classes) == 0 || len(extra.Classes[0]) != 1 || extra.Classes[0][0] != (visibility.Key{}) {
		return fmt.Errorf("class 0 is not public")
	}
	for i, keys := range extra.Classes[1:] {
		if len(keys) == 0 || vi.intern(keys) != uint32(i+1) {
			return fmt.Errorf("class %d empty or repeated", i+1)
		}
	}
	c := vi.classes.Len()
	if err := within("node class", vi.nclass, c); err != nil {
		return err
	}
	if err := within("edge class", vi.eclass, c); err != nil {
		return err
	}
	for _, mn := range extra.Nodes {
		if int(mn.At) >= len(x.ids) || mn.Stub == nil || len(mn.Classes) != len(mn.Seen) || within("class", mn.Classes, c) != nil {
			return fmt.Errorf("mixed node %d", mn.At)
		}
		vi.nmixed[mn.At] = &mixedNode{stub: mn.Stub, classes: mn.Classes, seen: mn.Seen}
	}
	for _, me := range extra.Edges {
		if int(me.At) >= x.g.NumEdges() || me.Stub == nil || len(me.Classes) != len(me.Seen) || within("class", me.Classes, c) != nil {
			return fmt.Errorf("mixed edge %d", me.At)
		}
		vi.emixed[me.At] = &mixedEdge{stub: me.Stub, classes: me.Classes, seen: me.Seen}
	}
	return nil
}

// derive computes what the snapshot leaves out: counts by kind and class,
// the pairs of non-public arc ends and the co-spend sets, replaying the
// edges in order as a rebuild does.
func (x *index) derive() {
	vi := x.vis
	for u, k := range x.nkind {
		x.nodesByKind[k]++
		vi.nkinds[vi.nclass[u]][k]++
		x.cospend.Add()
	}
	public := make([]int64, len(edgeKinds))
	for e := range x.g.NumEdges() {
		f, t, kind := x.g.Edge(uint32(e))
		x.edgesByKind[kind]++
		if kind == inputCode {
			x.cospend.Union(f, t)
		}
		ec, fc, tc := vi.eclass[e], vi.nclass[f], vi.nclass[t]
		if ec|fc|tc == 0 {
			public[kind]++
			continue
		}
		vi.addEdgeKind(edgeClasses{ec, fc, tc}, kind, 1)
		vi.addPair(f, ec, tc, 1)
		vi.addPair(t, ec, fc, 1)
	}
	if slices.ContainsFunc(public, func(n int64) bool { return n != 0 }) {
		c := vi.ekinds[edgeClasses{}]
		if c == nil {
			c = make([]int64, len(edgeKinds))
			vi.ekinds[edgeClasses{}] = c
		}
		for k, n := range public {
			c[k] += n
		}
	}
}
