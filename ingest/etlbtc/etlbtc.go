// Package etlbtc reads the Bitcoin transactions JSON lines of blockchain-etl
// (bitcoin-etl, enriched): each transaction becomes a TRANSACTION node with
// INPUT and OUTPUT edges to its wallets, plus wallet-to-wallet TRANSFER edges
// derived from them. FORMAT.md lists the fields read and the mapping.
package etlbtc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/ingest"
)

// DatasetPrefix starts the Source.Dataset of every record: "etl-btc:<file>".
const DatasetPrefix = "etl-btc:"

// MaxLineBytes bounds one line: a transaction with thousands of inputs runs
// to megabytes, a corrupt file without newlines must not exhaust memory.
const MaxLineBytes = 32 << 20

// MaxTransferPairs bounds the TRANSFER edges derived from one transaction
// (input addresses × paid outputs): past it, a CoinJoin or a batch payout
// would flood the graph with apportioned guesses, and the INPUT and OUTPUT
// edges already carry every fact.
const MaxTransferPairs = 4096

// maxSat is the 21 million BTC supply in satoshis: no value can exceed it,
// and bounding values keeps sums from overflowing.
const maxSat = 21_000_000 * 100_000_000

// Skip reasons counted by Skipped: parts of a transaction that are well
// formed but make no edge.
const (
	SkipNoAddress      = "input or output without an address"
	SkipNonstandard    = "nonstandard script (bitcoin-etl pseudo-address)"
	SkipCoinbaseInput  = "coinbase input"
	SkipJointlyHeld    = "input or output with several addresses: no TRANSFER"
	SkipTooManyPairs   = "too many input × output pairs: no TRANSFER"
	SkipNoInputValue   = "no input value to apportion: no TRANSFER"
	SkipZeroValueOuput = "zero-value output: no TRANSFER"
)

// maxSeen bounds the set of wallets already emitted; see emitWallet.
const maxSeen = 1 << 16

// File returns a Source reading the bitcoin-etl transactions file at path.
func File(path string) ingest.Source { return ingest.File(path, Format) }

// FileFrom is File opening the file through o (nil: ingest.OSFiles).
func FileFrom(o ingest.Opener, path string) ingest.Source { return ingest.FileFrom(o, path, Format) }

// Bytes returns a Source reading transactions from data; name is used in
// error reports.
func Bytes(name string, data []byte) ingest.Source { return ingest.Bytes(name, data, Format) }

// Format is the ingest.Format of bitcoin-etl transactions JSON lines.
func Format(r io.Reader, name string) ingest.Reader { return NewReader(r, name) }

// Reader reads bitcoin-etl transactions, one per line.
type Reader struct {
	lines   *ingest.JSONLines
	dataset string

	queue   ingest.Queue // records of the current transaction not yet returned
	seen    map[string]struct{}
	skipped map[string]int
}

// NewReader returns a Reader of r; name is the file name in error reports,
// and its base name goes into Source.Dataset.
func NewReader(r io.Reader, name string) *Reader {
	return &Reader{
		lines: ingest.NewJSONLines(r, name, MaxLineBytes), dataset: DatasetPrefix + filepath.Base(name),
		seen: map[string]struct{}{}, skipped: map[string]int{},
	}
}

// Skipped returns how many inputs, outputs and derivations made no edge,
// by reason (Skip…).
func (r *Reader) Skipped() map[string]int { return maps.Clone(r.skipped) }

// Next returns the next record. A transaction yields its wallets (each the
// first time the reader meets it), its TRANSACTION node, then its INPUT,
// OUTPUT and TRANSFER edges. A malformed line is a *ingest.RecordError and
// yields nothing; io.EOF is the end; any other error is a read error.
// Records are prepared (graph.PrepareNode/PrepareEdge).
func (r *Reader) Next() (ingest.Record, error) { return r.queue.Next(r.fill) }

// fill queues the records of the next transaction, or returns its
// rejection.
func (r *Reader) fill() error {
	line, err := r.lines.Next()
	if err != nil {
		return err
	}
	pos := r.lines.Pos()
	if err := r.transaction(line, pos); err != nil {
		r.queue.Reset()
		re := &ingest.RecordError{Pos: pos, Err: err}
		var fe *fieldError
		if errors.As(err, &fe) {
			re.Field, re.Err = fe.field, fe.err
		}
		return re
	}
	return nil
}

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
}

