package investigate

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/redthread-dev/redthread/graph"
)

// RiskKind is what a risk flag says of a node.
type RiskKind string

// Risk kinds, in the order a node's flags are listed.
const (
	RiskSanctioned  RiskKind = "SANCTIONED"   // designated itself, or controlled by a designated entity
	RiskAttributed  RiskKind = "ATTRIBUTED"   // a threat group, attributed to one, or controlled by one
	RiskStolenFunds RiskKind = "STOLEN_FUNDS" // received the loot of an incident (STOLE)
	RiskService     RiskKind = "SERVICE"      // a service, or a wallet of one: its category
	RiskExposure    RiskKind = "EXPOSURE"     // direct transfers with risky counterparties above the threshold
)

var riskOrder = []RiskKind{RiskSanctioned, RiskAttributed, RiskStolenFunds, RiskService, RiskExposure}

// Risk bounds. A node's flags rest on at most two hops of ownership,
// designation and attribution edges; RiskFanout bounds the arcs of one node
// used at each hop (a controller listed by a thousand tags is still one
// controller); RiskFanout is exported for pricing. Exposure reads a wallet's own transfers, so it is computed
// only for wallets of degree up to the hub degree.
const (
	RiskFanout = 32
	// DefaultExposureThreshold is the share of one asset moved with risky
	// counterparties (sanctioned, theft, mixer) above which a wallet is
	// flagged.
	DefaultExposureThreshold = 0.25
)

// mixerCategories are the service categories that launder by design.
var mixerCategories = []string{"mixer", "mixing_service", "coinjoin", "tumbler"}

// IsMixerCategory reports whether a service category is a mixer's.
func IsMixerCategory(c string) bool { return slices.Contains(mixerCategories, strings.ToLower(c)) }

// RiskQuery asks for the risk flags of nodes.
type RiskQuery struct {
	IDs       []string
	AsOf      int64
	HubDegree int     // see PathsQuery.HubDegree; wallets above it get no exposure flag
	Threshold float64 // exposure share; 0 means DefaultExposureThreshold
}

// RiskFlag is one reason to look twice at a node, with the path of
// edges that justifies it: Nodes[0] is the flagged node, Edges[i] joins
// Nodes[i] and Nodes[i+1] (in either direction).
type RiskFlag struct {
	Kind     RiskKind
	Reason   string
	Category string  // SERVICE: the service's category; EXPOSURE: the counterparties' category
	Via      string  // the node the flag rests on: sanction, group, incident, service, counterparty
	Share    float64 // EXPOSURE: the share of the asset
	Asset    string  // EXPOSURE: the asset
	Nodes    []string
	Edges    []string
}

// RiskResult holds the risk of each asked ID, in the order asked.
type RiskResult struct {
	Nodes []NodeRisk
}

// NodeRisk is the risk of one node: its flags (none for a node that does
// not exist), and whether some of the evidence went unread.
type NodeRisk struct {
	Flags []RiskFlag
	Truncation
}

// riskNotes collects the truncation of each node's answer.
type riskNotes map[uint32]*Truncation

func (n riskNotes) add(u uint32, cause graph.Cause, format string, args ...any) {
	if n[u] == nil {
		n[u] = &Truncation{}
	}
	n[u].Add(cause, format, args...)
}

// riskStep is one edge of a flag's path, from the node nearer the flagged
// one.
type riskStep struct {
	arc  Arc
	node uint32
}

type riskDraft struct {
	kind     RiskKind
	via      uint32
	category string
	share    float64
	asset    string
	path     []riskStep
	reason   func(label func(uint32) string) string
}

