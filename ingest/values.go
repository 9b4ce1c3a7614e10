package ingest

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"time"

	"github.com/redthread-dev/redthread/graph"
)

// checkValues returns the rejection of a record holding a value of more
// than max bytes, nil when every value fits. Every string the record would
// store is a value: ID, key, label, the aliases together, each property
// (strings and lists measured whole), each field of each source, an edge's
// endpoints, asset and hash. It is the one check of the limit for every
// format, so that no format can store or serve a value whole past it.
func checkValues(rec Record, max int) *RecordError {
	if max < 0 {
		return nil
	}
	var field string
	var n int
	switch {
	case rec.Node != nil:
		field, n = nodeValues(rec.Node, max)
	case rec.Edge != nil:
		field, n = edgeValues(rec.Edge, max)
	case rec.Price != nil:
		field, n = priceValues(rec.Price, max)
	}
	if field == "" {
		return nil
	}
	id := ""
	switch {
	case rec.Node != nil:
		id = rec.Node.ID
	case rec.Edge != nil:
		id = rec.Edge.ID
	default:
		id = "price:" + rec.Price.Asset
	}
	return &RecordError{Pos: rec.Pos, ID: Excerpt(id, MaxExcerpt), Field: field, Err: TooLarge("the value", int64(n), false, int64(max))}
}

// nodeValues returns the first value of n over max bytes and its size.
func nodeValues(n *graph.Node, max int) (string, int) {
	for _, v := range [...]struct {
		field, s string
	}{{"id", n.ID}, {"key", n.Key}, {"label", n.Label}, {"kind", string(n.Kind)}, {"marking", string(n.Marking)}} {
		if len(v.s) > max {
			return v.field, len(v.s)
		}
	}
	if size := stringsSize(n.Aliases); size > max {
		return "aliases", size
	}
	if f, size := propsValues(n.Props, max); f != "" {
		return f, size
	}
	return sourcesValues(n.Sources, max)
}

// edgeValues returns the first value of e over max bytes and its size.
func edgeValues(e *graph.Edge, max int) (string, int) {
	for _, v := range [...]struct {
		field, s string
	}{{"id", e.ID}, {"from", e.From}, {"to", e.To}, {"key", e.Key}, {"kind", string(e.Kind)},
		{"asset", e.Asset}, {"txHash", e.TxHash}, {"marking", string(e.Marking)}} {
		if len(v.s) > max {
			return v.field, len(v.s)
		}
	}
	if f, size := propsValues(e.Props, max); f != "" {
		return f, size
	}
	return sourcesValues(e.Sources, max)
}

// propsValues returns the first property over max bytes, by name, so that
// a report names the same one on every run.
func propsValues(p graph.Props, max int) (string, int) {
	over := func(k string, v any) int {
		if len(k) > max {
			return len(k)
		}
		return valueSize(v, max)
	}
	found := false
	for k, v := range p {
		if over(k, v) > max {
			found = true
			break
		}
	}
	if !found {
		return "", 0
	}
	for _, k := range slices.Sorted(maps.Keys(p)) {
		if size := over(k, p[k]); size > max {
			return "props." + Excerpt(k, MaxExcerpt), size
		}
	}
	return "", 0
}

func sourcesValues(sources []graph.Source, max int) (string, int) {
	for i, s := range sources {
		for _, v := range [...]struct {
			field, s string
		}{{"dataset", s.Dataset}, {"record", s.Record}, {"job", s.Job}, {"url", s.URL},
			{"excerpt", s.Excerpt}, {"marking", string(s.Marking)}, {"agency", s.Agency}} {
			if len(v.s) > max {
				return fmt.Sprintf("sources[%d].%s", i, v.field), len(v.s)
			}
		}
	}
	return "", 0
}

func stringsSize(list []string) int {
	n := 0
	for _, s := range list {
		n += len(s) + 1
	}
	return n
}

// valueSize approximates the bytes of a property value as stored (its
// JSON without quotes and separators), stopping early once past max: a
// list of a million short strings is as much a burden as one long string.
func valueSize(v any, max int) int {
	switch v := v.(type) {
	case nil, bool:
		return 1
	case string:
		return len(v)
	case json.Number:
		return len(v)
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		return 8
	case time.Time:
		return 32
	case []string:
		return stringsSize(v)
	case []any:
		n := 0
		for _, e := range v {
			if n += valueSize(e, max) + 1; n > max {
				break
			}
		}
		return n
	case map[string]any:
		n := 0
		for k, e := range v {
			if n += len(k) + valueSize(e, max) + 1; n > max {
				break
			}
		}
		return n
	}
	// Another type a format built (a typed slice, a struct): measured by
	// its JSON, unless it is a list long enough to be over already.
	if rv := reflect.ValueOf(v); (rv.Kind() == reflect.Slice || rv.Kind() == reflect.Map) && rv.Len() > max {
		return rv.Len()
	}
	b, err := json.Marshal(v)
	if err != nil {
		return 0 // the store refuses what it cannot encode
	}
	return len(b)
}

// priceValues returns the first value of p over max bytes and its size.
func priceValues(p *graph.Price, max int) (string, int) {
	if len(p.Asset) > max {
		return "asset", len(p.Asset)
	}
	return sourcesValues([]graph.Source{p.Source}, max)
}
