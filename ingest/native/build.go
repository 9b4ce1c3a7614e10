package native

import (
	"strconv"
	"strings"
	"time"

	"github.com/redthread-dev/redthread/graph"
)

func buildNode(rj *recordJSON) (*graph.Node, graph.Prepared, error) {
	n := &graph.Node{ID: rj.ID, Props: rj.Props}
	for _, f := range []struct {
		name    string
		present bool
	}{{"from", rj.From != nil}, {"to", rj.To != nil}, {"amount", rj.Amount != nil}, {"asset", rj.Asset != nil},
		{"valueUSD", rj.ValueUSD != nil}, {"time", rj.Time != nil}, {"txHash", rj.TxHash != nil}} {
		if f.present {
			return n, graph.Prepared{}, ferr(f.name, "unknown field in a node record")
		}
	}
	if rj.Label != nil {
		n.Label = *rj.Label
	}
	if rj.Aliases != nil {
		n.Aliases = *rj.Aliases
	}
	n.Kind = graph.NodeKind(rj.Kind)
	if !n.Kind.Valid() {
		if rj.Kind == "" {
			return n, graph.Prepared{}, ferr("kind", "missing")
		}
		return n, graph.Prepared{}, ferr("kind", "unknown node kind %q", rj.Kind)
	}
	if rj.Key == nil {
		return n, graph.Prepared{}, ferr("key", "missing")
	}
	n.Key = *rj.Key
	id, key, err := graph.NodeID(n.Kind, n.Key)
	if err != nil {
		return n, graph.Prepared{}, &fieldError{"key", err}
	}
	if n.ID != "" && n.ID != id {
		return n, graph.Prepared{}, ferr("id", "%q does not match kind %s and key %q (want %q)", n.ID, n.Kind, key, id)
	}
	n.ID, n.Key = id, key
	if err := common(rj, &n.Confidence, &n.Marking, &n.ValidFrom, &n.ValidTo, &n.Sources); err != nil {
		return n, graph.Prepared{}, err
	}
	// The key is normalised already (NodeID above): not again.
	p, err := graph.SealNode(n, func(c string) bool { return c == id })
	return n, p, err
}

func buildEdge(rj *recordJSON, ends *endpointCache) (*graph.Edge, graph.Prepared, error) {
	e := &graph.Edge{ID: rj.ID, Props: rj.Props}
	if rj.Label != nil {
		return e, graph.Prepared{}, ferr("label", "unknown field in an edge record")
	}
	if rj.Aliases != nil {
		return e, graph.Prepared{}, ferr("aliases", "unknown field in an edge record")
	}
	e.Kind = graph.EdgeKind(rj.Kind)
	if !e.Kind.Valid() {
		if rj.Kind == "" {
			return e, graph.Prepared{}, ferr("kind", "missing")
		}
		return e, graph.Prepared{}, ferr("kind", "unknown edge kind %q", rj.Kind)
	}
	for _, end := range []struct {
		field string
		in    *string
		out   *string
	}{{"from", rj.From, &e.From}, {"to", rj.To, &e.To}} {
		if end.in == nil || *end.in == "" {
			return e, graph.Prepared{}, ferr(end.field, "missing: want a node ID such as wallet:eth:0x… or threat_group:lazarus-group")
		}
		// Normalise the endpoint as its node's key is normalised, so that
		// an address written in checksum case still meets its wallet.
		id, err := ends.id(*end.in)
		if err != nil {
			return e, graph.Prepared{}, &fieldError{end.field, err}
		}
		*end.out = id
	}
	if rj.Key != nil {
		e.Key = *rj.Key
	}
	if strings.ContainsAny(e.Key, ">#\n") {
		return e, graph.Prepared{}, ferr("key", "%q contains a reserved character ('>', '#' or a newline)", e.Key)
	}
	if rj.TxHash != nil {
		e.TxHash = *rj.TxHash
		if strings.ContainsAny(e.TxHash, ">#\n") && strings.TrimSpace(e.Key) == "" {
			return e, graph.Prepared{}, ferr("txHash", "%q contains a reserved character ('>', '#' or a newline)", e.TxHash)
		}
	}
	for _, a := range []struct {
		field string
		in    *float64
		out   *float64
	}{{"amount", rj.Amount, &e.Amount}, {"valueUSD", rj.ValueUSD, &e.ValueUSD}} {
		if a.in != nil {
			if *a.in < 0 {
				return e, graph.Prepared{}, ferr(a.field, "cannot be negative")
			}
			*a.out = *a.in
		}
	}
	if rj.Asset != nil {
		e.Asset = *rj.Asset
	}
	if rj.Time != nil {
		if err := parseTimeField("time", *rj.Time, &e.Time); err != nil {
			return e, graph.Prepared{}, err
		}
	}
	if err := common(rj, &e.Confidence, &e.Marking, &e.ValidFrom, &e.ValidTo, &e.Sources); err != nil {
		return e, graph.Prepared{}, err
	}
	// The endpoints came out of NodeID above: not normalised again.
	p, err := graph.SealEdge(e, true, true)
	return e, p, err
}