// Risk answers a RiskQuery in a fixed number of batches whatever the
// number of nodes: their own ownership, designation and attribution edges,
// those of the entities that control them or whose loot they received,
// the nodes named in reasons, and, for exposure, their transfers and the
// classification of their counterparties.
func Risk(ctx context.Context, t Topology, q RiskQuery, l Limits) (RiskResult, error) {
	res := RiskResult{Nodes: make([]NodeRisk, len(q.IDs))}
	l = l.OrDefaults()
	if q.Threshold < 0 || q.Threshold > 1 {
		return res, graph.Errorf(graph.CodeInvalid, "threshold must be between 0 and 1, not %g", q.Threshold)
	}
	if q.Threshold == 0 {
		q.Threshold = DefaultExposureThreshold
	}
	if len(q.IDs) == 0 {
		return res, nil
	}
	var batch Truncation // the budget's: exceeding it is an error here
	v := newView(ctx, t, l, &batch)
	notes := riskNotes{}
	v.asOf = q.AsOf
	hs, err := t.Resolve(ctx, q.IDs)
	if err != nil {
		return res, err
	}
	var starts []uint32
	for _, h := range hs {
		if h != None {
			starts = append(starts, h)
		}
	}
	if err := v.describe(ctx, starts); err != nil {
		return res, err
	}
	starts = slices.DeleteFunc(starts, func(u uint32) bool { return q.AsOf != 0 && v.info.of(u).Seen > q.AsOf })
	slices.Sort(starts)
	starts = slices.Compact(starts)
	drafts, behind, err := riskOwnership(ctx, v, starts, notes)
	if err != nil {
		return res, err
	}
	if err := riskTwins(ctx, v, starts, behind, drafts, notes); err != nil {
		return res, err
	}
	if err := riskExposure(ctx, v, starts, l.hub(q.HubDegree), q.Threshold, drafts, notes); err != nil {
		return res, err
	}
	flags, err := riskFlags(ctx, v, drafts)
	if err != nil {
		return res, err
	}
	for i, h := range hs {
		if h == None {
			continue
		}
		res.Nodes[i].Flags = flags[h]
		if n := notes[h]; n != nil {
			res.Nodes[i].Truncation = *n
		}
	}
	return res, nil
}

// riskDrafts are the drafted flags of each node.
type riskDrafts map[uint32][]riskDraft

// add drafts d for u unless u has a flag of that kind on that node: the
// first justification drafted is the shortest.
func (ds riskDrafts) add(u uint32, d riskDraft) {
	for _, o := range ds[u] {
		if o.kind == d.kind && o.via == d.via {
			return
		}
	}
	ds[u] = append(ds[u], d)
}

