package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// The operations of the investigators' mix, and the heavy clients' one.
const (
	opSearch    = "search"
	opNode      = "node"
	opNeighbors = "neighbors"
	opPath      = "shortestPath"
	opFlow      = "moneyFlow"
	opCluster   = "cluster"
	opCase      = "case"
	opHeavy     = "moneyFlow (heavy)"
)

// defaultMix is the share of each operation in percent, as investigators
// at work send them: mostly look-ups, some traversals, a few flow searches.
const defaultMix = "search=30,node=20,neighbors=20,shortestPath=10,moneyFlow=8,cluster=5,case=7"

var mixOps = []string{opSearch, opNode, opNeighbors, opPath, opFlow, opCluster, opCase}

// weight is one operation's share of the mix.
type weight struct {
	op string
	w  int
}

// parseMix reads "op=weight,..." (weights in any unit: they are shares of
// their sum).
func parseMix(s string) ([]weight, error) {
	var ws []weight
	for part := range strings.SplitSeq(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		op, n, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("mix %q: want op=weight", part)
		}
		if !slices.Contains(mixOps, op) {
			return nil, fmt.Errorf("mix: unknown operation %q (want one of %s)", op, strings.Join(mixOps, ", "))
		}
		w, err := strconv.Atoi(n)
		if err != nil || w < 0 {
			return nil, fmt.Errorf("mix %q: weight must be a whole number, 0 or more", part)
		}
		if slices.ContainsFunc(ws, func(x weight) bool { return x.op == op }) {
			return nil, fmt.Errorf("mix: %s given twice", op)
		}
		ws = append(ws, weight{op, w})
	}
	return ws, nil
}

// picker draws operations in proportion to their weights.
type picker struct {
	ops []string
	cum []int // cum[i]: the sum of the weights up to and including ops[i]
}

func newPicker(ws []weight) (picker, error) {
	var p picker
	total := 0
	for _, w := range ws {
		if w.w == 0 {
			continue
		}
		total += w.w
		p.ops, p.cum = append(p.ops, w.op), append(p.cum, total)
	}
	if total == 0 {
		return picker{}, fmt.Errorf("mix: the weights sum to 0")
	}
	return p, nil
}

func (p picker) total() int { return p.cum[len(p.cum)-1] }

// at returns the operation whose share holds n, for n in [0, total).
func (p picker) at(n int) string {
	i, _ := slices.BinarySearch(p.cum, n+1)
	return p.ops[i]
}

func (p picker) pick(r *rand.Rand) string { return p.at(r.IntN(p.total())) }

// request is one GraphQL request of an operation.
type request struct {
	op    string
	query string
	vars  map[string]any
}

// request returns a request of op on targets drawn with r. caseID is the
// case saved at the start.
func (t *targets) request(op string, r *rand.Rand, caseID string) request {
	pick := func(s []string) string { return s[r.IntN(len(s))] }
	switch op {
	case opSearch:
		return request{op, searchQuery, map[string]any{"query": pick(t.terms), "first": 20}}
	case opNode:
		return request{op, nodeQuery, map[string]any{"id": pick(t.nodes)}}
	case opNeighbors:
		// One hop mostly, as the UI's expand; two now and then.
		depth := 1
		if r.IntN(4) == 0 {
			depth = 2
		}
		return request{op, neighborsQuery, map[string]any{"id": pick(t.wallets), "depth": depth, "direction": "BOTH", "limit": 200}}
	case opPath:
		p := t.pairs[r.IntN(len(t.pairs))]
		return request{op, pathQuery, map[string]any{"from": p[0], "to": p[1], "direction": "BOTH", "maxHops": 8}}
	case opFlow:
		return request{op, flowQuery, map[string]any{"from": t.flowFrom[r.IntN(len(t.flowFrom))]}}
	case opCluster:
		return request{op, clusterQuery, map[string]any{"id": pick(t.clusters), "heuristics": []string{"CO_SPEND"}}}
	case opCase:
		return request{op, caseQuery, map[string]any{"id": caseID}}
	case opHeavy:
		return t.heavy()
	}
	panic("load: unknown operation " + op) // the mix is checked by parseMix
}

// heavy is the heavy clients' query: value from every incident followed
// through every service category, twelve hops deep, past hubs; on the S
// scenario it takes the server's whole query deadline.
func (t *targets) heavy() request {
	return request{opHeavy, heavyFlowQuery, map[string]any{
		"from":      t.incidents,
		"maxHops":   12,
		"limit":     1000,
		"through":   []string{"bridge", "mixer", "exchange", "otc"},
		"hubDegree": -1,
	}}
}

// caseView is the view the case holds: a neighbourhood's worth of wallets
// laid out on a grid, as the UI saves one (web/src/caseView.ts).
func (t *targets) caseView(n int) map[string]any {
	nodes := make([]map[string]any, 0, n)
	for i, id := range t.wallets[:min(n, len(t.wallets))] {
		nodes = append(nodes, map[string]any{"id": id, "x": float64(i%20) * 40, "y": float64(i/20) * 40})
	}
	return map[string]any{"v": 1, "nodes": nodes, "edges": []string{}, "groups": []any{}, "filters": map[string]any{}}
}
