package model

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/redthread-dev/redthread/graph"
)

// MarshalTime writes t as RFC 3339 in UTC, with fractional seconds only
// when it has them.
func MarshalTime(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		b, _ := json.Marshal(t.UTC().Format(time.RFC3339Nano))
		_, _ = w.Write(b)
	})
}

// UnmarshalTime reads an RFC 3339 timestamp; any offset is accepted and
// converted to UTC.
func UnmarshalTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, graph.Errorf(graph.CodeInvalid, "Time must be an RFC 3339 string, such as 2018-01-26T00:00:00Z, got %s", jsonKind(v))
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, graph.Errorf(graph.CodeInvalid, "Time %q is not RFC 3339", s)
	}
	return t.UTC(), nil
}

// MarshalJSON writes any JSON-compatible value as it is.
func MarshalJSON(v any) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		b, err := json.Marshal(v)
		if err != nil {
			// Props come from JSON-compatible ingest; a value that is not
			// is shown as its text rather than failing the whole answer.
			b, _ = json.Marshal(fmt.Sprint(v))
		}
		_, _ = w.Write(b)
	})
}

// UnmarshalJSON accepts any value a GraphQL input can hold.
func UnmarshalJSON(v any) (any, error) { return v, nil }

// jsonKind names the JSON type of a decoded value, in the client's terms
// (never a Go type name).
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return "a number"
}
