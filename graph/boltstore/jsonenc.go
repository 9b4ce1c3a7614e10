package boltstore

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/redthread-dev/redthread/graph"
)

// appendEdgeJSON appends what the encoder (encoding/json, HTML escaping
// off) gives for ed with its ID, kind, endpoints and key left out, byte for
// byte, without reflection: edges are most of what a bulk load writes. Field
// order and omission rules follow graph.Edge's and graph.Source's tags;
// TestEdgeJSONMatchesEncodingJSON holds the two together, and fails when
// either type gains a field this does not know.
func (e *encoder) appendEdgeJSON(b []byte, ed *graph.Edge) ([]byte, error) {
	var err error
	b = append(b, '{')
	first := true
	field := func(name string) {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, '"')
		b = append(b, name...)
		b = append(b, '"', ':')
	}
	if ed.Amount != 0 {
		field("amount")
		if b, err = appendFloat(b, ed.Amount); err != nil {
			return nil, err
		}
	}
	if ed.Asset != "" {
		field("asset")
		b = e.appendString(b, ed.Asset)
	}
	if ed.ValueUSD != 0 {
		field("valueUSD")
		if b, err = appendFloat(b, ed.ValueUSD); err != nil {
			return nil, err
		}
	}
	if !ed.Time.IsZero() {
		field("time")
		if b, err = appendTime(b, ed.Time); err != nil {
			return nil, err
		}
	}
	if ed.TxHash != "" {
		field("txHash")
		b = e.appendString(b, ed.TxHash)
	}
	if len(ed.Props) > 0 {
		field("props")
		if b, err = e.appendAny(b, ed.Props); err != nil {
			return nil, err
		}
	}
	field("sources")
	if ed.Sources == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range ed.Sources {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = e.appendSource(b, &ed.Sources[i]); err != nil {
				return nil, err
			}
		}
		b = append(b, ']')
	}
	field("confidence")
	b = strconv.AppendInt(b, int64(ed.Confidence), 10)
	field("marking")
	b = e.appendString(b, string(ed.Marking))
	if !ed.ValidFrom.IsZero() {
		field("validFrom")
		if b, err = appendTime(b, ed.ValidFrom); err != nil {
			return nil, err
		}
	}
	if !ed.ValidTo.IsZero() {
		field("validTo")
		if b, err = appendTime(b, ed.ValidTo); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

func (e *encoder) appendSource(b []byte, s *graph.Source) ([]byte, error) {
	var err error
	b = append(b, `{"dataset":`...)
	b = e.appendString(b, s.Dataset)
	str := func(name, v string) {
		if v != "" {
			b = append(b, ',', '"')
			b = append(b, name...)
			b = append(b, '"', ':')
			b = e.appendString(b, v)
		}
	}
	str("record", s.Record)
	str("job", s.Job)
	if !s.RetrievedAt.IsZero() {
		b = append(b, `,"retrievedAt":`...)
		if b, err = appendTime(b, s.RetrievedAt); err != nil {
			return nil, err
		}
	}
	str("url", s.URL)
	str("excerpt", s.Excerpt)
	if s.Confidence != 0 {
		b = append(b, `,"confidence":`...)
		b = strconv.AppendInt(b, int64(s.Confidence), 10)
	}
	str("marking", string(s.Marking))
	str("agency", s.Agency)
	if s.Illustrative {
		b = append(b, `,"illustrative":true`...)
	}
	return append(b, '}'), nil
}

// appendString quotes s as encoding/json does; strings that need more than
// ASCII without escapes go through encoding/json itself.
func (e *encoder) appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			v, err := e.appendAny(b, s)
			if err != nil {
				panic(err) // encoding/json encodes every string
			}
			return v
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendAny appends v as the encoder gives it.
func (e *encoder) appendAny(b []byte, v any) ([]byte, error) {
	e.buf.Reset()
	if err := e.enc.Encode(v); err != nil {
		return nil, err
	}
	return append(b, bytes.TrimSuffix(e.buf.Bytes(), []byte("\n"))...), nil
}

// appendFloat formats f as encoding/json does for a float64.
func appendFloat(b []byte, f float64) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, fmt.Errorf("json: unsupported value: %s", strconv.FormatFloat(f, 'g', -1, 64))
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

// appendTime appends t as Time.MarshalJSON does.
func appendTime(b []byte, t time.Time) ([]byte, error) {
	b = append(b, '"')
	b, err := t.AppendText(b)
	if err != nil {
		return nil, fmt.Errorf("json: error calling MarshalJSON for type time.Time: %w", err)
	}
	return append(b, '"'), nil
}
