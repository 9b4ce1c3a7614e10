// Package etleth reads the Ethereum CSV exports of blockchain-etl
// (ethereum-etl): transactions.csv and token_transfers.csv, told apart by
// their header. Each transfer becomes a TRANSFER edge between two wallets.
// FORMAT.md lists the columns read and the mapping.
package etleth

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/big"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/ingest"
)

// DatasetPrefix starts the Source.Dataset of every record: "etl-eth:<file>".
const DatasetPrefix = "etl-eth:"

// Token describes an ERC-20 token: the symbol its transfers are recorded in
// and the decimals that scale its raw units.
type Token struct {
	Symbol   string
	Decimals int
}

// KnownTokens returns the Ethereum mainnet tokens this package knows, keyed
// by lower-case contract address: the stablecoins and wrapped coins that
// laundering runs through. A fresh map, so callers may extend it.
func KnownTokens() map[string]Token {
	return map[string]Token{
		"0xdac17f958d2ee523a2206206994597c13d831ec7": {"USDT", 6},
		"0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48": {"USDC", 6},
		"0x6b175474e89094c44da98ecce34a1f7e0c9bc8ec": {"DAI", 18},
		"0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2": {"WETH", 18},
		"0x2260fac5e5542a773aa44fbcfb45d12ecf4d0dbc": {"WBTC", 8},
	}
}

// Options configure a Reader. The zero value uses KnownTokens.
type Options struct {
	// Tokens maps lower-case token contract addresses to their symbol and
	// decimals; nil means KnownTokens. A token not in it is recorded as
	// asset "ERC20:0X<CONTRACT>" in raw units.
	Tokens map[string]Token
}

// File returns a Source reading the blockchain-etl Ethereum CSV at path.
func File(path string) ingest.Source { return ingest.File(path, Format) }

// FileFrom is File opening the file through o (nil: ingest.OSFiles).
func FileFrom(o ingest.Opener, path string) ingest.Source { return ingest.FileFrom(o, path, Format) }

// Bytes returns a Source reading CSV data; name is used in error reports.
func Bytes(name string, data []byte) ingest.Source { return ingest.Bytes(name, data, Format) }

// Format is the ingest.Format of blockchain-etl Ethereum CSV files, with the
// default options.
func Format(r io.Reader, name string) ingest.Reader { return NewReader(r, name, Options{}) }

// FormatWith returns the ingest.Format with opts, e.g. a custom token map.
func FormatWith(opts Options) ingest.Format {
	return func(r io.Reader, name string) ingest.Reader { return NewReader(r, name, opts) }
}

// Kind says which of the two files a Reader reads.
type Kind int

// The kinds of file, as detected from the header.
const (
	Unknown Kind = iota
	Transactions
	TokenTransfers
)

func (k Kind) String() string {
	switch k {
	case Transactions:
		return "transactions"
	case TokenTransfers:
		return "token_transfers"
	}
	return "unknown"
}

// Skip reasons counted by Skipped: rows that are well formed but carry no
// transfer between two wallets.
const (
	SkipContractCreation = "contract creation (empty to_address)"
	SkipFailed           = "failed transaction (receipt_status 0)"
	SkipZeroValue        = "zero value"
)

// maxSeen bounds the set of wallets already emitted: past it the set is
// cleared, and a wallet seen again is emitted again, which the store folds
// into the same node and source.
const maxSeen = 1 << 16

// columns holds the index of each column read, -1 when absent.
type columns struct {
	hash, from, to, value, timestamp, block, status int // transactions
	token, txHash, logIndex                         int // token transfers
	illustrative                                    int // Redthread's own: a synthetic row (redthread generate)
}

// Reader reads one blockchain-etl Ethereum CSV file.
type Reader struct {
	csv     *ingest.CSVReader
	name    string
	dataset string
	tokens  map[string]Token
	kind    Kind
	col     columns
	width   int      // fields in the header
	names   []string // column names, lower case
	started bool
	done    bool

	queue   ingest.Queue // records of the current row not yet returned
	ahead   ahead        // rows read and converted ahead (ahead.go)
	seen    map[string]struct{}
	skipped map[string]int
	pow10   *[maxDecimals + 1]*big.Int // read-only: rows convert on several CPUs
}

// NewReader returns a Reader of r; name is the file name in error reports,
// and its base name goes into Source.Dataset.
func NewReader(r io.Reader, name string, opts Options) *Reader {
	cr := ingest.NewCSVReader(r) // a row over ingest.MaxRecordBytes is rejected unread
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	tokens := KnownTokens()
	if opts.Tokens != nil {
		tokens = make(map[string]Token, len(opts.Tokens))
		for addr, t := range opts.Tokens {
			tokens[strings.ToLower(strings.TrimSpace(addr))] = t
		}
	}
	return &Reader{
		csv: cr, name: name, dataset: DatasetPrefix + filepath.Base(name), tokens: tokens,
		seen: map[string]struct{}{}, skipped: map[string]int{}, pow10: powersOf10(),
	}
}

