package neo4jstore

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/search"
)

// The graph in Neo4j. Every node has the label Node (one uniqueness
// constraint on Node.id serves every lookup by ID, whatever the kind) and a
// label for its kind; every relationship has its edge kind as its type.
// Labels and types come only from these fixed tables, never from input:
// they are the one part of a Cypher string that cannot be a parameter.
//
// Schema 2 keeps as native properties only what Cypher looks up, filters
// or ranks on, and folds the rest of a record into one compact JSON text,
// d (see nodeData, edgeData): every property costs Neo4j a record block,
// every string longer than a block a 128-byte dynamic record, in the
// store, in the transaction log and at commit, and ingest is bound by that
// commit (a generated transfer had 9 properties and 6 dynamic records in
// schema 1, and has 6 and 3).
//
// Node properties: id, kind, label (left out when it is the key),
// marking, vpub or vk, vpart and vmix (who sees it: vis.go), search_text
// (search.Fields text: decides match tiers, trigram TEXT index for
// substring matches), search_tokens (its tokens, space-separated,
// full-text index), seen, d.
// Relationship properties: id, marking, vpub or vk, vpart, vx, asset, amount, valueUSD,
// time (datetime, so that time windows compare natively), seen, d. The key
// is the ID's tail and the kind the type. Zero values are left out, like
// the API's JSON leaves them out.
//
// seen is when Redthread first knew the record, in unix seconds (see
// firstSeen), for investigations with an as-of date to filter on (see
// Topology); left out when no source tells. It is derived, not read back:
// every write that changes a record recomputes it from the merged sources
// (the import files carry it too). Records written before it existed lack
// it, and count as seen since always (unknown) until a write changes them.
//
// Schema 1 (every field a property, sources and props as JSON text) still
// reads: decoders tell the layouts apart by d, and updates remove the
// schema 1 properties (legacyNodeKeys, legacyEdgeKeys), so a database
// written by an older Redthread converts record by record as it is
// written to.
var (
	nodeLabels = map[graph.NodeKind]string{
		graph.KindWallet: "Wallet", graph.KindTransaction: "Transaction", graph.KindService: "Service",
		graph.KindOrganization: "Organization", graph.KindPerson: "Person", graph.KindIdentifier: "Identifier",
		graph.KindThreatGroup: "ThreatGroup", graph.KindIncident: "Incident", graph.KindSanction: "Sanction",
		graph.KindLocation: "Location",
	}
	// relTypes maps edge kinds to relationship types: the kinds are
	// already UPPER_SNAKE identifiers, so the type is the kind.
	relTypes = func() map[graph.EdgeKind]string {
		m := map[graph.EdgeKind]string{}
		for _, k := range graph.EdgeKinds() {
			m[k] = string(k)
		}
		return m
	}()
	// edgeKindOf maps relationship types back to edge kinds.
	edgeKindOf = func() map[string]graph.EdgeKind {
		m := map[string]graph.EdgeKind{}
		for k, t := range relTypes {
			m[t] = k
		}
		return m
	}()
)

// The properties nodeProps and edgeProps may set, id first.
var (
	nodeKeys = []string{"id", "kind", "label", "marking", "vpub", "vk", "vpart", "search_text", "search_tokens", "seen", "d"}
	edgeKeys = []string{"id", "marking", "vpub", "vk", "vpart", "asset", "amount", "valueUSD", "time", "seen", "d"}
	// Properties of older schemas: those schema 2 folds into d, and
	// schema 2's agencies (schema 3 has vpub and vk, vis.go). An update
	// sets them to null, which removes them.
	legacyNodeKeys = []string{"key", "aliases", "confidence", "sources", "props", "validFrom", "validTo", "agencies"}
	legacyEdgeKeys = []string{"key", "txHash", "confidence", "sources", "props", "validFrom", "validTo", "agencies"}
)

// relPattern returns the relationship pattern for a traversal, e.g.
// "-[r:TRANSFER|DEPOSITED_AT]->", from the fixed tables only.
func relPattern(dir graph.Direction, kinds []graph.EdgeKind, varName, length string) (string, error) {
	types := make([]string, 0, len(kinds))
	for _, k := range kinds {
		t, ok := relTypes[k]
		if !ok {
			return "", graph.Errorf(graph.CodeInvalid, "unknown edge kind %q", k)
		}
		types = append(types, t)
	}
	inner := varName
	if len(types) > 0 {
		inner += ":" + strings.Join(types, "|")
	}
	inner += length
	switch dir {
	case graph.Out:
		return "-[" + inner + "]->", nil
	case graph.In:
		return "<-[" + inner + "]-", nil
	case graph.Both, "":
		return "-[" + inner + "]-", nil
	}
	return "", graph.Errorf(graph.CodeInvalid, "unknown direction %q (want OUT, IN or BOTH)", dir)
}

