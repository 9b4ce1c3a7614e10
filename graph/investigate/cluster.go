package investigate

import (
	"cmp"
	"context"
	"errors"
	"slices"

	"github.com/redthread-dev/redthread/graph"
)

// Heuristic is an address-clustering rule.
type Heuristic string

// Clustering heuristics.
const (
	// CoSpend: addresses spent together as inputs of one transaction are
	// controlled by one wallet owner (Bitcoin's multi-input heuristic).
	CoSpend Heuristic = "CO_SPEND"
	// OneTimeChange: in a transaction with exactly two outputs, an output
	// address never seen before or after (its one appearance) while the
	// other was, is the spender's change.
	OneTimeChange Heuristic = "ONE_TIME_CHANGE"
)

// ClusterQuery asks for the address cluster of a wallet.
type ClusterQuery struct {
	ID             string
	Heuristics     []Heuristic // empty means CO_SPEND
	MaxMembers     int         // 0 means Limits.MaxMembers
	Counterparties int         // top counterparties listed; 0 means 10
	AsOf           int64
}

// ClusterMember is a wallet of a cluster and why it belongs.
type ClusterMember struct {
	ID        string
	Hops      int       // links from the queried wallet
	Via       string    // the transaction that links it; empty for the queried wallet
	Partner   string    // the member it was linked to through Via
	Heuristic Heuristic // the rule that linked it
}

// Attribution is an entity said to be behind a cluster's wallet.
type Attribution struct {
	Entity     *graph.Node
	Wallet     string // the member it is attached to
	Edge       *graph.Edge
	Confidence int
}

// Counterparty is a wallet outside a cluster that transacted with it.
type Counterparty struct {
	ID       string
	Service  string // its service, if any
	Category string
	Received float64 // value it received from the cluster
	Sent     float64 // value it sent to the cluster
}

// ClusterResult is an explained address cluster.
type ClusterResult struct {
	Members        []ClusterMember // by hops, then ID
	Received, Sent float64         // value in and out of the cluster, from and to outside it
	First, Last    int64           // first and last transfer (unix seconds)
	Attributions   []Attribution   // by confidence, then entity ID
	Counterparties []Counterparty  // by value exchanged, largest first
	Truncation
}

// Cluster answers a ClusterQuery by walking the heuristics' links
// breadth-first from the wallet, one batch per level, so every membership
// comes with the transaction that explains it.
func Cluster(ctx context.Context, t Topology, q ClusterQuery, l Limits) (ClusterResult, error) {
	var res ClusterResult
	l = l.OrDefaults()
	heur := map[Heuristic]bool{}
	for _, h := range q.Heuristics {
		if h != CoSpend && h != OneTimeChange {
			return res, graph.Errorf(graph.CodeInvalid, "unknown heuristic %q (want CO_SPEND or ONE_TIME_CHANGE)", h)
		}
		heur[h] = true
	}
	if len(heur) == 0 {
		heur[CoSpend] = true
	}
	maxMembers := l.MemberBound(q.MaxMembers)
	top := q.Counterparties
	if top <= 0 {
		top = 10
	}
	v := newView(ctx, t, l, &res.Truncation)
	v.asOf = q.AsOf
	start, err := v.resolve(ctx, []string{q.ID}, q.AsOf)
	if err != nil {
		return res, err
	}
	if v.info.of(start[0]).Kind != graph.KindWallet {
		return res, graph.Errorf(graph.CodeInvalid, "%s is a %s: address clusters are of wallets", q.ID, v.info.of(start[0]).Kind)
	}
	member := map[uint32]*ClusterMember{start[0]: {ID: q.ID}}
	order := []uint32{start[0]}
	frontier := []uint32{start[0]}
	full := false
	err = func() error {
		for hops := 1; len(frontier) > 0 && !full; hops++ {
			// wallet → the transactions it is an input of.
			lists, err := v.expand(ctx, frontier, Filter{Dir: graph.Out, Kinds: []graph.EdgeKind{graph.EdgeInput}, AsOf: q.AsOf})
			if err != nil {
				return err
			}
			via := map[uint32]uint32{} // transaction → the member that spent in it
			var txs []uint32
			for i, u := range frontier {
				for _, a := range lists[i] {
					if p, ok := via[a.To]; !ok || v.byID(u, p) < 0 {
						if !ok {
							txs = append(txs, a.To)
						}
						via[a.To] = u
					}
				}
			}
			v.sortByID(txs)
			var next []uint32
			add := func(w, tx uint32, h Heuristic) {
				if _, ok := member[w]; ok || full {
					return
				}
				if len(member) >= maxMembers {
					full = true
					res.Add(graph.CauseMemberLimit, "the cluster has more than %d members; kept the nearest", maxMembers)
					return
				}
				member[w] = &ClusterMember{ID: v.id(w), Hops: hops, Via: v.id(tx), Partner: v.id(via[tx]), Heuristic: h}
				next = append(next, w)
			}
			if heur[CoSpend] {
				ins, err := v.expand(ctx, txs, Filter{Dir: graph.In, Kinds: []graph.EdgeKind{graph.EdgeInput}, AsOf: q.AsOf})
				if err != nil {
					return err
				}
				for i, tx := range txs {
					for _, a := range ins[i] {
						add(a.From, tx, CoSpend)
					}
				}
			}
			if heur[OneTimeChange] {
				if err := oneTimeChange(ctx, v, txs, q.AsOf, func(w, tx uint32) { add(w, tx, OneTimeChange) }); err != nil {
					return err
				}
			}
			if err := v.b.visit(len(next)); err != nil {
				return err
			}
			v.sortByID(next)
			order = append(order, next...)
			frontier = next
		}
		return nil
	}()
	if err != nil && !errors.Is(err, errBudget) {
		return res, err
	}
	for _, u := range order {
		res.Members = append(res.Members, *member[u])
	}
	slices.SortFunc(res.Members, func(a, b ClusterMember) int { return cmp.Or(cmp.Compare(a.Hops, b.Hops), cmp.Compare(a.ID, b.ID)) })
	if err := describeCluster(ctx, v, order, member, top, &res); err != nil && !errors.Is(err, errBudget) {
		return res, err
	}
	return res, nil
}

