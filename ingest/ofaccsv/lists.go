package ofaccsv

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/ingest"
)

// rows runs each for every row of t, queueing malformed rows as
// rejections.
func (r *Reader) rows(t *table, each func(row []string, pos ingest.Pos)) func() error {
	return func() error {
		row, pos, err := t.row()
		var re *ingest.RecordError
		switch {
		case errors.As(err, &re):
			r.em.queue.Reject(re)
		case err != nil:
			return err
		default:
			each(row, pos)
		}
		return nil
	}
}

// once reports whether key is seen for the first time: entities and
// designations repeat on every address row, and are emitted once per file.
type once map[string]bool

func (o once) first(key string) bool {
	if o[key] {
		return false
	}
	o[key] = true
	return true
}

// startAddresses reads ofac_sdn_<date>_crypto_addresses.csv:
// sdn_uid,sdn_name,sdn_type,programs,currency,address. With the SDN type
// given, it yields what the SDN CSV yields for the entry's addresses.
func (r *Reader) startAddresses() error {
	t, err := r.newTable(true)
	if err != nil {
		return err
	}
	em, seen := r.em, once{}
	r.fill = r.rows(t, func(row []string, pos ingest.Pos) {
		uid, name := t.get(row, "sdn_uid"), t.get(row, "sdn_name")
		if !isDigits(uid) {
			em.reject(pos, "", "sdn_uid", fmt.Errorf("%q is not an SDN entry number", uid))
			return
		}
		kind, sdnType := entityKind(t.get(row, "sdn_type"))
		id, url := entityID(kind, uid), searchURL(uid)
		programs := splitPrograms(t.get(row, "programs"))
		if seen.first(uid) {
			props := graph.Props{"sdnType": sdnType, "entNum": uid}
			if len(programs) > 0 {
				props["programs"] = programs
			}
			if !em.node(pos, "sdn_name", &graph.Node{Kind: kind, Key: "ofac-sdn-" + uid, Label: name, Props: props,
				Sources: em.source(uid, url, "")}) || !em.sanctionNode(pos, uid, name, programs, nil, uid) {
				return
			}
			em.edge(pos, "", &graph.Edge{Kind: graph.EdgeSanctionedBy, From: id, To: sanctionID(uid), Sources: em.source(uid, url, "")})
		}
		cur, addr := t.get(row, "currency"), t.get(row, "address")
		excerpt := "Digital Currency Address - " + cur + " " + addr
		w, err := em.wallet(cur, addr, uid, excerpt)
		if err != nil {
			em.reject(pos, "", "address", err)
			return
		}
		em.queue.Push(ingest.Record{Node: w, Pos: pos})
		em.edge(pos, "", &graph.Edge{Kind: graph.EdgeControls, From: id, To: w.ID,
			Props: graph.Props{"currency": strings.ToUpper(cur)}, Sources: em.source(uid, url, excerpt)})
		em.edge(pos, "", &graph.Edge{Kind: graph.EdgeSanctionedBy, From: w.ID, To: sanctionID(uid), Sources: em.source(uid, url, excerpt)})
	})
	return nil
}

// startLinked reads ofac_sdn_<date>_linked_to_edges.csv:
// src_uid,src_name,src_programs,dst_name,dst_uid. The file does not say
// whether an entry is a person or an organization, which an entity's node
// ID needs, so the relation joins the two designations (SANCTION nodes),
// which need no kind; the SDN CSV itself yields the entity-level edge.
func (r *Reader) startLinked() error {
	t, err := r.newTable(true)
	if err != nil {
		return err
	}
	em, seen := r.em, once{}
	r.fill = r.rows(t, func(row []string, pos ingest.Pos) {
		src, dst := t.get(row, "src_uid"), t.get(row, "dst_uid")
		srcName, dstName := t.get(row, "src_name"), t.get(row, "dst_name")
		if !isDigits(src) {
			em.reject(pos, "", "src_uid", fmt.Errorf("%q is not an SDN entry number", src))
			return
		}
		if dst == "" {
			em.reject(pos, "", "dst_uid", fmt.Errorf("the Linked To target %q was not resolved to an SDN entry (empty dst_uid); the edge is left out", dstName))
			return
		}
		if !isDigits(dst) {
			em.reject(pos, "", "dst_uid", fmt.Errorf("%q is not an SDN entry number", dst))
			return
		}
		if seen.first(src) && !em.sanctionNode(pos, src, srcName, splitPrograms(t.get(row, "src_programs")), named(srcName, nil), src) {
			return
		}
		if seen.first(dst) && !em.sanctionNode(pos, dst, dstName, nil, named(dstName, nil), src) {
			return
		}
		em.edge(pos, "", &graph.Edge{Kind: graph.EdgeAssociatedWith, From: sanctionID(src), To: sanctionID(dst),
			Props:   graph.Props{"relation": "linked to"},
			Sources: em.source(src, searchURL(src), "Linked To: "+dstName)})
	})
	return nil
}

