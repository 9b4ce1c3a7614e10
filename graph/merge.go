package graph

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// edgeEndpoints constrains the node kinds an edge kind may join; kinds not
// listed accept any endpoints.
var edgeEndpoints = map[EdgeKind][2][]NodeKind{
	EdgeTransfer:     {{KindWallet}, {KindWallet}},
	EdgeInput:        {{KindWallet}, {KindTransaction}},
	EdgeOutput:       {{KindTransaction}, {KindWallet}},
	EdgeControls:     {nil, {KindWallet}},
	EdgeUses:         {{KindPerson, KindOrganization, KindThreatGroup}, {KindIdentifier}},
	EdgeStole:        {{KindIncident}, {KindWallet}},
	EdgeDepositedAt:  {{KindWallet}, {KindService}},
	EdgeSanctionedBy: {nil, {KindSanction}},
	EdgeLocatedIn:    {nil, {KindLocation}},
}

// PrepareNode validates n and fills in what is derived: the normalised key
// and ID, the label when missing, per-source confidence and marking from the
// node's own, and the node's confidence and marking from its sources.
func PrepareNode(n *Node) error { return PrepareNodeKnown(n, nil) }

// PrepareNodeKnown is PrepareNode for a caller that holds prepared nodes:
// when the node's kind and key make, byte for byte, the ID of one of them
// (known reports it), the key is normalised already (IDs are fixed points
// of normalising) and is not normalised again: for a wallet, decoding and
// checksumming its address, which readers of transfers send with every
// transfer. The result is the same as PrepareNode's.
func PrepareNodeKnown(n *Node, known func(id string) bool) error {
	return prepareNode(n, known, false)
}

// prepareNode is PrepareNodeKnown; own says that n's sources are n's own,
// to be prepared in place rather than copied.
func prepareNode(n *Node, known func(id string) bool, own bool) error {
	if !n.Kind.Valid() {
		return Errorf(CodeInvalid, "unknown node kind %q", n.Kind)
	}
	var id, key string
	if known != nil {
		if cand := idPrefix[n.Kind] + ":" + n.Key; (n.ID == "" || n.ID == cand) && known(cand) {
			id, key = cand, n.Key
		}
	}
	if id == "" {
		var err error
		if id, key, err = NodeID(n.Kind, n.Key); err != nil {
			return err
		}
	}
	if n.ID != "" && n.ID != id {
		return Errorf(CodeInvalid, "id %q does not match kind %s and key %q (want %q)", n.ID, n.Kind, n.Key, id)
	}
	n.ID, n.Key = id, key
	n.Label = strings.TrimSpace(n.Label)
	if n.Label == "" {
		n.Label = key
	}
	n.Aliases = normAliases(n.Aliases, n.Label)
	src, conf, mark, err := prepareSources(n.Sources, n.Confidence, n.Marking, own)
	if err != nil {
		return err
	}
	n.Sources, n.Confidence, n.Marking = src, conf, mark
	n.Claims = nil // input never says who said what: its sources claim it whole
	if !n.ValidTo.IsZero() && n.ValidTo.Before(n.ValidFrom) {
		return Errorf(CodeInvalid, "validTo %s is before validFrom %s", n.ValidTo.Format("2006-01-02"), n.ValidFrom.Format("2006-01-02"))
	}
	return nil
}

// PrepareEdge validates e, checks that its endpoints are node IDs of kinds the
// edge kind allows, and fills in its ID, confidence and marking.
func PrepareEdge(e *Edge) error { return PrepareEdgeKnown(e, false, false) }

// PrepareEdgeKnown is PrepareEdge for a caller that has checked that e.From
// (fromKnown) or e.To (toKnown) is, byte for byte, the ID of a node it
// holds, prepared by PrepareNode. Such an ID came out of NodeID, and IDs
// are fixed points of NormalizeNodeID, so normalising it again (for a
// wallet, decoding and checksumming its address) is skipped; only its kind
// is parsed. The result is the same as PrepareEdge's.
func PrepareEdgeKnown(e *Edge, fromKnown, toKnown bool) error {
	return prepareEdge(e, fromKnown, toKnown, false)
}