// Kind returns the kind of file, known once Next has read the header.
func (r *Reader) Kind() Kind { return r.kind }

// Skipped returns how many rows were skipped, by reason (Skip…).
func (r *Reader) Skipped() map[string]int { return maps.Clone(r.skipped) }

// Next returns the next record: the wallets of a row (each the first time
// it is met), then its TRANSFER edge. A malformed row or header is a
// *ingest.RecordError (a bad header ends the file); io.EOF is the end; any
// other error is a read error. Records are prepared and sealed
// (graph.SealNode/SealEdge).
func (r *Reader) Next() (ingest.Record, error) { return r.queue.Next(r.fill) }

// fill reads the header, or queues the records of the next row and
// returns its rejection.
func (r *Reader) fill() error {
	if r.done {
		return io.EOF
	}
	if !r.started {
		r.started = true
		if err := r.header(); err != nil {
			r.done = true
			return err
		}
		return nil
	}
	return r.nextRow()
}

// header reads line 1 and finds the columns; the file's kind follows from
// which are there.
func (r *Reader) header() error {
	pos := ingest.Pos{File: r.name, Line: 1}
	head, err := r.csv.Read()
	if err == io.EOF {
		return ingest.Errorf(pos, "", "empty file: want a transactions.csv or token_transfers.csv header")
	}
	var perr *csv.ParseError
	var tl *ingest.RowTooLargeError
	switch {
	case errors.As(err, &perr) && errors.As(perr.Err, &tl):
		return &ingest.RecordError{Pos: pos, Err: tl.Err}
	case errors.As(err, &perr):
		return &ingest.RecordError{Pos: pos, Err: fmt.Errorf("malformed CSV header: %w", perr.Err)}
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", r.name, err)
	}
	idx := make(map[string]int, len(head))
	for i, h := range head {
		if i == 0 {
			h = strings.TrimPrefix(h, "\ufeff")
		}
		h = strings.ToLower(strings.TrimSpace(h))
		if _, dup := idx[h]; dup {
			return ingest.Errorf(pos, h, "column given twice in the header")
		}
		idx[h] = i
		r.names = append(r.names, h)
	}
	col := func(name string) int {
		if i, ok := idx[name]; ok {
			return i
		}
		return -1
	}
	r.col = columns{
		hash: col("hash"), from: col("from_address"), to: col("to_address"), value: col("value"),
		timestamp: col("block_timestamp"), block: col("block_number"), status: col("receipt_status"),
		token: col("token_address"), txHash: col("transaction_hash"), logIndex: col("log_index"),
		illustrative: col("illustrative"),
	}
	var required []string
	switch {
	case r.col.token >= 0:
		r.kind = TokenTransfers
		required = []string{"token_address", "from_address", "to_address", "value", "transaction_hash", "log_index"}
	case r.col.hash >= 0:
		r.kind = Transactions
		required = []string{"hash", "from_address", "to_address", "value"}
	default:
		return ingest.Errorf(pos, "", "header has neither hash (transactions.csv) nor token_address (token_transfers.csv)")
	}
	for _, name := range required {
		if col(name) < 0 {
			return ingest.Errorf(pos, name, "missing column in a %s.csv header", r.kind)
		}
	}
	r.width = len(head)
	return nil
}

// fieldError carries the column at fault up to row.
type fieldError struct {
	col string
	err error
}

func (e *fieldError) Error() string { return e.col + ": " + e.err.Error() }

func colErr(col string, err error) error { return &fieldError{col, err} }

// convert works out what row makes (its transfer, a skip, or a
// *RecordError) without changing the Reader: rows convert on several CPUs.
func (r *Reader) convert(row []string, out *converted) {
	if len(row) != r.width { // checked here, not by encoding/csv, to go on after it
		out.err = ingest.Errorf(out.pos, "", "row has %d fields, the header %d", len(row), r.width)
		return
	}
	var err error
	if r.kind == Transactions {
		err = r.transaction(row, out)
	} else {
		err = r.tokenTransfer(row, out)
	}
	if err != nil {
		out.err = rowError(err, out.pos)
	}
}

// rowError is err as the *RecordError of the row at pos.
func rowError(err error, pos ingest.Pos) error {
	var fe *fieldError
	if errors.As(err, &fe) {
		return &ingest.RecordError{Pos: pos, Field: fe.col, Err: fe.err}
	}
	var re *ingest.RecordError
	if errors.As(err, &re) {
		return re
	}
	return &ingest.RecordError{Pos: pos, Err: err}
}

