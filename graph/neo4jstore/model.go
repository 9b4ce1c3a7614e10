package neo4jstore

import (
	"bytes"
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
// Node properties: id, kind, key, label, aliases (list), confidence,
// marking, validFrom/validTo (datetime), sources and props (JSON text:
// Neo4j properties cannot hold maps), search_text (search.Fields text:
// decides match tiers, trigram TEXT index for substring matches) and
// search_tokens (its tokens, space-separated, full-text index).
// Relationship properties: id, key, amount, asset, valueUSD, time
// (datetime, so that time windows compare natively), txHash, confidence,
// marking, validFrom/validTo, sources and props (JSON). Zero values are
// left out, like the API's JSON leaves them out.
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
	nodeKeys = []string{"id", "kind", "key", "label", "aliases", "confidence", "marking", "sources", "props",
		"validFrom", "validTo", "search_text", "search_tokens"}
	edgeKeys = []string{"id", "key", "asset", "txHash", "amount", "valueUSD", "time", "confidence", "marking",
		"sources", "props", "validFrom", "validTo"}
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

// nodeProps returns the stored properties of a prepared node.
func nodeProps(n *graph.Node) (map[string]any, error) {
	sources, err := marshal(n.Sources)
	if err != nil {
		return nil, err
	}
	text, toks := search.Fields(n.ID, n.Label, n.Aliases)
	p := map[string]any{
		"id": n.ID, "kind": string(n.Kind), "key": n.Key, "label": n.Label,
		"confidence": int64(n.Confidence), "marking": string(n.Marking), "sources": sources,
		"search_text": text, "search_tokens": strings.Join(toks, " "),
	}
	if len(n.Aliases) > 0 {
		p["aliases"] = n.Aliases
	}
	if len(n.Props) > 0 {
		if p["props"], err = marshal(n.Props); err != nil {
			return nil, err
		}
	}
	setTime(p, "validFrom", n.ValidFrom)
	setTime(p, "validTo", n.ValidTo)
	return p, nil
}

// edgeProps returns the stored properties of a prepared edge.
func edgeProps(e *graph.Edge) (map[string]any, error) {
	sources, err := marshal(e.Sources)
	if err != nil {
		return nil, err
	}
	p := map[string]any{"id": e.ID, "confidence": int64(e.Confidence), "marking": string(e.Marking), "sources": sources}
	for name, v := range map[string]string{"key": e.Key, "asset": e.Asset, "txHash": e.TxHash} {
		if v != "" {
			p[name] = v
		}
	}
	if e.Amount != 0 {
		p["amount"] = e.Amount
	}
	if e.ValueUSD != 0 {
		p["valueUSD"] = e.ValueUSD
	}
	if len(e.Props) > 0 {
		if p["props"], err = marshal(e.Props); err != nil {
			return nil, err
		}
	}
	setTime(p, "time", e.Time)
	setTime(p, "validFrom", e.ValidFrom)
	setTime(p, "validTo", e.ValidTo)
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

// decodeNode rebuilds a node from its stored properties.
func decodeNode(m map[string]any) (*graph.Node, error) {
	p := props{m: m}
	n := &graph.Node{
		ID: p.str("id"), Kind: graph.NodeKind(p.str("kind")), Key: p.str("key"), Label: p.str("label"),
		Aliases: p.strings("aliases"), Confidence: p.int("confidence"), Marking: graph.Marking(p.str("marking")),
		ValidFrom: p.time("validFrom"), ValidTo: p.time("validTo"),
	}
	p.json("sources", &n.Sources)
	p.json("props", &n.Props)
	if p.err != nil {
		return nil, fmt.Errorf("node %q: %w", n.ID, p.err)
	}
	return n, nil
}

// decodeEdge rebuilds an edge from its type, endpoints and properties.
func decodeEdge(typ, from, to string, m map[string]any) (*graph.Edge, error) {
	kind, ok := edgeKindOf[typ]
	if !ok {
		return nil, fmt.Errorf("relationship type %q is not an edge kind", typ)
	}
	p := props{m: m}
	e := &graph.Edge{
		ID: p.str("id"), Kind: kind, From: from, To: to, Key: p.str("key"),
		Amount: p.float("amount"), Asset: p.str("asset"), ValueUSD: p.float("valueUSD"), Time: p.time("time"),
		TxHash: p.str("txHash"), Confidence: p.int("confidence"), Marking: graph.Marking(p.str("marking")),
		ValidFrom: p.time("validFrom"), ValidTo: p.time("validTo"),
	}
	p.json("sources", &e.Sources)
	p.json("props", &e.Props)
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