// prepareEdge is PrepareEdgeKnown; own is as for prepareNode.
func prepareEdge(e *Edge, fromKnown, toKnown, own bool) error {
	if !e.Kind.Valid() {
		return Errorf(CodeInvalid, "unknown edge kind %q", e.Kind)
	}
	from, fk, err := endpointID(e.From, fromKnown)
	if err != nil {
		return Errorf(CodeInvalid, "from: %v", err)
	}
	to, tk, err := endpointID(e.To, toKnown)
	if err != nil {
		return Errorf(CodeInvalid, "to: %v", err)
	}
	e.From, e.To = from, to
	if rule, ok := edgeEndpoints[e.Kind]; ok {
		if rule[0] != nil && !slices.Contains(rule[0], fk) {
			return Errorf(CodeInvalid, "%s edge cannot start at a %s node", e.Kind, fk)
		}
		if rule[1] != nil && !slices.Contains(rule[1], tk) {
			return Errorf(CodeInvalid, "%s edge cannot end at a %s node", e.Kind, tk)
		}
	}
	e.Key = strings.TrimSpace(e.Key)
	if e.Key == "" && e.TxHash != "" {
		e.Key = e.TxHash
	}
	if strings.ContainsAny(e.Key, ">#\n") {
		return Errorf(CodeInvalid, "edge key %q contains a reserved character", e.Key)
	}
	id := EdgeID(e.Kind, e.From, e.To, e.Key)
	if e.ID != "" && e.ID != id {
		return Errorf(CodeInvalid, "edge id %q does not match its endpoints, kind and key (want %q)", e.ID, id)
	}
	e.ID = id
	e.Asset = NormalizeChain(e.Asset)
	if e.Amount < 0 || e.ValueUSD < 0 {
		return Errorf(CodeInvalid, "amounts cannot be negative")
	}
	src, conf, mark, err := prepareSources(e.Sources, e.Confidence, e.Marking, own)
	if err != nil {
		return err
	}
	e.Sources, e.Confidence, e.Marking = src, conf, mark
	e.Claims = nil // as for nodes
	return nil
}

// endpointID normalises an edge endpoint, or only parses it when the caller
// knows it for a prepared node's ID.
func endpointID(id string, known bool) (string, NodeKind, error) {
	if known {
		if kind, _, err := ParseNodeID(id); err == nil {
			return id, kind, nil
		}
	}
	return NormalizeNodeID(id)
}

// prepareSources checks and fills in a record's sources: into a new slice,
// or into in itself when own says it is the record's own.
func prepareSources(in []Source, conf int, mark Marking, own bool) ([]Source, int, Marking, error) {
	if conf < 0 || conf > 100 {
		return nil, 0, "", Errorf(CodeInvalid, "confidence %d is outside 0–100", conf)
	}
	if mark != "" && !mark.Valid() {
		return nil, 0, "", Errorf(CodeInvalid, "marking %q is not a TLP 2.0 marking", mark)
	}
	if len(in) == 0 {
		return nil, 0, "", Errorf(CodeInvalid, "a fact needs at least one source")
	}
	out := in[:0] // each source is read before its place is written
	if !own {
		out = make([]Source, 0, len(in))
	}
	for i, s := range in {
		s.Dataset = strings.TrimSpace(s.Dataset)
		if s.Dataset == "" {
			return nil, 0, "", Errorf(CodeInvalid, "sources[%d]: dataset is required", i)
		}
		if s.Confidence == 0 {
			s.Confidence = cmp.Or(conf, ConfidenceUnknown)
		}
		if s.Confidence < 0 || s.Confidence > 100 {
			return nil, 0, "", Errorf(CodeInvalid, "sources[%d]: confidence %d is outside 0–100", i, s.Confidence)
		}
		if s.Marking == "" {
			s.Marking = cmp.Or(mark, TLPClear)
		}
		if !s.Marking.Valid() {
			return nil, 0, "", Errorf(CodeInvalid, "sources[%d]: marking %q is not a TLP 2.0 marking", i, s.Marking)
		}
		s.RetrievedAt = s.RetrievedAt.UTC()
		out = append(out, s)
	}
	if len(out) > 1 { // one source is merged and sorted already: out is fresh
		out = mergeSources(nil, out)
	}
	c, m := derive(out)
	return out, c, m, nil
}