// startAttributed reads ofac_sdn_<date>_crypto_addresses_attributed.csv:
// sdn_uid,sdn_name,programs,currency,address_lower,address_case_recovered,
// case_source,akas. Without the SDN type, addresses are tied to the
// designation (wallet SANCTIONED_BY sanction), not to the entity.
func (r *Reader) startAttributed() error {
	t, err := r.newTable(true)
	if err != nil {
		return err
	}
	em, seen := r.em, once{}
	r.fill = r.rows(t, func(row []string, pos ingest.Pos) {
		uid, name := t.get(row, "sdn_uid"), t.get(row, "sdn_name")
		if !isDigits(uid) {
			em.reject(pos, "", "sdn_uid", fmt.Errorf("%q is not an SDN entry number", uid))
			return
		}
		cur := t.get(row, "currency")
		addr, field := t.get(row, "address_case_recovered"), "address_case_recovered"
		if addr == "" {
			addr, field = t.get(row, "address_lower"), "address_lower"
			if err := checkLowercased(cur, addr); err != nil {
				em.reject(pos, "", field, fmt.Errorf("%s %s (case_source %s): %w", cur, addr, t.get(row, "case_source"), err))
				return
			}
		}
		if seen.first(uid) && !r.designation(pos, uid, name, t.get(row, "programs"), splitList(t.get(row, "akas"), "|")) {
			return
		}
		r.listedWallet(pos, field, cur, addr, uid, sanctionID(uid), searchURL(uid))
	})
	return nil
}

// designation queues the SANCTION node of an entry known by name only.
func (r *Reader) designation(pos ingest.Pos, uid, name, programs string, akas []string) bool {
	return r.em.sanctionNode(pos, uid, name, splitPrograms(programs), named(name, akas), uid)
}

// named is the props of a designation known by name only.
func named(name string, akas []string) graph.Props {
	p := graph.Props{}
	if name != "" {
		p["sdnName"] = name
	}
	if len(akas) > 0 {
		p["sdnAliases"] = akas
	}
	return p
}

// listedWallet queues a wallet and its SANCTIONED_BY edge to sanction.
func (r *Reader) listedWallet(pos ingest.Pos, field, cur, addr, rec, sanction, url string) *graph.Node {
	em := r.em
	excerpt := "Digital Currency Address - " + cur + " " + addr
	w, err := em.wallet(cur, addr, rec, excerpt)
	if err != nil {
		em.reject(pos, "", field, err)
		return nil
	}
	em.queue.Push(ingest.Record{Node: w, Pos: pos})
	em.edge(pos, "", &graph.Edge{Kind: graph.EdgeSanctionedBy, From: w.ID, To: sanction, Sources: em.source(rec, url, excerpt)})
	return w
}

