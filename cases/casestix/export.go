package casestix

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/redthread-dev/redthread/cases"
	"github.com/redthread-dev/redthread/graph"
)

// Options are what an export needs besides the case's facts.
type Options struct {
	// Agency names the owning agency, the bundle's producer (the identity
	// every object's created_by_ref names); empty is "local", the
	// deployment's default agency.
	Agency string
	// Now is the export's time (every object's modified); zero is
	// time.Now().
	Now time.Time
}

// obj is one STIX object under construction; json.Marshal writes its keys
// sorted, so the same facts give the same bytes.
type obj map[string]any

// exporter holds one export's state.
type exporter struct {
	opts     Options
	agencyID string
	now      string
	used     map[graph.Marking]bool
	ids      map[string]string // node ID → STIX id
}

// Export writes the case c, with the nodes and edges the server read for it
// (already filtered to what the caller may see: Export writes what it is
// given), as a STIX 2.1 bundle. Every object carries object_marking_refs
// with the TLP 2.0 marking definition of its fact's marking, and the
// bundle holds those definitions. An edge whose ends are not both among
// nodes is left out: it could not be a relationship of the bundle.
func Export(ctx context.Context, c cases.Case, nodes []*graph.Node, edges []*graph.Edge, opts Options) ([]byte, error) {
	if len(nodes) == 0 {
		return nil, graph.Errorf(graph.CodeInvalid, "case %s: no nodes to export", c.ID)
	}
	opts.Agency = cmp.Or(strings.TrimSpace(opts.Agency), "local")
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	x := &exporter{
		opts: opts, agencyID: objectID("identity", "agency:"+opts.Agency), now: stamp(opts.Now),
		used: map[graph.Marking]bool{graph.TLPClear: true}, ids: map[string]string{},
	}
	notes, positions := viewNotes(c.View)
	var facts, refs []obj
	caseMark := graph.TLPClear
	for _, n := range nodes {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		o, err := x.node(n)
		if err != nil {
			return nil, err
		}
		facts = append(facts, o)
		caseMark = maxMarking(caseMark, factMarking(n.Marking, n.Sources))
	}
	for _, e := range edges {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if x.ids[e.From] == "" || x.ids[e.To] == "" {
			continue
		}
		facts = append(facts, x.edge(e))
		caseMark = maxMarking(caseMark, factMarking(e.Marking, e.Sources))
	}
	for _, n := range nodes {
		if text := notes[n.ID]; text != "" {
			refs = append(refs, x.note(c, n, text, caseMark))
		}
	}
	objects := x.preamble()
	objects = append(objects, facts...)
	objects = append(objects, refs...)
	objects = append(objects, x.report(c, facts, refs, nodes, notes, positions, caseMark))
	bundle := obj{"type": "bundle", "id": objectID("bundle", fmt.Sprintf("case:%s@%d:%s", c.ID, c.Version, x.now)), "objects": objects}
	out, err := json.MarshalIndent(bundle, "", " ")
	if err != nil {
		return nil, fmt.Errorf("export case %s: %w", c.ID, err)
	}
	return out, nil
}

// base returns the properties every SDO and SRO of the export has.
func (x *exporter) base(typ, id string, m graph.Marking, created time.Time) obj {
	x.used[m] = true
	c := stamp(created)
	if c > x.now {
		c = x.now
	}
	return obj{
		"type": typ, "spec_version": "2.1", "id": id, "created": c, "modified": x.now,
		"created_by_ref": x.agencyID, "object_marking_refs": []string{tlp2[m].id},
	}
}

// created is when a fact was first known: its earliest retrieval, else its
// own time; the Unix epoch when neither is known, so that a re-export keeps
// the same created (STIX: created never changes between versions).
func created(ss []graph.Source, own ...time.Time) time.Time {
	var t time.Time
	for _, s := range ss {
		if !s.RetrievedAt.IsZero() && (t.IsZero() || s.RetrievedAt.Before(t)) {
			t = s.RetrievedAt
		}
	}
	for _, o := range own {
		if t.IsZero() && !o.IsZero() {
			t = o
		}
	}
	if t.IsZero() {
		return time.Unix(0, 0)
	}
	return t
}

