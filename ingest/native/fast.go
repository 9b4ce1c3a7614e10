package native

import (
	"strconv"
)

// fastDecode decodes the common shape of a record line into rj without
// reflection: fields named exactly as in FORMAT.md, each once, strings of
// printable ASCII without escapes, plain numbers, sources as an array of
// objects and aliases as an array of strings. It gives up (false, rj
// unspecified) on anything else — props, null, an escape or a non-ASCII
// byte, a name in another case, a repeated or unknown name, a type
// mismatch, data after the object — and the caller decodes the line with
// encoding/json as before, so a line decodes to the same recordJSON, and
// is refused with the same message, either way. Decoding JSON was most of
// a native load's CPU.
func fastDecode(line []byte, rj *recordJSON) bool {
	d := fastDec{b: line}
	var seen uint32
	ok := d.object(func(key string) bool { return d.recordField(key, rj, &seen) })
	d.space()
	return ok && d.i == len(d.b)
}

var sourceBits = bits("dataset", "record", "job", "retrievedAt", "url", "excerpt", "confidence", "marking", "agency", "illustrative")

func bits(names ...string) map[string]uint32 {
	m := make(map[string]uint32, len(names))
	for i, n := range names {
		m[n] = 1 << i
	}
	return m
}

// recordField decodes the value of the record's field key, once: seen
// holds a bit per field met.
func (d *fastDec) recordField(key string, rj *recordJSON, seen *uint32) bool {
	var bit uint32
	var decode func() bool
	switch key {
	case "type":
		bit, decode = 1<<0, func() bool { return d.str(&rj.Type) }
	case "id":
		bit, decode = 1<<1, func() bool { return d.str(&rj.ID) }
	case "kind":
		bit, decode = 1<<2, func() bool { return d.str(&rj.Kind) }
	case "key":
		bit, decode = 1<<3, func() bool { return d.strPtr(&rj.Key) }
	case "sources":
		bit, decode = 1<<5, func() bool { return d.sources(&rj.Sources) }
	case "confidence":
		bit, decode = 1<<6, func() bool { return d.num(&rj.Confidence) }
	case "marking":
		bit, decode = 1<<7, func() bool { return d.str(&rj.Marking) }
	case "validFrom":
		bit, decode = 1<<8, func() bool { return d.str(&rj.ValidFrom) }
	case "validTo":
		bit, decode = 1<<9, func() bool { return d.str(&rj.ValidTo) }
	case "label":
		bit, decode = 1<<10, func() bool { return d.strPtr(&rj.Label) }
	case "aliases":
		bit, decode = 1<<11, func() bool { return d.strings(&rj.Aliases) }
	case "from":
		bit, decode = 1<<12, func() bool { return d.strPtr(&rj.From) }
	case "to":
		bit, decode = 1<<13, func() bool { return d.strPtr(&rj.To) }
	case "amount":
		bit, decode = 1<<14, func() bool { return d.numPtr(&rj.Amount) }
	case "asset":
		bit, decode = 1<<15, func() bool { return d.strPtr(&rj.Asset) }
	case "valueUSD":
		bit, decode = 1<<16, func() bool { return d.numPtr(&rj.ValueUSD) }
	case "time":
		bit, decode = 1<<17, func() bool { return d.strPtr(&rj.Time) }
	case "txHash":
		bit, decode = 1<<18, func() bool { return d.strPtr(&rj.TxHash) }
	default:
		return false // props, and anything new: encoding/json
	}
	if *seen&bit != 0 {
		return false
	}
	*seen |= bit
	return decode()
}

func (d *fastDec) sourceField(key string, s *sourceJSON) bool {
	switch key {
	case "dataset":
		return d.str(&s.Dataset)
	case "record":
		return d.str(&s.Record)
	case "job":
		return d.str(&s.Job)
	case "retrievedAt":
		return d.str(&s.RetrievedAt)
	case "url":
		return d.str(&s.URL)
	case "excerpt":
		return d.str(&s.Excerpt)
	case "confidence":
		return d.num(&s.Confidence)
	case "marking":
		return d.str(&s.Marking)
	case "agency":
		return d.str(&s.Agency)
	case "illustrative":
		return d.boolean(&s.Illustrative)
	}
	return false
}