// common is what both files give about a transfer.
type common struct {
	hash      string
	from, to  string // wallet keys; to is empty for a contract creation
	value     *big.Int
	time      time.Time
	block     int64
	haveBlock bool
	// illustrative marks a synthetic row: its sources say so.
	illustrative bool
}

func (r *Reader) common(row []string, hashCol int, hashName string) (common, error) {
	var c common
	var err error
	if c.hash, err = parseHash(row[hashCol]); err != nil {
		return c, colErr(hashName, err)
	}
	if c.from, err = walletKey(row[r.col.from]); err != nil {
		return c, colErr("from_address", err)
	}
	if strings.TrimSpace(row[r.col.to]) != "" {
		if c.to, err = walletKey(row[r.col.to]); err != nil {
			return c, colErr("to_address", err)
		}
	}
	if c.value, err = parseUint(row[r.col.value]); err != nil {
		return c, colErr("value", err)
	}
	if r.col.timestamp >= 0 {
		if c.time, err = ParseTime(row[r.col.timestamp]); err != nil {
			return c, colErr("block_timestamp", err)
		}
	}
	if r.col.block >= 0 && strings.TrimSpace(row[r.col.block]) != "" {
		if c.block, err = parseInt(row[r.col.block]); err != nil {
			return c, colErr("block_number", err)
		}
		c.haveBlock = true
	}
	if r.col.illustrative >= 0 {
		if c.illustrative, err = parseFlag(row[r.col.illustrative]); err != nil {
			return c, colErr("illustrative", err)
		}
	}
	return c, nil
}

// parseFlag reads the illustrative column: true, false or empty (false).
func parseFlag(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true":
		return true, nil
	case "false", "":
		return false, nil
	}
	return false, fmt.Errorf("%q: want true, false or empty", s)
}

func (r *Reader) transaction(row []string, out *converted) error {
	c, err := r.common(row, r.col.hash, "hash")
	if err != nil {
		return err
	}
	failed := false
	if r.col.status >= 0 {
		switch s := strings.TrimSpace(row[r.col.status]); s {
		case "0":
			failed = true
		case "1", "":
		default:
			return colErr("receipt_status", fmt.Errorf("%q: want 0, 1 or empty", s))
		}
	}
	switch {
	case c.to == "":
		out.skip = SkipContractCreation
		return nil
	case failed:
		out.skip = SkipFailed
		return nil
	case c.value.Sign() == 0:
		out.skip = SkipZeroValue
		return nil
	}
	props := graph.Props{"valueRaw": c.value.String()}
	if c.haveBlock {
		props["blockNumber"] = c.block
	}
	return r.transfer(c, out, c.hash, "ETH", r.scale(c.value, 18), props)
}

func (r *Reader) tokenTransfer(row []string, out *converted) error {
	token, err := normalizeEVM(row[r.col.token])
	if err != nil {
		return colErr("token_address", err)
	}
	c, err := r.common(row, r.col.txHash, "transaction_hash")
	if err != nil {
		return err
	}
	if c.to == "" {
		return colErr("to_address", errors.New("missing: a token transfer has a recipient"))
	}
	logIndex, err := parseInt(row[r.col.logIndex])
	if err != nil {
		return colErr("log_index", err)
	}
	if c.value.Sign() == 0 {
		out.skip = SkipZeroValue
		return nil
	}
	props := graph.Props{"valueRaw": c.value.String(), "tokenAddress": token, "logIndex": logIndex}
	if c.haveBlock {
		props["blockNumber"] = c.block
	}
	asset, amount := "ERC20:"+strings.ToUpper(token), 0.0
	if t, ok := r.tokens[token]; ok && t.Symbol != "" && t.Decimals >= 0 && t.Decimals <= maxDecimals {
		asset, amount = t.Symbol, r.scale(c.value, t.Decimals)
	} else {
		amount = r.scale(c.value, 0)
	}
	return r.transfer(c, out, c.hash+":"+strconv.FormatInt(logIndex, 10), asset, amount, props)
}

// sources is the source list of a record of this file.
func (r *Reader) sources(record string, illustrative bool) []graph.Source {
	return []graph.Source{{Dataset: r.dataset, Record: record, Confidence: graph.ConfidenceOwnership, Marking: graph.TLPClear,
		Illustrative: illustrative}}
}

// transfer makes the row's TRANSFER edge, prepared; emit queues it after
// the wallets it joins.
func (r *Reader) transfer(c common, out *converted, key, asset string, amount float64, props graph.Props) error {
	e := &graph.Edge{
		Kind: graph.EdgeTransfer, From: "wallet:" + c.from, To: "wallet:" + c.to, Key: key,
		Amount: amount, Asset: asset, Time: c.time, TxHash: c.hash, Props: props, Sources: r.sources(key, c.illustrative),
	}
	// The endpoints are IDs of normalised wallet keys (walletKey).
	p, err := graph.SealEdge(e, true, true)
	if err != nil {
		return err
	}
	out.from, out.to, out.illustrative, out.edge, out.proof = c.from, c.to, c.illustrative, e, p
	return nil
}

