package etlbtc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redthread-dev/redthread/graph"
)

// fieldError is an error about one field; its JSON path becomes
// RecordError.Field.
type fieldError struct {
	field string
	err   error
}

func (e *fieldError) Error() string { return e.field + ": " + e.err.Error() }

func ferr(field, format string, args ...any) error {
	return &fieldError{field, fmt.Errorf(format, args...)}
}

// txJSON is the part of a bitcoin-etl transaction this package reads.
// Numbers are raw: bitcoin-etl writes JSON numbers, BigQuery strings.
type txJSON struct {
	Hash           *string         `json:"hash"`
	BlockNumber    json.RawMessage `json:"block_number"`
	BlockTimestamp json.RawMessage `json:"block_timestamp"`
	IsCoinbase     *bool           `json:"is_coinbase"`
	Inputs         *[]putJSON      `json:"inputs"`
	Outputs        *[]putJSON      `json:"outputs"`
	// Illustrative is Redthread's own: a synthetic transaction (redthread generate).
	Illustrative bool `json:"illustrative"`
}

// putJSON is an input or an output.
type putJSON struct {
	Index            json.RawMessage `json:"index"`
	SpentTxHash      *string         `json:"spent_transaction_hash"`
	SpentOutputIndex json.RawMessage `json:"spent_output_index"`
	Addresses        []string        `json:"addresses"`
	Value            json.RawMessage `json:"value"`
	Type             string          `json:"type"`
}

// put is a checked input or output.
type put struct {
	index   int64
	wallets []string // wallet keys "btc:<addr>", distinct, in order
	value   int64
	valued  bool
	typ     string
	// nonstandard: only bitcoin-etl pseudo-addresses, no wallet
	nonstandard bool
	// inputs only
	spentTx    string
	spentIndex int64
}

// tx is a checked transaction.
type tx struct {
	hash     string
	time     time.Time
	block    int64
	hasBlock bool
	coinbase bool
	inputs   []put
	outputs  []put
	// illustrative marks a synthetic transaction: its sources say so.
	illustrative bool
}

// parse decodes and checks one transaction; any fault rejects it whole.
func (r *Reader) parse(line []byte) (*tx, error) {
	if line[0] != '{' {
		return nil, errors.New("a transaction must be a JSON object")
	}
	var tj txJSON
	if err := json.Unmarshal(line, &tj); err != nil {
		return nil, jsonError(err)
	}
	t := &tx{}
	if tj.Hash == nil {
		return nil, ferr("hash", "missing")
	}
	var err error
	if t.hash, err = parseHash(*tj.Hash); err != nil {
		return nil, &fieldError{"hash", err}
	}
	if t.time, err = parseTime(tj.BlockTimestamp); err != nil {
		return nil, &fieldError{"block_timestamp", err}
	}
	if t.block, t.hasBlock, err = parseNum(tj.BlockNumber, 1<<40); err != nil {
		return nil, &fieldError{"block_number", err}
	}
	t.coinbase = tj.IsCoinbase != nil && *tj.IsCoinbase
	t.illustrative = tj.Illustrative
	if tj.Inputs == nil {
		return nil, ferr("inputs", "missing")
	}
	if tj.Outputs == nil {
		return nil, ferr("outputs", "missing")
	}
	outpoints := map[string]bool{}
	for i, in := range *tj.Inputs {
		p, err := r.put(in, "inputs["+strconv.Itoa(i)+"]", i, true, t.coinbase)
		if err != nil {
			return nil, err
		}
		if p.spentTx != "" {
			op := p.spentTx + ":" + strconv.FormatInt(p.spentIndex, 10)
			if outpoints[op] {
				return nil, ferr("inputs["+strconv.Itoa(i)+"]", "spends outpoint %s twice", op)
			}
			outpoints[op] = true
		}
		t.inputs = append(t.inputs, p)
	}
	indexes := map[int64]bool{}
	for i, out := range *tj.Outputs {
		p, err := r.put(out, "outputs["+strconv.Itoa(i)+"]", i, false, false)
		if err != nil {
			return nil, err
		}
		if indexes[p.index] {
			return nil, ferr("outputs["+strconv.Itoa(i)+"].index", "%d given twice", p.index)
		}
		indexes[p.index] = true
		t.outputs = append(t.outputs, p)
	}
	inSat, inComplete, err := total(t.inputs, "inputs")
	if err != nil {
		return nil, err
	}
	outSat, _, err := total(t.outputs, "outputs")
	if err != nil {
		return nil, err
	}
	if !t.coinbase && inComplete && len(t.inputs) > 0 && inSat < outSat {
		return nil, ferr("inputs", "input value %d sat is below the output value %d sat (not an enriched export?)", inSat, outSat)
	}
	return t, nil
}

func total(ps []put, field string) (int64, bool, error) {
	var sum int64
	complete := true
	for _, p := range ps {
		if !p.valued {
			complete = false
			continue
		}
		if sum += p.value; sum > maxSat {
			return 0, false, ferr(field, "values add up to more than the 21 million BTC supply")
		}
	}
	return sum, complete, nil
}