// node maps one node to its STIX object (FORMAT.md has the table).
func (x *exporter) node(n *graph.Node) (obj, error) {
	m := factMarking(n.Marking, n.Sources)
	f := fact{
		ExtensionType: "property-extension", ID: n.ID, Kind: string(n.Kind), Key: n.Key, Label: n.Label,
		Aliases: n.Aliases, Props: n.Props, Sources: sourcesOut(n.Sources, nodeClaims(n)),
		ValidFrom: optTime(n.ValidFrom), ValidTo: optTime(n.ValidTo),
	}
	exts := obj{extFact: f}
	var o obj
	if typ, contributing, ok := observable(n); ok {
		id := scoID(typ, contributing)
		o = obj{"type": typ, "spec_version": "2.1", "id": id, "object_marking_refs": []string{tlp2[m].id}}
		x.used[m] = true
		for k, v := range contributing {
			o[k] = v
		}
		if typ == typeWallet {
			exts[extWallet] = obj{"extension_type": "new-sco"}
		}
	} else {
		typ := domainType(n)
		o = x.base(typ, objectID(typ, n.ID), m, created(n.Sources, n.ValidFrom))
		o["name"] = n.Label
		x.domainProps(o, n)
		if typ == typeEntity {
			exts[extEntity] = obj{"extension_type": "new-sdo"}
		}
		if conf := n.Confidence; conf > 0 {
			o["confidence"] = conf
		}
		if refs := externalRefs(n.Sources); len(refs) > 0 {
			o["external_references"] = refs
		}
	}
	o["extensions"] = exts
	if x.ids[n.ID] != "" {
		return nil, graph.Errorf(graph.CodeInvalid, "node %s: given twice", n.ID)
	}
	x.ids[n.ID] = o["id"].(string)
	return o, nil
}

// domainType is the STIX domain object of a node that is no observable.
func domainType(n *graph.Node) string {
	switch n.Kind {
	case graph.KindThreatGroup:
		return "intrusion-set"
	case graph.KindPerson, graph.KindOrganization, graph.KindService:
		return "identity"
	case graph.KindIncident:
		return "incident"
	case graph.KindLocation:
		if countryCode(n) != "" {
			return "location"
		}
	}
	return typeEntity
}

// domainProps sets the standard properties of a domain object beyond its
// name: aliases, the identity class, a location's country, a description.
func (x *exporter) domainProps(o obj, n *graph.Node) {
	switch o["type"] {
	case "intrusion-set":
		if len(n.Aliases) > 0 {
			o["aliases"] = n.Aliases
		}
	case "identity":
		class := "organization"
		if n.Kind == graph.KindPerson {
			class = "individual"
		}
		o["identity_class"] = class
	case "location":
		o["country"] = countryCode(n)
	}
	desc, _ := n.Props["description"].(string)
	if desc == "" {
		if cat, ok := n.Props["category"].(string); ok && cat != "" {
			desc = strings.ToLower(string(n.Kind)) + ": " + cat
		}
	}
	if desc != "" {
		o["description"] = desc
	}
}

// countryCode is a location's ISO 3166-1 alpha-2 code from its props.
func countryCode(n *graph.Node) string {
	c, _ := n.Props["country"].(string)
	if len(c) != 2 || strings.ToUpper(c) != c {
		return ""
	}
	return c
}

// observable returns the cyber observable of a node, with its ID
// contributing properties, when STIX (or the wallet extension) has one:
// ingest/stix maps each back to the same key.
func observable(n *graph.Node) (string, map[string]string, bool) {
	switch n.Kind {
	case graph.KindWallet:
		chain, addr, _ := strings.Cut(n.Key, ":")
		return typeWallet, map[string]string{"currency": strings.ToUpper(chain), "value": addr}, true
	case graph.KindIdentifier:
		typ, v, _ := strings.Cut(n.Key, ":")
		switch typ {
		case "email":
			return "email-addr", map[string]string{"value": v}, true
		case "domain":
			return "domain-name", map[string]string{"value": v}, true
		case "url":
			return "url", map[string]string{"value": v}, true
		case "ip":
			if a, err := netip.ParseAddr(v); err == nil && a.Is4() {
				return "ipv4-addr", map[string]string{"value": v}, true
			}
			return "ipv6-addr", map[string]string{"value": v}, true
		case "handle":
			platform, login, _ := strings.Cut(v, "/")
			return "user-account", map[string]string{"account_type": platform, "account_login": login}, true
		}
	}
	return "", nil, false
}