// mergeSources returns the union of two source lists, sorted. Two sources
// with one key (dataset, record, agency) are one assertion, of which one is
// kept (preferSource); no choice depends on which list came first.
func mergeSources(a, b []Source) []Source {
	if len(a)+len(b) == 1 { // the common case: nothing to merge or sort
		return slices.Concat(a, b) // a fresh slice, like the merge below
	}
	byKey := make(map[string]Source, len(a)+len(b))
	for _, list := range [][]Source{a, b} {
		for _, s := range list {
			k := s.sourceKey()
			if o, ok := byKey[k]; ok {
				s = preferSource(o, s)
			}
			byKey[k] = s
		}
	}
	out := slices.Collect(maps.Values(byKey))
	slices.SortFunc(out, func(x, y Source) int { return strings.Compare(x.sourceKey(), y.sourceKey()) })
	return out
}

// sameButJob reports whether two prepared sources are equal except for Job.
func sameButJob(a, b Source) bool {
	return a.Dataset == b.Dataset && a.Record == b.Record && a.Agency == b.Agency && a.User == b.User &&
		a.RetrievedAt.Equal(b.RetrievedAt) && a.URL == b.URL && a.Excerpt == b.Excerpt &&
		a.Confidence == b.Confidence && a.Marking == b.Marking && a.Illustrative == b.Illustrative
}

// preferSource chooses between two sources with one key: the one retrieved
// later; else, when they differ only in their job, the earlier job (job IDs
// sort by start time), so a rerun that confirms a record leaves it
// unchanged; else the larger by its JSON without the job. The last rule is
// arbitrary but fixed: a file may give one record several excerpts, and a
// rule like "the later job wins" would make every rerun an update. A
// source that must replace an older one says so with a later retrievedAt.
func preferSource(a, b Source) Source {
	if c := a.RetrievedAt.Compare(b.RetrievedAt); c != 0 {
		if c > 0 {
			return a
		}
		return b
	}
	if !sameButJob(a, b) {
		x, y := a, b
		x.Job, y.Job = "", ""
		jx, _ := json.Marshal(x)
		jy, _ := json.Marshal(y)
		if bytes.Compare(jx, jy) >= 0 {
			return a
		}
		return b
	}
	switch { // a source without a job is one no job has stamped yet
	case a.Job == "":
		return b
	case b.Job == "" || a.Job < b.Job:
		return a
	}
	return b
}

// derive computes a fact's confidence (the highest of its sources) and
// marking (the least restrictive: a fact one source may share openly is not
// secret because another source marked it AMBER).
func derive(src []Source) (int, Marking) {
	conf, mark := 0, TLPRed
	for _, s := range src {
		conf = max(conf, s.Confidence)
		if s.Marking.Rank() < mark.Rank() {
			mark = s.Marking
		}
	}
	return conf, mark
}