// common checks and converts the fields nodes and edges share.
func common(rj *recordJSON, conf *int, mark *graph.Marking, from, to *time.Time, sources *[]graph.Source) error {
	var err error
	if *conf, err = confidence("confidence", rj.Confidence); err != nil {
		return err
	}
	if *mark, err = marking("marking", rj.Marking); err != nil {
		return err
	}
	if err := parseTimeField("validFrom", rj.ValidFrom, from); err != nil {
		return err
	}
	if err := parseTimeField("validTo", rj.ValidTo, to); err != nil {
		return err
	}
	if len(rj.Sources) == 0 {
		return ferr("sources", "at least one source is required: every fact cites where it comes from")
	}
	out := make([]graph.Source, len(rj.Sources))
	for i, sj := range rj.Sources {
		if err := buildSource(&sj, &out[i]); err != nil {
			prefix := "sources[" + strconv.Itoa(i) + "]"
			if fe, ok := err.(*fieldError); ok {
				return &fieldError{prefix + "." + fe.field, fe.err}
			}
			return &fieldError{prefix, err}
		}
	}
	*sources = out
	if !to.IsZero() && to.Before(*from) {
		return ferr("validTo", "before validFrom")
	}
	return nil
}

func buildSource(sj *sourceJSON, s *graph.Source) error {
	*s = graph.Source{Dataset: sj.Dataset, Record: sj.Record, Job: sj.Job, URL: sj.URL,
		Excerpt: sj.Excerpt, Agency: sj.Agency, Illustrative: sj.Illustrative}
	if strings.TrimSpace(s.Dataset) == "" {
		return ferr("dataset", "missing: name the document or dataset the fact comes from")
	}
	var err error
	if s.Confidence, err = confidence("confidence", sj.Confidence); err != nil {
		return err
	}
	if s.Marking, err = marking("marking", sj.Marking); err != nil {
		return err
	}
	return parseTimeField("retrievedAt", sj.RetrievedAt, &s.RetrievedAt)
}

func confidence(field string, f float64) (int, error) {
	if f != float64(int(f)) || f < 0 || f > 100 {
		return 0, ferr(field, "want an integer 0–100, got %v", f)
	}
	return int(f), nil
}

func marking(field, s string) (graph.Marking, error) {
	m := graph.Marking(s)
	if s != "" && !m.Valid() {
		return "", ferr(field, "%q is not a TLP 2.0 marking (TLP:CLEAR, TLP:GREEN, TLP:AMBER, TLP:AMBER+STRICT, TLP:RED)", s)
	}
	return m, nil
}

// parseTimeField accepts RFC 3339 or a date (YYYY-MM-DD, midnight UTC),
// stored in UTC so that one instant written in two zones is one value.
func parseTimeField(field, s string, v *time.Time) error {
	if s == "" {
		return nil
	}
	// Only a 10-byte value can be a date: anything longer goes straight
	// to RFC 3339, without a failed parse's error to allocate.
	var t time.Time
	isDate := false
	if len(s) == len("2006-01-02") {
		var err error
		t, err = time.Parse("2006-01-02", s)
		isDate = err == nil
	}
	if !isDate {
		var err error
		if t, err = time.Parse(time.RFC3339Nano, s); err != nil {
			return ferr(field, "%q is neither a date (YYYY-MM-DD) nor an RFC 3339 time", s)
		}
	}
	*v = t.UTC()
	return nil
}

// endpointCacheSize bounds an endpointCache: the hubs of a transfer file
// (a third of its endpoints) and its more active wallets, at about 150
// bytes each (an endpoint already normalised shares its input's bytes).
const endpointCacheSize = 1 << 15

// endpointCache remembers the IDs that endpoints, as written, normalise
// to: a wallet's address is decoded and checksummed once, not with every
// transfer that names it. Each parsing goroutine has its own; nil
// remembers nothing. Only valid endpoints are kept, so an invalid one is
// reported each time, alike.
type endpointCache struct{ ids map[string]string }

func (c *endpointCache) id(in string) (string, error) {
	if c != nil {
		if id, ok := c.ids[in]; ok {
			return id, nil
		}
	}
	k, key, err := graph.ParseNodeID(in)
	if err != nil {
		return "", err
	}
	id, _, err := graph.NodeID(k, key)
	if err != nil {
		return "", err
	}
	if id == in {
		id = in // one copy of the bytes, for the cache and the record
	}
	if c != nil {
		if c.ids == nil || len(c.ids) >= endpointCacheSize {
			c.ids = make(map[string]string) // the hubs come back at once
		}
		c.ids[in] = id
	}
	return id, nil
}