func splitList(s, sep string) []string {
	var out []string
	for v := range strings.SplitSeq(s, sep) {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// startNamedList reads address,name: every EVM address on the SDN list
// with its SDN name, but no entry number. A name is not a key (several
// entries share one, and "LAZARUS GROUP" here is an SDN entry, not the
// threat group node), so the name stays on the wallet as its label and
// props.sdnName, and the wallet is tied to the list as a whole.
func (r *Reader) startNamedList() error {
	t, err := r.newTable(true)
	if err != nil {
		return err
	}
	em := r.em
	listed := false
	r.fill = r.rows(t, func(row []string, pos ingest.Pos) {
		addr, name := t.get(row, "address"), t.get(row, "name")
		if !listed {
			em.listSanctionNode(pos, "list")
			listed = true
		}
		key, _, err := graph.WalletKey("ETH", addr)
		if err != nil {
			em.reject(pos, "", "address", err)
			return
		}
		rec := strings.TrimPrefix(key, "eth:")
		w := &graph.Node{Kind: graph.KindWallet, Key: key, Label: name, Sources: em.source(rec, "", "")}
		if name != "" {
			w.Props = graph.Props{"sdnName": name}
		}
		if !em.node(pos, "name", w) {
			return
		}
		em.edge(pos, "", &graph.Edge{Kind: graph.EdgeSanctionedBy, From: w.ID, To: listSanctionID, Sources: em.source(rec, "", "")})
	})
	return nil
}

// startListText reads a plain list, one address a line, in the currency
// the file name gives.
func (r *Reader) startListText() error {
	ticker, err := r.listTicker()
	if err != nil {
		return err
	}
	lines, listed := ingest.NewLines(r.r, r.em.file, ingest.MaxRecordBytes), false
	lines.Comment = "#"
	r.fill = func() error {
		s, err := lines.Next()
		var re *ingest.RecordError
		switch {
		case errors.As(err, &re):
			r.em.queue.Reject(re)
			return nil
		case err != nil:
			return err
		}
		addr, pos := string(s), lines.Pos()
		if !listed {
			r.em.listSanctionNode(pos, "list")
			listed = true
		}
		r.listedWallet(pos, "", ticker, addr, ticker+":"+addr, listSanctionID, "")
		return nil
	}
	return nil
}

// startListJSON reads a JSON array of addresses in the currency the file
// name gives.
func (r *Reader) startListJSON() error {
	ticker, err := r.listTicker()
	if err != nil {
		return err
	}
	lines := &lineTracker{r: r.r}
	budget := ingest.NewBudgetReader(lines, ingest.MaxRecordBytes, "a value")
	dec := json.NewDecoder(budget)
	if _, err := dec.Token(); err != nil {
		return jsonFailure(err, 1)
	}
	listed := false
	r.fill = func() error {
		budget.Reset()
		if !dec.More() {
			return io.EOF
		}
		var addr string
		err := dec.Decode(&addr)
		pos := ingest.Pos{File: r.em.file, Line: lines.lineAt(dec.InputOffset())} // where the value ends
		if err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				r.em.reject(pos, "", "", fmt.Errorf("want an address string, got a JSON %s", te.Value))
				return nil
			}
			return jsonFailure(err, pos.Line)
		}
		if !listed {
			r.em.listSanctionNode(pos, "list")
			listed = true
		}
		r.listedWallet(pos, "", ticker, strings.TrimSpace(addr), ticker+":"+strings.TrimSpace(addr), listSanctionID, "")
		return nil
	}
	return nil
}

// sdnJSON is the thomasgregg/crypto-sanctions-list parse of SDN.XML.
type sdnJSONEntry struct {
	Entity  string   `json:"entity"`
	Program string   `json:"program"`
	Type    string   `json:"type"`
	UID     string   `json:"uid"`
	Akas    []string `json:"akas"`
}

type sdnJSONAddress struct {
	Type    string         `json:"type"`
	Entries []sdnJSONEntry `json:"entries"`
}

// startSDNJSON reads {metadata, addresses:{<address>:{type, entries}}},
// one address at a time. Its parser lower-cased every address, so each is
// checked as a lower-cased address (see checkLowercased).
func (r *Reader) startSDNJSON() error {
	lines := &lineTracker{r: r.r}
	budget := ingest.NewBudgetReader(lines, ingest.MaxRecordBytes, "a value")
	dec := json.NewDecoder(budget)
	at := func() int { return lines.lineAt(dec.InputOffset()) }
	if _, err := dec.Token(); err != nil {
		return jsonFailure(err, 1)
	}
	seen := once{}
	inAddresses := false
	r.fill = func() error {
		budget.Reset()
		if inAddresses {
			if dec.More() {
				return r.sdnJSONAddress(dec, lines, seen)
			}
			if _, err := dec.Token(); err != nil { // closing '}' of addresses
				return jsonFailure(err, at())
			}
			inAddresses = false
		}
		if !dec.More() {
			return io.EOF
		}
		tok, err := dec.Token()
		if err != nil {
			return jsonFailure(err, at())
		}
		switch tok {
		case "metadata":
			var md struct {
				LastUpdated string `json:"lastUpdated"`
			}
			if err := dec.Decode(&md); err != nil {
				return jsonFailure(err, at())
			}
			if t, err := time.Parse(time.RFC3339Nano, md.LastUpdated); err == nil {
				r.em.retrievedAt = t.UTC()
			}
		case "addresses":
			if d, err := dec.Token(); err != nil || d != json.Delim('{') {
				return graph.Errorf(graph.CodeInvalid, "line %d: addresses: want an object of addresses", at())
			}
			inAddresses = true
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return jsonFailure(err, at())
			}
		}
		return nil
	}
	return nil
}