// oneTimeChange finds the change output of each transaction under the
// one-time-change rule.
func oneTimeChange(ctx context.Context, v *view, txs []uint32, asOf int64, add func(w, tx uint32)) error {
	outs, err := v.expand(ctx, txs, Filter{Dir: graph.Out, Kinds: []graph.EdgeKind{graph.EdgeOutput}, AsOf: asOf})
	if err != nil {
		return err
	}
	var cands []uint32
	for _, list := range outs {
		if len(list) == 2 {
			cands = append(cands, list[0].To, list[1].To)
		}
	}
	// How often each candidate appears as an output anywhere.
	seen, err := v.expand(ctx, cands, Filter{Dir: graph.In, Kinds: []graph.EdgeKind{graph.EdgeOutput}, AsOf: asOf})
	if err != nil {
		return err
	}
	outputs := map[uint32]int{}
	for i, c := range cands {
		outputs[c] = len(seen[i])
	}
	for i, tx := range txs {
		list := outs[i]
		if len(list) != 2 || list[0].To == list[1].To {
			continue
		}
		a, b := list[0].To, list[1].To
		switch {
		case outputs[a] == 1 && outputs[b] > 1:
			add(a, tx)
		case outputs[b] == 1 && outputs[a] > 1:
			add(b, tx)
		}
	}
	return nil
}

// describeCluster adds totals, attributions and counterparties.
func describeCluster(ctx context.Context, v *view, members []uint32, member map[uint32]*ClusterMember, top int, res *ClusterResult) error {
	lists, err := v.expand(ctx, members, Filter{Kinds: []graph.EdgeKind{graph.EdgeTransfer, graph.EdgeControls, graph.EdgeAttributedTo}, AsOf: v.asOf})
	if err != nil {
		return err
	}
	cps := map[uint32]*Counterparty{}
	var cpOrder, attrEdges, attrNodes []uint32
	var attrWallet []string
	for i, u := range members {
		for _, a := range lists[i] {
			o := a.Other(u)
			switch a.Kind {
			case graph.EdgeTransfer:
				if _, in := member[o]; in {
					continue
				}
				if a.Time != 0 {
					if res.First == 0 || a.Time < res.First {
						res.First = a.Time
					}
					res.Last = max(res.Last, a.Time)
				}
				c := cps[o]
				if c == nil {
					c = &Counterparty{ID: v.id(o)}
					cps[o] = c
					cpOrder = append(cpOrder, o)
				}
				if a.From == u {
					res.Sent += value(&a)
					c.Received += value(&a)
				} else {
					res.Received += value(&a)
					c.Sent += value(&a)
				}
			case graph.EdgeControls, graph.EdgeAttributedTo:
				if (a.Kind == graph.EdgeControls && a.To == u) || (a.Kind == graph.EdgeAttributedTo && a.From == u) {
					attrEdges = append(attrEdges, a.Edge)
					attrNodes = append(attrNodes, o)
					attrWallet = append(attrWallet, v.id(u))
				}
			}
		}
	}
	slices.SortFunc(cpOrder, func(a, b uint32) int {
		return cmp.Or(cmp.Compare(cps[b].Received+cps[b].Sent, cps[a].Received+cps[a].Sent), v.byID(a, b))
	})
	if len(cpOrder) > top {
		cpOrder = cpOrder[:top]
	}
	if err := v.classify(ctx, cpOrder); err != nil {
		return err
	}
	for _, o := range cpOrder {
		c := cps[o]
		if cl := v.classOf(o); cl.isService() {
			c.Service, c.Category = v.id(cl.service), cl.category
		}
		res.Counterparties = append(res.Counterparties, *c)
	}
	if len(attrEdges) == 0 {
		return nil
	}
	es, err := v.edges(ctx, attrEdges)
	if err != nil {
		return err
	}
	ns, err := v.nodes(ctx, attrNodes)
	if err != nil {
		return err
	}
	for i := range es {
		res.Attributions = append(res.Attributions, Attribution{Entity: ns[i], Wallet: attrWallet[i], Edge: es[i], Confidence: es[i].Confidence})
	}
	slices.SortFunc(res.Attributions, func(a, b Attribution) int {
		return cmp.Or(cmp.Compare(b.Confidence, a.Confidence), cmp.Compare(a.Entity.ID, b.Entity.ID), cmp.Compare(a.Wallet, b.Wallet))
	})
	return nil
}
