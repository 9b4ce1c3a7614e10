// Package etlbtc reads the Bitcoin transactions JSON lines of blockchain-etl
// (bitcoin-etl, enriched): each transaction becomes a TRANSACTION node with
// INPUT and OUTPUT edges to its wallets, plus wallet-to-wallet TRANSFER edges
// derived from them. FORMAT.md lists the fields read and the mapping.
package etlbtc

import (
	"errors"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
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
	lines   *ingest.Lines
	dataset string

	queue   ingest.Queue // records of the current transaction not yet returned
	seen    map[string]struct{}
	skipped map[string]int
}

// NewReader returns a Reader of r; name is the file name in error reports,
// and its base name goes into Source.Dataset.
func NewReader(r io.Reader, name string) *Reader {
	return &Reader{
		lines: ingest.NewLines(r, name, MaxLineBytes), dataset: DatasetPrefix + filepath.Base(name),
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

func (r *Reader) transaction(line []byte, pos ingest.Pos) error {
	t, err := r.parse(line)
	if err != nil {
		return err
	}
	r.emit(t, pos)
	return nil
}

// emit queues the records of a checked transaction.
func (r *Reader) emit(t *tx, pos ingest.Pos) {
	src := []graph.Source{{Dataset: r.dataset, Record: t.hash, Confidence: graph.ConfidenceOwnership, Marking: graph.TLPClear,
		Illustrative: t.illustrative}}
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
			r.emitWallet(w, t.illustrative, pos)
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
func (r *Reader) emitWallet(w string, illustrative bool, pos ingest.Pos) {
	if _, ok := r.seen[w]; ok {
		return
	}
	if len(r.seen) >= maxSeen {
		clear(r.seen)
	}
	r.seen[w] = struct{}{}
	r.add(pos, &graph.Node{Kind: graph.KindWallet, Key: w, Sources: []graph.Source{{
		Dataset: r.dataset, Record: w, Confidence: graph.ConfidenceOwnership, Marking: graph.TLPClear, Illustrative: illustrative,
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