// riskOwnership drafts the flags that rest on ownership, designation and
// attribution: two batches of expansion for all the nodes.
func riskOwnership(ctx context.Context, v *view, starts []uint32, notes riskNotes) (riskDrafts, map[uint32][]riskStep, error) {
	drafts := riskDrafts{}
	add := drafts.add
	for _, u := range starts {
		switch v.info.of(u).Kind {
		case graph.KindThreatGroup:
			add(u, riskDraft{kind: RiskAttributed, via: u, reason: func(label func(uint32) string) string {
				return "is the threat group " + label(u)
			}})
		case graph.KindService:
			add(u, riskDraft{kind: RiskService, via: u})
		}
	}
	out, err := v.expand(ctx, starts, Filter{Dir: graph.Out, AsOf: v.asOf,
		Kinds: []graph.EdgeKind{graph.EdgeSanctionedBy, graph.EdgeAttributedTo, graph.EdgeDepositedAt}})
	if err != nil {
		return nil, nil, err
	}
	in, err := v.expand(ctx, starts, Filter{Dir: graph.In, AsOf: v.asOf,
		Kinds: []graph.EdgeKind{graph.EdgeControls, graph.EdgeStole}})
	if err != nil {
		return nil, nil, err
	}
	// Second hop: the entities that control a node or whose loot it
	// received, and what designates them or is blamed for them.
	behind := map[uint32][]riskStep{} // intermediary → the steps from each start to it
	var mids []uint32
	for i, u := range starts {
		for _, a := range capArcs(notes, u, append(out[i], in[i]...)) {
			o := a.Other(u)
			step := []riskStep{{a, o}}
			switch ok := v.info.of(o).Kind; {
			case a.Kind == graph.EdgeSanctionedBy:
				add(u, riskDraft{kind: RiskSanctioned, via: o, path: step})
			case a.Kind == graph.EdgeAttributedTo:
				add(u, riskDraft{kind: RiskAttributed, via: o, path: step})
			case a.Kind == graph.EdgeDepositedAt && ok == graph.KindService,
				a.Kind == graph.EdgeControls && ok == graph.KindService:
				add(u, riskDraft{kind: RiskService, via: o, path: step})
			case a.Kind == graph.EdgeControls && ok == graph.KindThreatGroup:
				add(u, riskDraft{kind: RiskAttributed, via: o, path: step})
			case a.Kind == graph.EdgeStole && ok == graph.KindIncident:
				add(u, riskDraft{kind: RiskStolenFunds, via: o, path: step})
			}
			if a.Kind == graph.EdgeControls || (a.Kind == graph.EdgeStole && v.info.of(o).Kind == graph.KindIncident) {
				if _, seen := behind[o]; !seen {
					mids = append(mids, o)
				}
				behind[o] = append(behind[o], riskStep{a, u})
			}
		}
	}
	v.sortByID(mids)
	second, err := v.expand(ctx, mids, Filter{Dir: graph.Out, AsOf: v.asOf,
		Kinds: []graph.EdgeKind{graph.EdgeSanctionedBy, graph.EdgeAttributedTo}})
	if err != nil {
		return nil, nil, err
	}
	for i, m := range mids {
		arcs := second[i]
		if len(arcs) > RiskFanout {
			for _, b := range behind[m] {
				notes.add(b.node, graph.CauseFanoutLimit, riskCapNote, RiskFanout)
			}
			arcs = arcs[:RiskFanout]
		}
		for _, a := range arcs {
			target := a.Other(m)
			for _, b := range behind[m] {
				u := b.node
				path := []riskStep{{b.arc, m}, {a, target}}
				switch {
				case a.Kind == graph.EdgeSanctionedBy && b.arc.Kind == graph.EdgeControls:
					add(u, riskDraft{kind: RiskSanctioned, via: target, path: path})
				case a.Kind == graph.EdgeAttributedTo:
					add(u, riskDraft{kind: RiskAttributed, via: target, path: path})
				}
			}
		}
	}
	return drafts, behind, nil
}

const riskCapNote = "at most %d ownership, designation and attribution edges of a node are read"

// capArcs keeps at most RiskFanout arcs of u (they come in ID order),
// saying so when it drops some.
func capArcs(notes riskNotes, u uint32, arcs []Arc) []Arc {
	if len(arcs) <= RiskFanout {
		return arcs
	}
	notes.add(u, graph.CauseFanoutLimit, riskCapNote, RiskFanout)
	return arcs[:RiskFanout]
}

