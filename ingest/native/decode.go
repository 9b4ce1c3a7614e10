package native

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/redthread-dev/redthread/graph"
)

// fields of each record type; anything else is an error naming the field.
var (
	nodeFields = set("type", "id", "kind", "key", "label", "aliases", "props", "sources", "confidence", "marking", "validFrom", "validTo")
	edgeFields = set("type", "id", "kind", "from", "to", "key", "amount", "asset", "valueUSD", "time", "txHash", "props", "sources", "confidence", "marking", "validFrom", "validTo")
	srcFields  = set("dataset", "record", "job", "retrievedAt", "url", "excerpt", "confidence", "marking", "agency", "illustrative")
)

func set(keys ...string) map[string]bool {
	m := make(map[string]bool, len(keys))
	for _, k := range keys {
		m[k] = true
	}
	return m
}

// object is a decoded JSON object: raw values by key, in order.
type object struct {
	keys []string
	vals map[string]json.RawMessage
}

// decodeObject decodes one JSON object, rejecting duplicate keys (which
// encoding/json would silently let the last one win) and trailing data.
func decodeObject(data []byte) (object, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	obj := object{vals: map[string]json.RawMessage{}}
	tok, err := dec.Token()
	if err != nil {
		return obj, jsonError(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return obj, errors.New("a record must be a JSON object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return obj, jsonError(err)
		}
		key := tok.(string) // object keys are always strings
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return obj, fmt.Errorf("field %q: %w", key, jsonError(err))
		}
		if _, dup := obj.vals[key]; dup {
			return obj, &fieldError{key, errors.New("given twice")}
		}
		obj.keys = append(obj.keys, key)
		obj.vals[key] = raw
	}
	if _, err := dec.Token(); err != nil {
		return obj, jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return obj, errors.New("invalid JSON: data after the object")
	}
	return obj, nil
}

func jsonError(err error) error {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Errorf("invalid JSON at byte %d: %s", syn.Offset, strings.TrimPrefix(syn.Error(), "json: "))
	}
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return errors.New("invalid JSON: unexpected end of line")
	}
	return fmt.Errorf("invalid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
}