// marshal encodes JSON without HTML escaping (edge IDs are full of '>').
func marshal(v any) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

func setTime(p map[string]any, name string, t time.Time) {
	if !t.IsZero() {
		p[name] = t.UTC()
	}
}

// setSeen sets the property seen, firstSeen of the sources, left out when
// no source tells.
func setSeen(p map[string]any, src []graph.Source) {
	if t := firstSeen(src); t != 0 {
		p["seen"] = t
	}
}

// firstSeen is graph.FirstSeen in unix seconds as the embedded store
// computes it: the least of the sources' graph.SourceSeen seconds that are
// after 1970, 0 when there is none.
func firstSeen(src []graph.Source) int64 {
	var first int64
	for i := range src {
		if t := graph.SourceSeen(&src[i]); !t.IsZero() {
			if u := t.Unix(); u > 0 && (first == 0 || u < first) {
				first = u
			}
		}
	}
	return first
}

// source is a graph.Source in d, under short names. Prepared sources
// always carry a confidence and a marking; TLP:CLEAR, the common marking,
// is left out.
type source struct {
	Dataset      string        `json:"d"`
	Record       string        `json:"r,omitempty"`
	Job          string        `json:"j,omitempty"`
	RetrievedAt  time.Time     `json:"t,omitzero"`
	URL          string        `json:"u,omitempty"`
	Excerpt      string        `json:"e,omitempty"`
	Confidence   int           `json:"c,omitempty"`
	Marking      graph.Marking `json:"m,omitempty"`
	Agency       string        `json:"a,omitempty"`
	User         string        `json:"w,omitempty"`
	Illustrative bool          `json:"i,omitempty"`
}

func packSources(in []graph.Source) []source {
	out := make([]source, len(in))
	for i, s := range in {
		out[i] = source{s.Dataset, s.Record, s.Job, s.RetrievedAt, s.URL, s.Excerpt, s.Confidence, s.Marking, s.Agency, s.User, s.Illustrative}
		if s.Marking == graph.TLPClear {
			out[i].Marking = ""
		}
	}
	return out
}

func unpackSources(in []source) []graph.Source {
	if in == nil {
		return nil
	}
	out := make([]graph.Source, len(in))
	for i, s := range in {
		out[i] = graph.Source{Dataset: s.Dataset, Record: s.Record, Job: s.Job, RetrievedAt: s.RetrievedAt, URL: s.URL,
			Excerpt: s.Excerpt, Confidence: s.Confidence, Marking: cmp.Or(s.Marking, graph.TLPClear), Agency: s.Agency, User: s.User, Illustrative: s.Illustrative}
	}
	return out
}

// topConfidence is the sources' highest confidence, which a prepared or
// merged record's own confidence is: d stores a record's confidence only
// when it differs.
func topConfidence(src []graph.Source) int {
	c := 0
	for _, s := range src {
		c = max(c, s.Confidence)
	}
	return c
}

// nodeData is what a node keeps in d.
type nodeData struct {
	Aliases    []string     `json:"a,omitempty"`
	Confidence *int         `json:"c,omitempty"` // nil: topConfidence(sources)
	Props      graph.Props  `json:"p,omitempty"`
	Sources    []source     `json:"s"`
	ValidFrom  time.Time    `json:"f,omitzero"`
	ValidTo    time.Time    `json:"v,omitzero"`
	Claims     *[]nodeClaim `json:"k,omitempty"` // claims.go
}

// edgeData is what an edge keeps in d.
type edgeData struct {
	// TxHash: nil when empty, "" when it is the key up to its first ':'
	// (a transfer's key is its hash and output or log index).
	TxHash     *string      `json:"x,omitempty"`
	Confidence *int         `json:"c,omitempty"` // nil: topConfidence(sources)
	Props      graph.Props  `json:"p,omitempty"`
	Sources    []source     `json:"s"`
	ValidFrom  time.Time    `json:"f,omitzero"`
	ValidTo    time.Time    `json:"v,omitzero"`
	Claims     *[]edgeClaim `json:"k,omitempty"` // claims.go
}

// txOfKey is the transaction hash a transfer's key starts with.
func txOfKey(key string) string {
	tx, _, _ := strings.Cut(key, ":")
	return tx
}