func (r *Reader) transaction(line []byte, pos ingest.Pos) error {
	t, err := r.parse(line)
	if err != nil {
		return err
	}
	r.emit(t, pos)
	return nil
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

// emit queues the records of a checked transaction.
func (r *Reader) emit(t *tx, pos ingest.Pos) {
	src := []graph.Source{{Dataset: r.dataset, Record: t.hash, Confidence: graph.ConfidenceOwnership, Marking: graph.TLPClear}}
	inSat, inComplete, _ := total(t.inputs, "")
	outSat, _, _ := total(t.outputs, "")

	// Input addresses: all of them for change detection, single-address
	// ones (with their satoshis) for apportioning.
	inAll := map[string]bool{}
	var payers []string
	paid := map[string]int64{}
	for _, in := range t.inputs {
		for _, w := range in.wallets {
			inAll[w] = true
		}
		if len(in.wallets) == 1 {
			w := in.wallets[0]
			if _, ok := paid[w]; !ok {
				payers = append(payers, w)
			}
			paid[w] += in.value
		}
	}

	props := graph.Props{
		"isCoinbase": t.coinbase, "inputCount": len(t.inputs), "outputCount": len(t.outputs),
		"inputValueSat": inSat, "outputValueSat": outSat, "inputAddresses": len(payers),
		"maxEqualOutputs": maxEqual(t.outputs),
	}
	if t.hasBlock {
		props["blockNumber"] = t.block
	}
	if !t.time.IsZero() {
		props["time"] = t.time.Format(time.RFC3339)
	}
	if !t.coinbase && inComplete && len(t.inputs) > 0 {
		props["feeSat"] = inSat - outSat
	}

	// Which outputs are paid to someone other than the spenders.
	var pays []put
	for _, o := range t.outputs {
		switch {
		case len(o.wallets) == 0:
		case len(o.wallets) > 1:
			r.skipped[SkipJointlyHeld]++
		case inAll[o.wallets[0]]: // change
		case o.value == 0:
			r.skipped[SkipZeroValueOuput]++
		default:
			pays = append(pays, o)
		}
	}
	derive := len(payers) > 0 && len(pays) > 0
	switch {
	case !derive:
	case len(payers)*len(pays) > MaxTransferPairs:
		r.skipped[SkipTooManyPairs]++
		props["transfersSkipped"] = true
		derive = false
	case inSat == 0 || !inComplete:
		r.skipped[SkipNoInputValue]++
		derive = false
	}

	for _, p := range append(slices.Clone(t.inputs), t.outputs...) {
		for _, w := range p.wallets {
			r.emitWallet(w, pos)
		}
	}
	r.add(pos, &graph.Node{Kind: graph.KindTransaction, Key: "btc:" + t.hash, Props: props, Sources: src}, nil)

	for i, in := range t.inputs {
		if len(in.wallets) == 0 {
			r.skipNoWallet(in, in.spentTx == "")
			continue
		}
		ep := graph.Props{"inputIndex": in.index, "valueSat": in.value, "spentTxHash": in.spentTx, "spentOutputIndex": in.spentIndex}
		if in.index != int64(i) {
			ep["position"] = i
		}
		r.putEdges(pos, graph.EdgeInput, in, t, ep, src, in.spentTx+":"+strconv.FormatInt(in.spentIndex, 10))
	}
	for _, o := range t.outputs {
		if len(o.wallets) == 0 {
			r.skipNoWallet(o, false)
			continue
		}
		ep := graph.Props{"outputIndex": o.index, "valueSat": o.value}
		r.putEdges(pos, graph.EdgeOutput, o, t, ep, src, strconv.FormatInt(o.index, 10))
	}
	if !derive {
		return
	}
	for _, w := range payers {
		share := float64(paid[w]) / float64(inSat)
		if paid[w] == 0 {
			continue
		}
		for _, o := range pays {
			r.add(pos, nil, &graph.Edge{
				Kind: graph.EdgeTransfer, From: "wallet:" + w, To: "wallet:" + o.wallets[0],
				Key:    t.hash + ":" + strconv.FormatInt(o.index, 10),
				Amount: float64(o.value) * share / 1e8, Asset: "BTC", Time: t.time, TxHash: t.hash,
				Props:   graph.Props{"outputIndex": o.index, "share": share, "derived": "proportional"},
				Sources: src,
			})
		}
	}
}

// skipNoWallet counts an input or output that makes no edge, by why.
func (r *Reader) skipNoWallet(p put, coinbaseInput bool) {
	switch {
	case coinbaseInput:
		r.skipped[SkipCoinbaseInput]++
	case p.nonstandard:
		r.skipped[SkipNonstandard]++
	default:
		r.skipped[SkipNoAddress]++
	}
}

// putEdges adds the INPUT or OUTPUT edges of one input or output: one per
// address, each with the full value; several addresses hold it jointly.
func (r *Reader) putEdges(pos ingest.Pos, kind graph.EdgeKind, p put, t *tx, props graph.Props, src []graph.Source, key string) {
	if p.typ != "" {
		props["type"] = p.typ
	}
	if len(p.wallets) > 1 {
		props["jointlyHeld"] = len(p.wallets)
	}
	for _, w := range p.wallets {
		e := &graph.Edge{
			Kind: kind, Key: key, Amount: float64(p.value) / 1e8, Asset: "BTC", Time: t.time, TxHash: t.hash,
			Props: props, Sources: src,
		}
		if kind == graph.EdgeInput {
			e.From, e.To = "wallet:"+w, "transaction:btc:"+t.hash
		} else {
			e.From, e.To = "transaction:btc:"+t.hash, "wallet:"+w
		}
		r.add(pos, nil, e)
	}
}

// emitWallet queues a wallet node the first time the reader meets it. The
// set is bounded: past maxSeen it is cleared, and a wallet met again is
// emitted again, which the store folds into the same node and source (the
// record is the wallet key, not the transaction, so that a busy address
// carries one source per file).
func (r *Reader) emitWallet(w string, pos ingest.Pos) {
	if _, ok := r.seen[w]; ok {
		return
	}
	if len(r.seen) >= maxSeen {
		clear(r.seen)
	}
	r.seen[w] = struct{}{}
	r.add(pos, &graph.Node{Kind: graph.KindWallet, Key: w, Sources: []graph.Source{{
		Dataset: r.dataset, Record: w, Confidence: graph.ConfidenceOwnership, Marking: graph.TLPClear,
	}}}, nil)
}

// add queues a node or an edge, filled in as graph.PrepareNode/PrepareEdge
// would: parse has checked and normalised every key, so preparing again
// here would only validate each address a second time (it was half the
// parse time); the runner prepares every record anyway, and the tests check
// that preparing changes nothing.
func (r *Reader) add(pos ingest.Pos, n *graph.Node, e *graph.Edge) {
	if n != nil {
		n.ID = "wallet:" + n.Key
		if n.Kind == graph.KindTransaction {
			n.ID = "transaction:" + n.Key
		}
		n.Label, n.Confidence, n.Marking = n.Key, graph.ConfidenceOwnership, graph.TLPClear
		r.queue.Push(ingest.Record{Node: n, Pos: pos})
		return
	}
	e.ID = graph.EdgeID(e.Kind, e.From, e.To, e.Key)
	e.Confidence, e.Marking = graph.ConfidenceOwnership, graph.TLPClear
	r.queue.Push(ingest.Record{Edge: e, Pos: pos})
}

// maxEqual returns the most outputs that share one value: CoinJoins pay
// many equal outputs, which a clustering pass may want to know.
func maxEqual(outs []put) int {
	count := map[int64]int{}
	best := 0
	for _, o := range outs {
		count[o.value]++
		best = max(best, count[o.value])
	}
	return best
}

// parseHash accepts 64 hex digits (an optional 0x is dropped) and
// lower-cases them.
func parseHash(s string) (string, error) {
	h := strings.ToLower(strings.TrimSpace(s))
	h = strings.TrimPrefix(h, "0x")
	if h == "" {
		return "", errors.New("missing")
	}
	if len(h) != 64 || strings.IndexFunc(h, func(c rune) bool { return !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') }) >= 0 {
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