// riskFlags turns drafts into flags: one batch loads the nodes their
// reasons name, one the edges of their paths.
func riskFlags(ctx context.Context, v *view, drafts map[uint32][]riskDraft) (map[uint32][]RiskFlag, error) {
	var named, edges handles
	for u, ds := range drafts {
		named.add(u)
		for _, d := range ds {
			named.add(d.via)
			for _, s := range d.path {
				named.add(s.node)
				edges.add(s.arc.Edge)
			}
		}
	}
	slices.Sort(named.list)
	slices.Sort(edges.list)
	ns, err := v.nodes(ctx, named.list)
	if err != nil {
		return nil, err
	}
	es, err := v.edges(ctx, edges.list)
	if err != nil {
		return nil, err
	}
	node := map[uint32]*graph.Node{}
	for i, h := range named.list {
		node[h] = ns[i]
	}
	edgeID := map[uint32]string{}
	for i, h := range edges.list {
		edgeID[h] = es[i].ID
	}
	label := func(u uint32) string {
		if n := node[u]; n != nil && n.Label != "" {
			return n.Label
		}
		return v.id(u)
	}
	out := map[uint32][]RiskFlag{}
	for u, ds := range drafts {
		flags := make([]RiskFlag, 0, len(ds))
		for _, d := range ds {
			f := RiskFlag{Kind: d.kind, Via: v.id(d.via), Nodes: []string{v.id(u)}, Category: d.category, Share: d.share, Asset: d.asset}
			for _, s := range d.path {
				f.Nodes = append(f.Nodes, v.id(s.node))
				f.Edges = append(f.Edges, edgeID[s.arc.Edge])
			}
			if d.kind == RiskService {
				f.Category = serviceCategory(node[d.via])
			}
			if d.reason != nil {
				f.Reason = d.reason(label)
			} else {
				f.Reason = riskReason(d, node, label)
			}
			flags = append(flags, f)
		}
		slices.SortFunc(flags, func(a, b RiskFlag) int {
			return cmp.Or(cmp.Compare(slices.Index(riskOrder, a.Kind), slices.Index(riskOrder, b.Kind)),
				cmp.Compare(len(a.Nodes), len(b.Nodes)), cmp.Compare(a.Via, b.Via), cmp.Compare(a.Category, b.Category), cmp.Compare(a.Asset, b.Asset))
		})
		out[u] = flags
	}
	return out, nil
}

// serviceCategory is a service's category as the ingesters write it:
// props.category, else the first of a GraphSense actor's categories.
func serviceCategory(n *graph.Node) string {
	if n == nil {
		return ""
	}
	if c, ok := n.Props["category"].(string); ok && c != "" {
		return c
	}
	switch cs := n.Props["categories"].(type) {
	case []any:
		if len(cs) > 0 {
			if c, ok := cs[0].(string); ok {
				return c
			}
		}
	case []string:
		if len(cs) > 0 {
			return cs[0]
		}
	}
	return ""
}

// designation describes a sanction node: its label and programs.
func designation(n *graph.Node, label string) string {
	if n == nil {
		return label
	}
	var progs []string
	switch ps := n.Props["programs"].(type) {
	case []any:
		for _, p := range ps {
			if s, ok := p.(string); ok {
				progs = append(progs, s)
			}
		}
	case []string:
		progs = ps
	case string:
		progs = []string{ps}
	}
	// OFAC's readers name a designation with its programs already
	// ("OFAC SDN: LAZARUS GROUP (DPRK3)"): say them once.
	suffix := " (" + strings.Join(progs, ", ") + ")"
	if len(progs) == 0 || strings.HasSuffix(label, suffix) {
		return label
	}
	return label + suffix
}

// riskReason words a drafted flag from its path.
func riskReason(d riskDraft, node map[uint32]*graph.Node, label func(uint32) string) string {
	var via string
	for i := 0; i+1 < len(d.path); i++ {
		mid := d.path[i]
		switch mid.arc.Kind {
		case graph.EdgeControls:
			via += "controlled by " + label(mid.node) + ", "
		case graph.EdgeStole:
			via += "received the loot of " + label(mid.node) + ", "
		case graph.EdgeSameAs:
			via += "judged the same actor as " + label(mid.node) + ", "
		}
	}
	switch d.kind {
	case RiskSanctioned:
		what := "designated on "
		if via != "" {
			what = "which is designated on "
		}
		return via + what + designation(node[d.via], label(d.via))
	case RiskAttributed:
		if len(d.path) == 1 && d.path[0].arc.Kind == graph.EdgeControls {
			return "controlled by the threat group " + label(d.via)
		}
		if n := len(d.path); n > 0 && d.path[n-1].arc.Kind == graph.EdgeSameAs {
			return via + "judged the same actor as the threat group " + label(d.via)
		}
		if via != "" {
			return via + "which is attributed to " + label(d.via)
		}
		return "attributed to " + label(d.via)
	case RiskStolenFunds:
		return "received the loot of " + label(d.via)
	case RiskService:
		cat := serviceCategory(node[d.via])
		if cat == "" {
			cat = "service"
		}
		switch {
		case len(d.path) == 0:
			return "is a service (" + cat + ")"
		case d.path[0].arc.Kind == graph.EdgeDepositedAt:
			return "deposit address at " + label(d.via) + " (" + cat + ")"
		}
		return "controlled by " + label(d.via) + " (" + cat + ")"
	case RiskExposure:
		return fmt.Sprintf("%.0f%% of the %s it moved went directly to or from %s counterparties (largest: %s)",
			100*d.share, d.asset, d.category, label(d.via))
	}
	return string(d.kind)
}