// emit queues the wallets of a converted row not yet emitted, then its
// TRANSFER edge. Rows are emitted in order: which wallets are new
// depends on the rows before.
func (r *Reader) emit(cv *converted) error {
	for _, w := range [2]string{cv.from, cv.to} {
		if _, ok := r.seen[w]; ok {
			continue
		}
		n := &graph.Node{Kind: graph.KindWallet, Key: w, Sources: r.sources(w, cv.illustrative)}
		// w came out of walletKey, normalised: not normalised again.
		p, err := graph.SealNode(n, func(id string) bool { return strings.TrimPrefix(id, "wallet:") == w })
		if err != nil {
			r.queue.Reset()
			return rowError(err, cv.pos)
		}
		if len(r.seen) >= maxSeen {
			clear(r.seen)
		}
		r.seen[w] = struct{}{}
		r.queue.Push(ingest.Record{Node: n, Pos: cv.pos, Prepared: p})
	}
	r.queue.Push(ingest.Record{Edge: cv.edge, Pos: cv.pos, Prepared: cv.proof})
	return nil
}

// scale returns v / 10^decimals as the nearest float64: exact rational
// arithmetic, rounded once, so that 1 wei is 1e-18 and not a float
// product's rounding error.
func (r *Reader) scale(v *big.Int, decimals int) float64 {
	if decimals == 0 {
		f, _ := new(big.Float).SetInt(v).Float64()
		return f
	}
	f, _ := new(big.Rat).SetFrac(v, r.pow10[decimals]).Float64()
	return f
}

func walletKey(addr string) (string, error) {
	a, err := normalizeEVM(addr)
	if err != nil {
		return "", err
	}
	return "eth:" + a, nil
}

func normalizeEVM(addr string) (string, error) {
	a := strings.TrimSpace(addr)
	if a == "" {
		return "", errors.New("missing address")
	}
	return graph.NormalizeAddress("ETH", a)
}

// parseHash accepts 0x and 64 hex digits, in any case, and lower-cases it.
func parseHash(s string) (string, error) {
	h := strings.ToLower(strings.TrimSpace(s))
	if h == "" {
		return "", errors.New("missing transaction hash")
	}
	if len(h) != 66 || !strings.HasPrefix(h, "0x") || !isHex(h[2:]) {
		return "", fmt.Errorf("%q is not a transaction hash (0x and 64 hex digits)", s)
	}
	return h, nil
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// maxDigits bounds an amount: 2^256 (the EVM word) has 78 digits.
const maxDigits = 78

func parseUint(s string) (*big.Int, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return nil, errors.New("missing")
	}
	if len(t) > maxDigits || !allDigits(t) {
		return nil, fmt.Errorf("%q is not a non-negative integer", truncate(s))
	}
	v, _ := new(big.Int).SetString(t, 10) // all digits: cannot fail
	return v, nil
}

func parseInt(s string) (int64, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, errors.New("missing")
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 || !allDigits(t) {
		return 0, fmt.Errorf("%q is not a non-negative integer", truncate(s))
	}
	return n, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// maxUnix is 9999-12-31T23:59:59Z: later instants have no RFC 3339 form.
const maxUnix = 253402300799

// timeLayouts are the forms block_timestamp takes: ethereum-etl's and
// BigQuery's exports, and RFC 3339.
var timeLayouts = [...]string{
	"2006-01-02 15:04:05 UTC",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05Z07",
	time.RFC3339Nano,
}

// ParseTime reads a block timestamp: unix seconds, "2018-01-26 02:57:00
// UTC" (fractional seconds allowed), "2018-01-26 02:57:00+00" or RFC 3339.
// Empty is the zero time. The result is in UTC.
func ParseTime(s string) (time.Time, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return time.Time{}, nil
	}
	if allDigits(t) {
		n, err := strconv.ParseInt(t, 10, 64)
		if err != nil || n > maxUnix {
			return time.Time{}, fmt.Errorf("%q is out of range for unix seconds", truncate(s))
		}
		return time.Unix(n, 0).UTC(), nil
	}
	for _, layout := range timeLayouts {
		if v, err := time.Parse(layout, t); err == nil {
			if v = v.UTC(); v.Year() >= 1 && v.Year() <= 9999 {
				return v, nil
			}
		}
	}
	return time.Time{}, fmt.Errorf("%q is neither unix seconds, \"2006-01-02 15:04:05 UTC\" nor RFC 3339", truncate(s))
}