// put checks an input (in) or output at position i.
func (r *Reader) put(pj putJSON, field string, i int, in, coinbase bool) (put, error) {
	p := put{index: int64(i), typ: pj.Type}
	var err error
	var ok bool
	if p.index, ok, err = parseNum(pj.Index, 1<<31); err != nil {
		return p, &fieldError{field + ".index", err}
	} else if !ok {
		p.index = int64(i)
	}
	for j, a := range pj.Addresses {
		f := field + ".addresses[" + strconv.Itoa(j) + "]"
		if strings.HasPrefix(a, "nonstandard") {
			continue // bitcoin-etl's name for a script without an address
		}
		key, _, err := graph.WalletKey("BTC", a)
		if err != nil {
			return p, &fieldError{f, err}
		}
		if !slices.Contains(p.wallets, key) {
			p.wallets = append(p.wallets, key)
		}
	}
	p.nonstandard = len(pj.Addresses) > 0 && len(p.wallets) == 0
	if p.value, p.valued, err = parseNum(pj.Value, maxSat); err != nil {
		return p, &fieldError{field + ".value", err}
	}
	if !p.valued && len(p.wallets) > 0 {
		return p, ferr(field+".value", "missing")
	}
	if !in {
		if !p.valued {
			return p, ferr(field+".value", "missing")
		}
		return p, nil
	}
	if pj.SpentTxHash == nil || *pj.SpentTxHash == "" {
		if coinbase {
			return p, nil
		}
		return p, ferr(field+".spent_transaction_hash", "missing")
	}
	if p.spentTx, err = parseHash(*pj.SpentTxHash); err != nil {
		return p, &fieldError{field + ".spent_transaction_hash", err}
	}
	if p.spentIndex, ok, err = parseNum(pj.SpentOutputIndex, 1<<32); err != nil {
		return p, &fieldError{field + ".spent_output_index", err}
	} else if !ok {
		return p, ferr(field+".spent_output_index", "missing")
	}
	return p, nil
}

// parseHash accepts 64 hex digits (an optional 0x is dropped) and
// lower-cases them.
func parseHash(s string) (string, error) {
	h := strings.ToLower(strings.TrimSpace(s))
	h = strings.TrimPrefix(h, "0x")
	if h == "" {
		return "", errors.New("missing")
	}
	if len(h) != 64 || strings.IndexFunc(h, func(c rune) bool { return (c < '0' || c > '9') && (c < 'a' || c > 'f') }) >= 0 {
		return "", fmt.Errorf("%q is not a transaction hash (64 hex digits)", truncate(s))
	}
	return h, nil
}

// parseNum reads a non-negative integer no greater than limit from a JSON
// number or a string of digits; null or absent is not ok.
func parseNum(raw json.RawMessage, limit int64) (n int64, ok bool, err error) {
	s := string(bytes.TrimSpace(raw))
	if s == "" || s == "null" {
		return 0, false, nil
	}
	if s[0] == '"' {
		var str string
		if json.Unmarshal(raw, &str) != nil {
			return 0, false, fmt.Errorf("want an integer, got %s", truncate(s))
		}
		s = strings.TrimSpace(str)
	}
	n, err = strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || s[0] == '+' {
		return 0, false, fmt.Errorf("want a non-negative integer, got %s", truncate(s))
	}
	if n > limit {
		return 0, false, fmt.Errorf("%d is out of range (at most %d)", n, limit)
	}
	return n, true, nil
}

// maxUnix is 9999-12-31T23:59:59Z: later instants have no RFC 3339 form.
const maxUnix = 253402300799

// timeLayouts are the forms block_timestamp takes: BigQuery's exports and
// RFC 3339 (bitcoin-etl writes unix seconds).
var timeLayouts = [...]string{
	"2006-01-02 15:04:05 UTC",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05Z07",
	time.RFC3339Nano,
}

// parseTime reads block_timestamp: unix seconds as a number or string, or
// a date-time string; null or absent is the zero time.
func parseTime(raw json.RawMessage) (time.Time, error) {
	s := string(bytes.TrimSpace(raw))
	if s == "" || s == "null" {
		return time.Time{}, nil
	}
	if s[0] == '"' {
		if json.Unmarshal(raw, &s) != nil {
			return time.Time{}, fmt.Errorf("want unix seconds or a date-time, got %s", truncate(string(raw)))
		}
		for _, layout := range timeLayouts {
			if v, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
				if v = v.UTC(); v.Year() >= 1 && v.Year() <= 9999 {
					return v, nil
				}
			}
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < 0 || n > maxUnix {
		return time.Time{}, fmt.Errorf("%s is neither unix seconds, \"2006-01-02 15:04:05 UTC\" nor RFC 3339", truncate(string(raw)))
	}
	return time.Unix(n, 0).UTC(), nil
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// jsonError words a decoding error with the JSON path at fault.
func jsonError(err error) error {
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return ferr(typ.Field, "want %s, got a JSON %s", typ.Type, typ.Value)
	}
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Errorf("invalid JSON at byte %d: %s", syn.Offset, strings.TrimPrefix(syn.Error(), "json: "))
	}
	return fmt.Errorf("invalid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
}