// nodeKey is the key inside a node ID ("kind:key").
func nodeKey(id string) string {
	_, key, _ := strings.Cut(id, ":")
	return key
}

// edgeKey is the key at the end of an edge ID ("from>KIND>to#key").
func edgeKey(id, from, to string, kind graph.EdgeKind) string {
	return strings.TrimPrefix(strings.TrimPrefix(id, graph.EdgeID(kind, from, to, "")), "#")
}

// nodeProps returns the stored properties of a prepared node.
func nodeProps(n *graph.Node) (map[string]any, error) {
	d := nodeData{Aliases: n.Aliases, Props: n.Props, Sources: packSources(n.Sources), ValidFrom: n.ValidFrom.UTC(), ValidTo: n.ValidTo.UTC(),
		Claims: packNodeClaims(n)}
	if n.Confidence != topConfidence(n.Sources) {
		d.Confidence = &n.Confidence
	}
	dj, err := marshal(d)
	if err != nil {
		return nil, err
	}
	text, toks := search.Fields(n.ID, n.Label, n.Aliases)
	p := map[string]any{
		"id": n.ID, "kind": string(n.Kind), "marking": string(n.Marking),
		"search_text": text, "search_tokens": strings.Join(toks, " "), "d": dj,
	}
	if n.Label != n.Key {
		p["label"] = n.Label
	}
	visProps(p, n.Sources)
	setSeen(p, n.Sources)
	return p, nil
}

// edgeProps returns the stored properties of a prepared edge.
func edgeProps(e *graph.Edge) (map[string]any, error) {
	d := edgeData{Props: e.Props, Sources: packSources(e.Sources), ValidFrom: e.ValidFrom.UTC(), ValidTo: e.ValidTo.UTC(),
		Claims: packEdgeClaims(e)}
	switch {
	case e.TxHash == "":
	case e.TxHash == txOfKey(e.Key):
		d.TxHash = new(string)
	default:
		d.TxHash = &e.TxHash
	}
	if e.Confidence != topConfidence(e.Sources) {
		d.Confidence = &e.Confidence
	}
	dj, err := marshal(d)
	if err != nil {
		return nil, err
	}
	p := map[string]any{"id": e.ID, "marking": string(e.Marking), "d": dj}
	if e.Asset != "" {
		p["asset"] = e.Asset
	}
	if e.Amount != 0 {
		p["amount"] = e.Amount
	}
	if e.ValueUSD != 0 {
		p["valueUSD"] = e.ValueUSD
	}
	setTime(p, "time", e.Time)
	visProps(p, e.Sources)
	setSeen(p, e.Sources)
	return p, nil
}

// props reads typed properties, remembering the first mistyped one.
type props struct {
	m   map[string]any
	err error
}

func (p *props) fail(name string, v any) {
	if p.err == nil {
		p.err = fmt.Errorf("property %s has type %T", name, v)
	}
}

func (p *props) str(name string) string {
	v, ok := p.m[name]
	if !ok || v == nil {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		p.fail(name, v)
	}
	return s
}

func (p *props) int(name string) int {
	v, ok := p.m[name]
	if !ok || v == nil {
		return 0
	}
	i, ok := v.(int64)
	if !ok {
		p.fail(name, v)
	}
	return int(i)
}

func (p *props) float(name string) float64 {
	switch v := p.m[name].(type) {
	case nil:
		return 0
	case float64:
		return v
	case int64:
		return float64(v)
	default:
		p.fail(name, v)
		return 0
	}
}

func (p *props) time(name string) time.Time {
	v, ok := p.m[name]
	if !ok || v == nil {
		return time.Time{}
	}
	t, ok := v.(time.Time)
	if !ok {
		p.fail(name, v)
	}
	return t.UTC()
}

func (p *props) strings(name string) []string {
	v, ok := p.m[name]
	if !ok || v == nil {
		return nil
	}
	l, ok := v.([]any)
	if !ok {
		p.fail(name, v)
		return nil
	}
	out := make([]string, len(l))
	for i, x := range l {
		if out[i], ok = x.(string); !ok {
			p.fail(name, x)
		}
	}
	return out
}

func (p *props) json(name string, dst any) {
	s := p.str(name)
	if s == "" || p.err != nil {
		return
	}
	if err := json.Unmarshal([]byte(s), dst); err != nil {
		p.err = fmt.Errorf("property %s: %w", name, err)
	}
}