// fastDec is a cursor over one line.
type fastDec struct {
	b []byte
	i int
}

func (d *fastDec) space() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// eat skips white space and then c, if c is next.
func (d *fastDec) eat(c byte) bool {
	d.space()
	if d.i < len(d.b) && d.b[d.i] == c {
		d.i++
		return true
	}
	return false
}

// object reads {"name": value, ...}, calling field for each name with the
// cursor before its value.
func (d *fastDec) object(field func(key string) bool) bool {
	if !d.eat('{') {
		return false
	}
	if d.eat('}') {
		return true
	}
	for {
		var key string
		if !d.str(&key) || !d.eat(':') || !field(key) {
			return false
		}
		if d.eat('}') {
			return true
		}
		if !d.eat(',') {
			return false
		}
	}
}

// str reads a string of printable ASCII without escapes.
func (d *fastDec) str(v *string) bool {
	if !d.eat('"') {
		return false
	}
	start := d.i
	for d.i < len(d.b) {
		switch c := d.b[d.i]; {
		case c == '"':
			*v = string(d.b[start:d.i])
			d.i++
			return true
		case c < 0x20 || c >= 0x7f || c == '\\':
			return false
		}
		d.i++
	}
	return false
}

func (d *fastDec) strPtr(v **string) bool {
	var s string
	if !d.str(&s) {
		return false
	}
	*v = &s
	return true
}

// num reads a JSON number as encoding/json does into a float64.
func (d *fastDec) num(v *float64) bool {
	d.space()
	start := d.i
	if d.i < len(d.b) && d.b[d.i] == '-' {
		d.i++
	}
	switch {
	case d.i < len(d.b) && d.b[d.i] == '0':
		d.i++
	case d.i < len(d.b) && d.b[d.i] >= '1' && d.b[d.i] <= '9':
		d.digits()
	default:
		return false
	}
	if d.i < len(d.b) && d.b[d.i] == '.' {
		d.i++
		if !d.digits() {
			return false
		}
	}
	if d.i < len(d.b) && (d.b[d.i] == 'e' || d.b[d.i] == 'E') {
		d.i++
		if d.i < len(d.b) && (d.b[d.i] == '+' || d.b[d.i] == '-') {
			d.i++
		}
		if !d.digits() {
			return false
		}
	}
	f, err := strconv.ParseFloat(string(d.b[start:d.i]), 64)
	if err != nil {
		return false // out of range: encoding/json says so
	}
	*v = f
	return true
}

func (d *fastDec) digits() bool {
	start := d.i
	for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
		d.i++
	}
	return d.i > start
}

func (d *fastDec) numPtr(v **float64) bool {
	var f float64
	if !d.num(&f) {
		return false
	}
	*v = &f
	return true
}

func (d *fastDec) boolean(v *bool) bool {
	d.space()
	for _, w := range []struct {
		lit string
		val bool
	}{{"true", true}, {"false", false}} {
		if len(d.b)-d.i >= len(w.lit) && string(d.b[d.i:d.i+len(w.lit)]) == w.lit {
			d.i += len(w.lit)
			*v = w.val
			return true
		}
	}
	return false
}

// array reads [elem, ...], calling elem with the cursor before each.
func (d *fastDec) array(elem func() bool) bool {
	if !d.eat('[') {
		return false
	}
	if d.eat(']') {
		return true
	}
	for {
		if !elem() {
			return false
		}
		if d.eat(']') {
			return true
		}
		if !d.eat(',') {
			return false
		}
	}
}

func (d *fastDec) strings(v **[]string) bool {
	out := []string{}
	ok := d.array(func() bool {
		var s string
		if !d.str(&s) {
			return false
		}
		out = append(out, s)
		return true
	})
	if ok {
		*v = &out
	}
	return ok
}

func (d *fastDec) sources(v *[]sourceJSON) bool {
	out := make([]sourceJSON, 0, 1)
	ok := d.array(func() bool {
		var s sourceJSON
		var seen uint32
		if !d.object(func(key string) bool {
			bit, ok := sourceBits[key]
			if !ok || seen&bit != 0 {
				return false
			}
			seen |= bit
			return d.sourceField(key, &s)
		}) {
			return false
		}
		out = append(out, s)
		return true
	})
	if ok {
		*v = out
	}
	return ok
}