// externalRefs are a fact's sources as STIX external references: the
// dataset, the record in it, where to check it and the passage it rests on.
func externalRefs(ss []graph.Source) []obj {
	out := make([]obj, 0, len(ss))
	for _, s := range ss {
		r := obj{"source_name": s.Dataset}
		if s.Record != "" {
			r["external_id"] = s.Record
		}
		if s.URL != "" {
			r["url"] = s.URL
		}
		r["description"] = cmp.Or(s.Excerpt, "Redthread source "+s.Dataset)
		out = append(out, r)
	}
	return out
}

// relationType is the relationship_type of an edge: STIX's own where it
// has the meaning (and ingest/stix maps it back to the same kind), else
// the kind in lower case with hyphens; ASSOCIATED_WITH keeps its relation.
func relationType(e *graph.Edge) string {
	switch e.Kind {
	case graph.EdgeAttributedTo:
		if e.Key == "indicates" {
			return "indicates"
		}
		return "attributed-to"
	case graph.EdgeUses:
		return "uses"
	case graph.EdgeTargeted:
		return "targets"
	case graph.EdgeLocatedIn:
		return "located-at"
	case graph.EdgeAssociatedWith:
		rel, _ := e.Props["relation"].(string)
		if s := relationSlug(cmp.Or(rel, e.Key)); s != "" {
			return s
		}
		return "related-to"
	}
	return relationSlug(string(e.Kind))
}

// relationSlug folds s into STIX's relationship_type alphabet: a–z, 0–9
// and hyphens.
func relationSlug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimRight(b.String(), "-")
}

// edge maps one edge to a relationship.
func (x *exporter) edge(e *graph.Edge) obj {
	m := factMarking(e.Marking, e.Sources)
	o := x.base("relationship", objectID("relationship", e.ID), m, created(e.Sources, e.Time, e.ValidFrom))
	o["relationship_type"] = relationType(e)
	o["source_ref"], o["target_ref"] = x.ids[e.From], x.ids[e.To]
	if e.Confidence > 0 {
		o["confidence"] = e.Confidence
	}
	if len(e.Sources) > 0 && e.Sources[0].Excerpt != "" {
		o["description"] = e.Sources[0].Excerpt
	}
	if refs := externalRefs(e.Sources); len(refs) > 0 {
		o["external_references"] = refs
	}
	o["extensions"] = obj{extFact: fact{
		ExtensionType: "property-extension", ID: e.ID, Kind: string(e.Kind), Key: e.Key, From: e.From, To: e.To,
		Amount: e.Amount, Asset: e.Asset, ValueUSD: e.ValueUSD, Time: optTime(e.Time), TxHash: e.TxHash,
		Props: e.Props, Sources: sourcesOut(e.Sources, edgeClaims(e)), ValidFrom: optTime(e.ValidFrom), ValidTo: optTime(e.ValidTo),
	}}
	return o
}

// note writes an analyst's note on a node. A note is the analysts' own
// text about the case, so it takes the case's marking.
func (x *exporter) note(c cases.Case, n *graph.Node, text string, m graph.Marking) obj {
	o := x.base("note", objectID("note", "case:"+c.ID+"/note:"+n.ID), m, c.CreatedAt)
	o["content"] = text
	o["object_refs"] = []string{x.ids[n.ID]}
	if c.UpdatedBy != "" {
		o["authors"] = []string{c.UpdatedBy}
	}
	return o
}

// report writes the case itself: every fact and note, the notes gathered
// in its description, the canvas positions in the case extension.
func (x *exporter) report(c cases.Case, facts, notes []obj, nodes []*graph.Node, text map[string]string, pos map[string][2]float64, m graph.Marking) obj {
	o := x.base("report", objectID("report", "case:"+c.ID), m, c.CreatedAt)
	o["name"] = c.Name
	o["published"] = stamp(cmp.Or(c.UpdatedAt, x.opts.Now))
	o["report_types"] = []string{"threat-report"}
	refs := make([]string, 0, len(facts)+len(notes))
	for _, f := range slices.Concat(facts, notes) {
		refs = append(refs, f["id"].(string))
	}
	o["object_refs"] = refs
	var desc strings.Builder
	fmt.Fprintf(&desc, "Redthread case %q: %d nodes, %d relationships.", c.Name, len(nodes), len(facts)-len(nodes))
	for _, n := range nodes {
		if t := text[n.ID]; t != "" {
			fmt.Fprintf(&desc, "\n%s: %s", n.Label, t)
		}
	}
	o["description"] = desc.String()
	ext := caseExt{ExtensionType: "property-extension", CaseID: c.ID, Version: c.Version, Positions: map[string][2]float64{}}
	for _, n := range nodes {
		if p, ok := pos[n.ID]; ok {
			ext.Positions[n.ID] = p
		}
	}
	o["extensions"] = obj{extCase: ext}
	return o
}