// decodeNode rebuilds a node from its stored properties, in either
// schema.
func decodeNode(m map[string]any) (*graph.Node, error) {
	p := props{m: m}
	if _, ok := m["d"]; !ok {
		return decodeNodeV1(m)
	}
	n := &graph.Node{ID: p.str("id"), Kind: graph.NodeKind(p.str("kind")), Marking: graph.Marking(p.str("marking"))}
	n.Key = nodeKey(n.ID)
	n.Label = cmp.Or(p.str("label"), n.Key)
	var d nodeData
	p.json("d", &d)
	n.Aliases, n.Props, n.Sources = d.Aliases, d.Props, unpackSources(d.Sources)
	n.ValidFrom, n.ValidTo = d.ValidFrom, d.ValidTo
	n.Claims = unpackNodeClaims(d.Claims, n)
	n.Confidence = topConfidence(n.Sources)
	if d.Confidence != nil {
		n.Confidence = *d.Confidence
	}
	if p.err != nil {
		return nil, fmt.Errorf("node %q: %w", n.ID, p.err)
	}
	return n, nil
}

// decodeEdge rebuilds an edge from its type, endpoints and properties, in
// either schema.
func decodeEdge(typ, from, to string, m map[string]any) (*graph.Edge, error) {
	kind, ok := edgeKindOf[typ]
	if !ok {
		return nil, fmt.Errorf("relationship type %q is not an edge kind", typ)
	}
	if _, ok := m["d"]; !ok {
		return decodeEdgeV1(kind, from, to, m)
	}
	p := props{m: m}
	e := &graph.Edge{
		ID: p.str("id"), Kind: kind, From: from, To: to,
		Amount: p.float("amount"), Asset: p.str("asset"), ValueUSD: p.float("valueUSD"), Time: p.time("time"),
		Marking: graph.Marking(p.str("marking")),
	}
	e.Key = edgeKey(e.ID, from, to, kind)
	var d edgeData
	p.json("d", &d)
	e.Props, e.Sources, e.ValidFrom, e.ValidTo = d.Props, unpackSources(d.Sources), d.ValidFrom, d.ValidTo
	e.Claims = unpackEdgeClaims(d.Claims, e)
	if d.TxHash != nil {
		e.TxHash = cmp.Or(*d.TxHash, txOfKey(e.Key))
	}
	e.Confidence = topConfidence(e.Sources)
	if d.Confidence != nil {
		e.Confidence = *d.Confidence
	}
	if p.err != nil {
		return nil, fmt.Errorf("edge %q: %w", e.ID, p.err)
	}
	return e, nil
}

// decodeNodeV1 reads a node written in schema 1.
func decodeNodeV1(m map[string]any) (*graph.Node, error) {
	p := props{m: m}
	n := &graph.Node{
		ID: p.str("id"), Kind: graph.NodeKind(p.str("kind")), Key: p.str("key"), Label: p.str("label"),
		Aliases: p.strings("aliases"), Confidence: p.int("confidence"), Marking: graph.Marking(p.str("marking")),
		ValidFrom: p.time("validFrom"), ValidTo: p.time("validTo"),
	}
	p.json("sources", &n.Sources)
	p.json("props", &n.Props)
	n.Claims = graph.LegacyNodeClaims(n) // who said what is unknown
	if p.err != nil {
		return nil, fmt.Errorf("node %q: %w", n.ID, p.err)
	}
	return n, nil
}

// decodeEdgeV1 reads an edge written in schema 1.
func decodeEdgeV1(kind graph.EdgeKind, from, to string, m map[string]any) (*graph.Edge, error) {
	p := props{m: m}
	e := &graph.Edge{
		ID: p.str("id"), Kind: kind, From: from, To: to, Key: p.str("key"),
		Amount: p.float("amount"), Asset: p.str("asset"), ValueUSD: p.float("valueUSD"), Time: p.time("time"),
		TxHash: p.str("txHash"), Confidence: p.int("confidence"), Marking: graph.Marking(p.str("marking")),
		ValidFrom: p.time("validFrom"), ValidTo: p.time("validTo"),
	}
	p.json("sources", &e.Sources)
	p.json("props", &e.Props)
	e.Claims = graph.LegacyEdgeClaims(e)
	if p.err != nil {
		return nil, fmt.Errorf("edge %q: %w", e.ID, p.err)
	}
	return e, nil
}

// edgeKindOfID returns the kind named inside an edge ID ("from>KIND>to#key";
// node IDs never contain '>').
func edgeKindOfID(id string) (graph.EdgeKind, bool) {
	_, rest, ok1 := strings.Cut(id, ">")
	k, _, ok2 := strings.Cut(rest, ">")
	kind := graph.EdgeKind(k)
	return kind, ok1 && ok2 && kind.Valid()
}