// riskExposure drafts exposure flags: for each wallet of degree up to
// hub, the share of each asset it moved (received plus sent) whose
// direct counterparty is sanctioned, received stolen funds, or is a
// mixer. Assets are never added together. Two batches for all the
// wallets: their transfers, then the classification of the counterparties.
func riskExposure(ctx context.Context, v *view, starts []uint32, hub int, threshold float64, drafts riskDrafts, notes riskNotes) error {
	var wallets []uint32
	for _, u := range starts {
		switch {
		case v.info.of(u).Kind != graph.KindWallet:
		case v.info.of(u).Degree > hub:
			notes.add(u, graph.CauseHubSkipped, "exposure is not computed for wallets with more than %d edges (hubs)", hub)
		default:
			wallets = append(wallets, u)
		}
	}
	lists, err := v.expand(ctx, wallets, Filter{Kinds: []graph.EdgeKind{graph.EdgeTransfer}, AsOf: v.asOf})
	if err != nil {
		return err
	}
	others := slices.Clone(wallets) // a wallet's own service is no exposure
	for i, u := range wallets {
		for _, a := range lists[i] {
			others = append(others, a.Other(u))
		}
	}
	if err := v.classify(ctx, others); err != nil {
		return err
	}
	type share struct {
		amount float64
		top    Arc
	}
	for i, u := range wallets {
		total := map[string]float64{}
		risky := map[[2]string]*share{} // (category, asset)
		for _, a := range lists[i] {
			if a.From == a.To || a.Asset == "" || a.Amount <= 0 {
				continue
			}
			total[a.Asset] += a.Amount
			c := v.classOf(a.Other(u))
			cat := exposureCategory(c)
			if cat == "" || (c.isService() && c.service == v.classOf(u).service) {
				continue
			}
			k := [2]string{cat, a.Asset}
			s := risky[k]
			if s == nil {
				s = &share{}
				risky[k] = s
			}
			s.amount += a.Amount
			if a.Amount > s.top.Amount {
				s.top = a
			}
		}
		best := map[string]riskDraft{} // category → the asset with the largest share
		for k, s := range risky {
			sh := s.amount / total[k[1]]
			if sh < threshold {
				continue
			}
			d, ok := best[k[0]]
			if ok && (d.share > sh || (d.share == sh && d.asset < k[1])) {
				continue
			}
			o := s.top.Other(u)
			best[k[0]] = riskDraft{kind: RiskExposure, via: o, category: k[0], share: sh, asset: k[1], path: []riskStep{{s.top, o}}}
		}
		for _, d := range best {
			drafts[u] = append(drafts[u], d)
		}
	}
	return nil
}

// exposureCategory is the risk category of a direct counterparty:
// sanctioned, theft, or a mixer; "" for anything else.
func exposureCategory(c class) string {
	switch cat := categoryOf(c); {
	case cat == CategorySanctioned, cat == CategoryTheft:
		return cat
	case c.isService() && IsMixerCategory(c.category):
		return cat
	}
	return ""
}