// preamble is what the facts refer to: the TLP 2.0 marking definitions
// used, the producing agency, Redthread's identity and its extension
// definitions.
func (x *exporter) preamble() []obj {
	var out []obj
	for _, m := range graph.Markings() {
		if !x.used[m] {
			continue
		}
		d := tlp2[m]
		out = append(out, obj{
			"type": "marking-definition", "spec_version": "2.1", "id": d.id, "created": tlpCreated, "name": d.name,
			"extensions": obj{tlpExtension: obj{"extension_type": "property-extension", "tlp_2_0": d.level}},
		})
	}
	clear := []string{tlp2[graph.TLPClear].id}
	out = append(out,
		obj{"type": "identity", "spec_version": "2.1", "id": x.agencyID, "created": extensionsCreated, "modified": x.now,
			"name": x.opts.Agency, "identity_class": "organization", "object_marking_refs": clear,
			"description": "The agency that owns the case on its Redthread deployment."},
		obj{"type": "identity", "spec_version": "2.1", "id": redthreadIdentity, "created": extensionsCreated, "modified": extensionsCreated,
			"name": "Redthread", "identity_class": "system", "object_marking_refs": clear,
			"description": "Redthread, the graph investigation platform that defines the extensions of this bundle."},
	)
	for _, d := range []struct{ id, name, desc, kind string }{
		{extFact, "Redthread fact", "A Redthread node or edge as its store holds it: kind, natural key, label, properties, amounts, and each source with its own TLP marking and owning agency.", "property-extension"},
		{extCase, "Redthread case", "The Redthread case a report was exported from: its ID, version and the canvas position of each node.", "property-extension"},
		{extWallet, "Cryptocurrency wallet", "A cryptocurrency address: value (the address as its chain writes it) and currency (the chain: BTC, ETH, TRX...). ID contributing properties: currency, value.", "new-sco"},
		{extEntity, "Redthread entity", "A Redthread node of a kind STIX 2.1 has no object for (a sanction designation, a transaction, a phone number, a place without a country code): name, and the kind and key in the Redthread fact extension.", "new-sdo"},
	} {
		out = append(out, obj{
			"type": "extension-definition", "spec_version": "2.1", "id": d.id, "created": extensionsCreated, "modified": extensionsCreated,
			"created_by_ref": redthreadIdentity, "name": d.name, "description": d.desc, "version": "1.0.0",
			"schema": "Redthread cases/casestix/FORMAT.md: " + d.desc, "extension_types": []string{d.kind},
			"object_marking_refs": clear,
		})
	}
	return out
}

// viewNotes reads the notes and positions of a saved view's nodes
// (web/src/caseView.ts); a view it cannot read gives none.
func viewNotes(view json.RawMessage) (map[string]string, map[string][2]float64) {
	var v struct {
		Nodes []struct {
			ID   string   `json:"id"`
			X    *float64 `json:"x"`
			Y    *float64 `json:"y"`
			Note string   `json:"note"`
		} `json:"nodes"`
	}
	notes, pos := map[string]string{}, map[string][2]float64{}
	if len(view) == 0 || json.Unmarshal(view, &v) != nil {
		return notes, pos
	}
	for _, n := range v.Nodes {
		if n.Note != "" {
			notes[n.ID] = n.Note
		}
		if n.X != nil && n.Y != nil {
			pos[n.ID] = [2]float64{*n.X, *n.Y}
		}
	}
	return notes, pos
}

// factMarking is the marking of a fact's object: the most restrictive of
// its sources', because the object carries every source (in the fact
// extension) to whoever receives the bundle. The store's own marking of a
// fact (its least restrictive source: who may see it at all) would let an
// AMBER source travel under TLP:CLEAR.
func factMarking(own graph.Marking, ss []graph.Source) graph.Marking {
	m := markingOf(own)
	for _, s := range ss {
		m = maxMarking(m, s.Marking)
	}
	return m
}

func markingOf(m graph.Marking) graph.Marking {
	if !m.Valid() {
		return graph.TLPClear
	}
	return m
}

func maxMarking(a, b graph.Marking) graph.Marking {
	if markingOf(b).Rank() > markingOf(a).Rank() {
		return markingOf(b)
	}
	return markingOf(a)
}