// decodeError decodes a line that failed the fast path key by key, to name
// the field at fault: unknown, given twice or of the wrong JSON type.
func decodeError(line []byte) error {
	obj, err := decodeObject(line)
	if err != nil {
		return err
	}
	var typ string
	if err := obj.get("type", &typ, "a string"); err != nil {
		return err
	}
	fields := nodeFields
	what := "a node"
	if typ == "edge" {
		fields, what = edgeFields, "an edge"
	}
	if err := obj.known(fields, what); err != nil {
		return err
	}
	var str string
	var strs []string
	var num float64
	var props graph.Props
	for _, k := range obj.keys {
		var err error
		switch k {
		case "aliases":
			err = obj.get(k, &strs, "an array of strings")
		case "props":
			err = obj.get(k, &props, "an object")
		case "confidence":
			err = obj.get(k, &num, "an integer 0–100")
		case "amount", "valueUSD":
			err = obj.get(k, &num, "a number")
		case "marking":
			err = obj.get(k, &str, "a TLP marking")
		case "validFrom", "validTo", "time":
			err = obj.get(k, &str, "a date (YYYY-MM-DD) or an RFC 3339 time")
		case "sources":
			err = sourcesError(obj)
		default:
			err = obj.get(k, &str, "a string")
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func sourcesError(o object) error {
	var raws []json.RawMessage
	if err := o.get("sources", &raws, "an array of source objects"); err != nil {
		return err
	}
	for i, raw := range raws {
		if err := sourceError(raw); err != nil {
			prefix := "sources[" + strconv.Itoa(i) + "]"
			var fe *fieldError
			if errors.As(err, &fe) {
				return &fieldError{prefix + "." + fe.field, fe.err}
			}
			return &fieldError{prefix, err}
		}
	}
	return nil
}

func sourceError(raw json.RawMessage) error {
	if raw[0] != '{' {
		return fmt.Errorf("want a source object, got %s", describe(raw))
	}
	o, err := decodeObject(raw)
	if err != nil {
		return err
	}
	if err := o.known(srcFields, "a source"); err != nil {
		return err
	}
	var str string
	var num float64
	var b bool
	for _, k := range o.keys {
		var err error
		switch k {
		case "confidence":
			err = o.get(k, &num, "an integer 0–100")
		case "illustrative":
			err = o.get(k, &b, "true or false")
		case "marking":
			err = o.get(k, &str, "a TLP marking")
		case "retrievedAt":
			err = o.get(k, &str, "a date (YYYY-MM-DD) or an RFC 3339 time")
		default:
			err = o.get(k, &str, "a string")
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// duplicateKey reports a key given twice in the record or in one of its
// sources, which encoding/json would silently resolve as last-one-wins.
// line is valid JSON (the fast path decoded it). It runs on every line:
// keys are slices of line (unescaped only when they hold an escape) kept
// on one stack shared by the open objects, so a line allocates nothing.
func duplicateKey(line []byte) error {
	type frame struct {
		object bool
		track  bool   // an object whose keys are checked
		source int    // a tracked source object: its index in "sources"; else -1
		key    []byte // object: last key; array: the key it is the value of
		keys   int    // object: where its keys start on the key stack
		n      int    // array: elements seen
	}
	var frameBuf [8]frame
	var keyBuf [24][]byte
	stack, keys := frameBuf[:0], keyBuf[:0]
	expectKey := false
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '"':
			j, esc := i+1, false
			for ; j < len(line) && line[j] != '"'; j++ {
				if line[j] == '\\' {
					j++
					esc = true
				}
			}
			if expectKey && len(stack) > 0 {
				top := &stack[len(stack)-1]
				key := line[i+1 : j]
				if esc {
					var k string
					_ = json.Unmarshal(line[i:j+1], &k) // valid JSON: cannot fail
					key = []byte(k)
				}
				if top.track && slices.ContainsFunc(keys[top.keys:], func(k []byte) bool { return bytes.Equal(k, key) }) {
					prefix := ""
					if top.source >= 0 {
						prefix = "sources[" + strconv.Itoa(top.source) + "]."
					}
					return &fieldError{prefix + string(key), errors.New("given twice")}
				}
				keys = append(keys, key)
				top.key = key
				expectKey = false
			}
			i = j
		case '{':
			f := frame{object: true, source: -1, keys: len(keys)}
			switch {
			case len(stack) == 0:
				f.track = true
			case len(stack) == 2 && !stack[1].object && string(stack[1].key) == "sources":
				f.track, f.source = true, stack[1].n
			}
			if len(stack) > 0 && !stack[len(stack)-1].object {
				stack[len(stack)-1].n++
			}
			stack = append(stack, f)
			expectKey = true
		case '[':
			f := frame{source: -1, keys: len(keys)}
			if len(stack) > 0 {
				f.key = stack[len(stack)-1].key
			}
			if len(stack) > 0 && !stack[len(stack)-1].object {
				stack[len(stack)-1].n++
			}
			stack = append(stack, f)
		case '}', ']':
			if len(stack) > 0 {
				keys = keys[:stack[len(stack)-1].keys]
				stack = stack[:len(stack)-1]
			}
		case ',':
			if len(stack) > 0 && stack[len(stack)-1].object {
				expectKey = true
			}
		}
	}
	return nil
}

func (o object) known(fields map[string]bool, what string) error {
	for _, k := range o.keys {
		if !fields[k] {
			return ferr(k, "unknown field in %s record", what)
		}
	}
	return nil
}

// get decodes field into v; null or absent leaves v alone.
func (o object) get(field string, v any, want string) error {
	raw, ok := o.vals[field]
	if !ok || string(raw) == "null" {
		return nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return ferr(field, "want %s, got %s", want, describe(raw))
	}
	return nil
}

func describe(raw json.RawMessage) string {
	switch raw[0] {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	}
	return string(raw)
}