// jsonFailure is the error that ends a JSON file at line, in words (the
// decoder's error is kept as the cause, for the log).
func jsonFailure(err error, line int) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case ingest.IsTooLarge(err):
		return graph.WrapError(graph.CodeLimit, err, "line %d: %s; the rest of the file cannot be read", line, graph.ErrorMessage(err))
	case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF):
		return graph.WrapError(graph.CodeInvalid, err, "the JSON ends before it is complete, after line %d", line)
	case errors.As(err, &syn):
		return graph.WrapError(graph.CodeInvalid, err, "invalid JSON at line %d", line)
	case errors.As(err, &typ):
		return graph.WrapError(graph.CodeInvalid, err, "line %d: want %s, got a JSON %s", line, typ.Type, typ.Value)
	}
	return fmt.Errorf("read: %w", err)
}

func (r *Reader) sdnJSONAddress(dec *json.Decoder, lines *lineTracker, seen once) error {
	em := r.em
	tok, err := dec.Token()
	if err != nil {
		return jsonFailure(err, lines.lineAt(dec.InputOffset()))
	}
	addr, _ := tok.(string)
	pos := ingest.Pos{File: em.file, Line: lines.lineAt(dec.InputOffset())}
	field := fmt.Sprintf("addresses[%q]", ingest.Excerpt(addr, ingest.MaxExcerpt))
	var a sdnJSONAddress
	if err := dec.Decode(&a); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			em.reject(pos, "", field, fmt.Errorf("want {type, entries}: %v", err))
			return nil
		}
		return jsonFailure(err, pos.Line)
	}
	cur, ok := strings.CutPrefix(a.Type, "Digital Currency Address - ")
	if !ok || cur == "" {
		em.reject(pos, "", field+".type", fmt.Errorf("%q does not name a currency (want \"Digital Currency Address - <TICKER>\")", a.Type))
		return nil
	}
	if err := checkLowercased(cur, addr); err != nil {
		em.reject(pos, "", field, fmt.Errorf("%s %s: %w (this file's parser lower-cased every address)", cur, addr, err))
		return nil
	}
	if len(a.Entries) == 0 {
		em.reject(pos, "", field+".entries", errors.New("no SDN entry lists this address"))
		return nil
	}
	for i, e := range a.Entries {
		if !isDigits(e.UID) {
			em.reject(pos, "", fmt.Sprintf("%s.entries[%d].uid", field, i), fmt.Errorf("%q is not an SDN entry number", e.UID))
			continue
		}
		if seen.first(e.UID) && !r.designation(pos, e.UID, e.Entity, e.Program, e.Akas) {
			continue
		}
		r.listedWallet(pos, field, cur, addr, e.UID, sanctionID(e.UID), searchURL(e.UID))
	}
	return nil
}

// lineTracker counts lines in what a json.Decoder reads, so that records
// can be reported by line. It keeps only the newlines the decoder has read
// ahead of the last position asked for: memory stays bounded by the
// decoder's buffer.
type lineTracker struct {
	r    *bufio.Reader
	read int64   // bytes read so far
	nl   []int64 // offsets of newlines not yet passed
	line int     // 1-based line of the last position asked for
}

func (l *lineTracker) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for i, c := range p[:n] {
		if c == '\n' {
			l.nl = append(l.nl, l.read+int64(i))
		}
	}
	l.read += int64(n)
	return n, err
}

// lineAt returns the line of byte offset off; offsets must not decrease.
func (l *lineTracker) lineAt(off int64) int {
	i := 0
	for i < len(l.nl) && l.nl[i] < off {
		i++
	}
	l.line += i
	l.nl = l.nl[i:]
	return l.line + 1
}
