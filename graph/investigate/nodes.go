package investigate

// nodeTable holds what Describe said of the nodes a query has seen. Handles
// are dense numbers for both stores (see Topology), so a slot array indexed
// by handle finds a node's entry in one load, where a map cost a hash and a
// probe per arc end; the entries themselves sit in the query's own dense
// numbering, in the order the query first saw them. The slot array is
// stamped with an epoch: an Arrays topology lends one from a pool (see
// Scratch), sized to the graph but not cleared per query; otherwise it is
// the query's own, grown to the handles seen (Neo4j numbers only those).
type nodeTable struct {
	slot  []uint64 // handle → epoch<<32 | local number + 1
	epoch uint32   // ≥ 1
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
		if x := t.slot[u]; uint32(x>>32) == t.epoch {
			return int32(uint32(x)) - 1
		}
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
		t.slot = append(t.slot, make([]uint64, n-len(t.slot))...)
	}
	t.infos = append(t.infos, NodeInfo{})
	t.asked = append(t.asked, 0)
	i := int32(len(t.infos) - 1)
	t.slot[u] = uint64(t.epoch)<<32 | uint64(i+1)
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

// arrivals is when money flow first reached each node, by local number
// (see nodeTable), and the level that last improved it.
type arrivals struct {
	time    []int64
	reached []bool
	level   []uint32
}

func (r *arrivals) grow(v *view, u uint32) int {
	i := int(v.info.local(u))
	if n := len(v.info.infos); i >= 0 && len(r.time) < n {
		r.time = append(r.time, make([]int64, n-len(r.time))...)
		r.reached = append(r.reached, make([]bool, n-len(r.reached))...)
		r.level = append(r.level, make([]uint32, n-len(r.level))...)
	}
	return i
}

// get returns u's arrival and whether u was reached.
func (r *arrivals) get(v *view, u uint32) (int64, bool) {
	if i := v.info.local(u); i >= 0 && int(i) < len(r.time) && r.reached[i] {
		return r.time[i], true
	}
	return 0, false
}

// at returns u's arrival, 0 when u was not reached.
func (r *arrivals) at(v *view, u uint32) int64 {
	t, _ := r.get(v, u)
	return t
}

// set records u's arrival and returns the level that last improved it.
func (r *arrivals) set(v *view, u uint32, t int64) uint32 {
	i := r.grow(v, u)
	if i < 0 {
		return 0
	}
	r.time[i], r.reached[i] = t, true
	return r.level[i]
}

func (r *arrivals) mark(v *view, u uint32, level uint32) {
	if i := r.grow(v, u); i >= 0 {
		r.level[i] = level
	}
}

// levelArrays is exposure's per-node state, by local number.
type levelArrays struct {
	mass, next, bestIn []float64
	nextAt, bestAt     []uint32 // the level that wrote next, bestIn
	route              [][]uint32
	level              uint32
}

func (a *levelArrays) slot(v *view, u uint32) int {
	i := int(v.info.local(u))
	if n := len(v.info.infos); i >= 0 && len(a.mass) < n {
		k := n - len(a.mass)
		a.mass = append(a.mass, make([]float64, k)...)
		a.next = append(a.next, make([]float64, k)...)
		a.bestIn = append(a.bestIn, make([]float64, k)...)
		a.nextAt = append(a.nextAt, make([]uint32, k)...)
		a.bestAt = append(a.bestAt, make([]uint32, k)...)
		a.route = append(a.route, make([][]uint32, k)...)
	}
	return i
}

func (a *levelArrays) set(v *view, u uint32, mass float64, route []uint32) {
	if i := a.slot(v, u); i >= 0 {
		a.mass[i], a.route[i] = mass, route
	}
}

func (a *levelArrays) massOf(v *view, u uint32) float64 {
	if i := a.slot(v, u); i >= 0 {
		return a.mass[i]
	}
	return 0
}

func (a *levelArrays) routeOf(v *view, u uint32) []uint32 {
	if i := a.slot(v, u); i >= 0 {
		return a.route[i]
	}
	return nil
}

func (a *levelArrays) setRoute(v *view, u uint32, r []uint32) {
	if i := a.slot(v, u); i >= 0 {
		a.route[i] = r
	}
}

// add adds c to what the level gives u; true the first time this level.
func (a *levelArrays) add(v *view, u uint32, c float64) bool {
	i := a.slot(v, u)
	if i < 0 {
		return false
	}
	first := a.nextAt[i] != a.level
	if first {
		a.nextAt[i], a.next[i] = a.level, 0
	}
	a.next[i] += c
	return first
}

// better reports whether c beats the level's best contribution to u, and
// makes it the best when it does.
func (a *levelArrays) better(v *view, u uint32, c float64) bool {
	i := a.slot(v, u)
	if i < 0 {
		return false
	}
	if a.bestAt[i] != a.level {
		a.bestAt[i], a.bestIn[i] = a.level, 0
	}
	if c > a.bestIn[i] {
		a.bestIn[i] = c
		return true
	}
	return false
}

func (a *levelArrays) nextOf(v *view, u uint32) float64 {
	if i := a.slot(v, u); i >= 0 && a.nextAt[i] == a.level {
		return a.next[i]
	}
	return 0
}

// advance makes the level's masses the next level's: order lists the
// nodes it gave mass to. Mass of nodes not in order is never read again
// (only frontier nodes are).
func (a *levelArrays) advance(v *view, order []uint32) {
	for _, u := range order {
		i := a.slot(v, u)
		a.mass[i] = a.next[i]
	}
}
