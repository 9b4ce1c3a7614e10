package investigate

// nodeTable holds what Describe said of the nodes a query has seen. Handles
// are dense numbers for both stores (see Topology), so a slot array indexed
// by handle finds a node's entry in one load, where a map cost a hash and a
// probe per arc end; the entries themselves sit in the query's own dense
// numbering, in the order the query first saw them.
type nodeTable struct {
	slot  []int32 // handle → local number + 1; 0: not seen
	infos []NodeInfo
	zero  NodeInfo // what an unseen node reads as
	// asked[i] == batch: entry i is in the batch being described, so a
	// node listed twice is asked for once.
	asked []uint32
	batch uint32
}

// local returns u's local number, or -1 when the query has not seen u.
func (t *nodeTable) local(u uint32) int32 {
	if int64(u) < int64(len(t.slot)) {
		return t.slot[u] - 1
	}
	return -1
}

// of returns what is known of u: the zero NodeInfo before u is described.
// The pointer is valid until the next add.
func (t *nodeTable) of(u uint32) *NodeInfo {
	if i := t.local(u); i >= 0 {
		return &t.infos[i]
	}
	return &t.zero
}

// seen reports whether u is described (every node has an ID; an entry
// without one is reserved, see add).
func (t *nodeTable) seen(u uint32) bool {
	i := t.local(u)
	return i >= 0 && t.infos[i].ID != ""
}

// ask reports whether u is to be described in the current batch: not
// described and not already listed in it.
func (t *nodeTable) ask(u uint32) bool {
	if u == None || t.seen(u) {
		return false
	}
	i := t.add(u)
	if t.asked[i] == t.batch {
		return false
	}
	t.asked[i] = t.batch
	return true
}

// add gives u an entry (zero until described) and returns its local
// number.
func (t *nodeTable) add(u uint32) int32 {
	if u == None {
		return -1
	}
	if i := t.local(u); i >= 0 {
		return i
	}
	if int64(u) >= int64(len(t.slot)) {
		n := max(int(u)+1, 2*len(t.slot), 1024)
		t.slot = append(t.slot, make([]int32, n-len(t.slot))...)
	}
	t.infos = append(t.infos, NodeInfo{})
	t.asked = append(t.asked, 0)
	i := int32(len(t.infos) - 1)
	t.slot[u] = i + 1
	return i
}

// classes is what classify found of the nodes a query has seen, by local
// number (see nodeTable).
type classes struct {
	list []class
	done []bool
}

// of returns u's class; the zero class before u is classified, as a map
// read gave before.
func (v *view) classOf(u uint32) class {
	if i := v.info.local(u); i >= 0 && int(i) < len(v.class.list) {
		return v.class.list[i]
	}
	return class{}
}

// classified reports whether u has a class.
func (v *view) classified(u uint32) bool {
	i := v.info.local(u)
	return i >= 0 && int(i) < len(v.class.done) && v.class.done[i]
}

// setClass sets u's class, giving u an entry first if it has none.
func (v *view) setClass(u uint32, c class) {
	i := int(v.info.add(u))
	if i < 0 {
		return
	}
	if n := len(v.info.infos); len(v.class.list) < n {
		v.class.list = append(v.class.list, make([]class, n-len(v.class.list))...)
		v.class.done = append(v.class.done, make([]bool, n-len(v.class.done))...)
	}
	v.class.list[i], v.class.done[i] = c, true
}