func normAliases(in []string, label string) []string {
	var out []string
	for _, a := range in {
		a = strings.TrimSpace(a)
		if a != "" && a != label && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	slices.Sort(out)
	return out
}

// Merging is order-independent: MergeNode(MergeNode(x, y), z) gives the
// same record whatever the order of x, y and z, so loading sources in any
// order, or again, converges on one graph, and a reload that brings nothing
// new counts its records unchanged. Where sources disagree on a value the
// merge keeps the preferred one by a fixed rule (a preference order, an
// earliest time, a largest amount), never "the last one loaded"; a losing
// label stays searchable as an alias, and every source stays listed.

// MergeNode folds an incoming, prepared node into the stored one: sources
// are united, the preferred label kept (preferLabel) with every other
// label among the aliases, properties united (mergeProps), validity
// widened (joinNodeClaims); each source's claim is joined by the same
// rule. Both must have the same ID.
func MergeNode(old, in *Node) (*Node, error) {
	if old.ID != in.ID {
		return nil, fmt.Errorf("merge node %q into %q: different IDs", in.ID, old.ID)
	}
	m := *old
	m.setClaim(joinNodeClaims(old.Claim(), in.Claim(), old.Key))
	m.Sources = mergeSources(old.Sources, in.Sources)
	m.Confidence, m.Marking = derive(m.Sources)
	parts := [2]*Node{old, in}
	m.Claims = mergeClaims(m.Sources, [2][]Source{old.Sources, in.Sources},
		func(p, i int) NodeClaim { return parts[p].ClaimAt(i) },
		func(a, b NodeClaim) NodeClaim { return joinNodeClaims(a, b, old.Key) }, m.Claim(), wholeOf(old.Claims, old.Claim(), in.Claims, in.Claim()))
	return &m, nil
}

// preferLabel chooses between two labels of one node: a name over the bare
// key (PrepareNode's fallback), then the name the key was made from
// ("Lazarus Group" for threat_group:lazarus-group, over "Guardians of
// Peace"), then a name in mixed case ("Lazarus Group" from MITRE over
// "LAZARUS GROUP" from the SDN list), then the smaller in byte order: a
// total order, so the choice is the same in any load order.
func preferLabel(a, b, key string) string {
	if a == b { // most merges: a record confirmed again
		return a
	}
	rank := func(l string) int {
		r := 0
		if l != key && l != "" {
			r += 4
		}
		if slug, err := Slug(l); err == nil && slug == key {
			r += 2
		}
		if strings.ToUpper(l) != l && strings.ToLower(l) != l {
			r++
		}
		return r
	}
	switch ra, rb := rank(a), rank(b); {
	case ra != rb:
		if ra > rb {
			return a
		}
		return b
	case b < a:
		return b
	}
	return a
}

// MergeEdge folds an incoming, prepared edge into the stored one. Values
// given by one side only are kept; where both give one and they differ,
// the larger amount, the earlier time and the smaller asset or hash in
// byte order are kept (sources disagreeing on one transfer are listed in
// Sources for an investigator to weigh).
func MergeEdge(old, in *Edge) (*Edge, error) {
	if old.ID != in.ID {
		return nil, fmt.Errorf("merge edge %q into %q: different IDs", in.ID, old.ID)
	}
	m := *old
	m.setClaim(joinEdgeClaims(old.Claim(), in.Claim()))
	m.Sources = mergeSources(old.Sources, in.Sources)
	m.Confidence, m.Marking = derive(m.Sources)
	parts := [2]*Edge{old, in}
	m.Claims = mergeClaims(m.Sources, [2][]Source{old.Sources, in.Sources},
		func(p, i int) EdgeClaim { return parts[p].ClaimAt(i) }, joinEdgeClaims, m.Claim(), wholeOf(old.Claims, old.Claim(), in.Claims, in.Claim()))
	return &m, nil
}

func minNonEmpty(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return min(a, b)
}

// mergeProps unites two property maps. A key both give with different
// values keeps the preferred value (preferValue).
func mergeProps(a, b Props) Props {
	if len(a) == 0 && len(b) == 0 {
		return nil
	}
	out := make(Props, len(a)+len(b))
	maps.Copy(out, a)
	for k, v := range b {
		if w, ok := out[k]; ok {
			v = preferValue(w, v)
		}
		out[k] = v
	}
	return out
}

// preferValue chooses between two values of one property: a value over
// null, then the one whose JSON is larger in byte order (for numbers of one
// sign and digit count, the larger): arbitrary between real disagreements,
// but one total order for every type, so that merging is associative and
// the choice is the same in any load order.
func preferValue(a, b any) any {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	if x, ok := a.(string); ok {
		if y, ok := b.(string); ok && x == y {
			return a
		}
	}
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	if err1 != nil || err2 != nil || bytes.Compare(x, y) >= 0 {
		return a
	}
	return b
}
