// Package ofaccsv reads OFAC's Specially Designated Nationals list in its
// legacy CSV form and in the derived address lists that circulate with it
// (header CSVs, the per-currency lists, a JSON parse of SDN.XML). Every
// variant is told apart by its content, so one format name, "ofac-csv",
// loads them all. FORMAT.md describes what each variant becomes.
package ofaccsv

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/ingest"
)

// FormatName is the name of this format on the command line and the prefix
// of its datasets.
const FormatName = "ofac-csv"

// File returns a Source reading the OFAC file at path.
func File(path string) ingest.Source { return ingest.File(path, Format) }

// FileFrom is File opening the file through o (nil: ingest.OSFiles).
func FileFrom(o ingest.Opener, path string) ingest.Source { return ingest.FileFrom(o, path, Format) }

// Bytes returns a Source reading OFAC data from data; name is used in error
// reports and, for the per-currency address lists, tells the currency.
func Bytes(name string, data []byte) ingest.Source { return ingest.Bytes(name, data, Format) }

// Format is the ingest.Format of every OFAC variant: it detects which one r
// holds from its first bytes.
func Format(r io.Reader, name string) ingest.Reader { return NewReader(r, name) }

// AddressListFormat returns the format of a plain address list (one address
// a line, or a JSON array of addresses) in currency ticker, for lists whose
// file name does not say the currency (stdin, say).
func AddressListFormat(ticker string) ingest.Format {
	return func(r io.Reader, name string) ingest.Reader {
		rd := newReader(r, name)
		rd.ticker = strings.ToUpper(strings.TrimSpace(ticker))
		return rd
	}
}

// Reader yields the records of one OFAC file.
type Reader struct {
	r       *bufio.Reader
	em      *emitter
	ticker  string       // currency of a plain address list
	fill    func() error // reads the next input record into em.queue; io.EOF at the end
	started bool
	err     error // sticky: io.EOF or a read error
}

// NewReader returns a Reader of r; name is the file name in error reports.
func NewReader(r io.Reader, name string) *Reader { return newReader(r, name) }

func newReader(r io.Reader, name string) *Reader {
	return &Reader{r: bufio.NewReaderSize(r, 64<<10), em: &emitter{
		file: name, dataset: FormatName + ":" + filepath.Base(name),
	}}
}

// Next returns the next record, a *ingest.RecordError for a record that
// cannot be loaded (call Next again to go on), io.EOF at the end, or an
// error that ends the file (unreadable, or not an OFAC variant). Records
// are returned prepared (graph.PrepareNode/PrepareEdge).
func (r *Reader) Next() (ingest.Record, error) { return r.em.queue.Next(r.next) }

// next detects the variant, then reads one input record a call. Its error
// (io.EOF at the end) sticks, and is returned once what was queued before
// it has been.
func (r *Reader) next() error {
	if r.err != nil {
		return r.err
	}
	if !r.started {
		r.started = true
		r.err = r.detect()
	} else {
		r.err = r.fill()
	}
	return nil
}

// detect picks the variant from the first bytes and sets r.fill.
func (r *Reader) detect() error {
	if b, err := r.r.Peek(3); err == nil && bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		r.r.Discard(3) //nolint:errcheck // peeked
	}
	first, err := r.firstByte()
	if err != nil {
		return err
	}
	switch first {
	case '{':
		return r.startSDNJSON()
	case '[':
		return r.startListJSON()
	}
	line, _ := r.r.Peek(4096)
	if i := bytes.IndexAny(line, "\r\n"); i >= 0 {
		line = line[:i]
	}
	head := strings.ToLower(strings.TrimSpace(string(line)))
	cols := strings.Split(head, ",")
	switch {
	case isDigits(strings.Trim(cols[0], `"`)) && len(cols) > 1:
		return r.startSDN(false)
	case hasColumns(cols, "sdn_uid", "sdn_name", "sdn_type", "programs", "remarks"):
		return r.startSDN(true)
	case hasColumns(cols, "sdn_uid", "sdn_name", "sdn_type", "programs", "currency", "address"):
		return r.startAddresses()
	case hasColumns(cols, "src_uid", "src_name", "dst_name", "dst_uid"):
		return r.startLinked()
	case hasColumns(cols, "sdn_uid", "sdn_name", "currency", "address_lower", "address_case_recovered"):
		return r.startAttributed()
	case hasColumns(cols, "address", "name"):
		return r.startNamedList()
	case len(cols) == 1 && head != "":
		return r.startListText()
	}
	return graph.Errorf(graph.CodeInvalid, "not an OFAC file this format knows: first line %q (see ingest/ofaccsv/FORMAT.md)", truncate(head, 80))
}

func (r *Reader) firstByte() (byte, error) {
	for {
		b, err := r.r.ReadByte()
		if err != nil {
			if err == io.EOF {
				return 0, io.EOF
			}
			return 0, fmt.Errorf("read: %w", err)
		}
		if b != ' ' && b != '\t' && b != '\r' && b != '\n' {
			return b, r.r.UnreadByte()
		}
	}
}

func hasColumns(cols []string, want ...string) bool {
	for _, w := range want {
		if !slices.Contains(cols, w) {
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// listTicker reads the currency from a name like
// sanctioned_addresses_XBT.txt, the naming of the per-currency lists.
var listName = regexp.MustCompile(`(?i)sanctioned_addresses_([A-Z0-9]+)\.(?:txt|json)$`)

func (r *Reader) listTicker() (string, error) {
	if r.ticker != "" {
		return r.ticker, nil
	}
	if m := listName.FindStringSubmatch(filepath.Base(r.em.file)); m != nil {
		return strings.ToUpper(m[1]), nil
	}
	return "", graph.Errorf(graph.CodeInvalid, "a plain address list does not say its currency: name it sanctioned_addresses_<TICKER>.txt")
}

// emitter builds prepared records with this file's provenance and queues
// them, or their rejections, for Next.
type emitter struct {
	file, dataset string
	retrievedAt   time.Time // when the file says it was made, if it does
	queue         ingest.Queue
}

// source is the provenance of a fact from record rec of this file.
func (e *emitter) source(rec, url, excerpt string) []graph.Source {
	return []graph.Source{{
		Dataset: e.dataset, Record: rec, URL: url, Excerpt: excerpt, RetrievedAt: e.retrievedAt,
		Confidence: graph.ConfidenceAuthority, Marking: graph.TLPClear,
	}}
}

func (e *emitter) node(pos ingest.Pos, field string, n *graph.Node) bool {
	if err := graph.PrepareNode(n); err != nil {
		e.reject(pos, n.ID, field, err)
		return false
	}
	e.queue.Push(ingest.Record{Node: n, Pos: pos})
	return true
}

func (e *emitter) edge(pos ingest.Pos, field string, ed *graph.Edge) {
	if err := graph.PrepareEdge(ed); err != nil {
		e.reject(pos, ed.ID, field, err)
		return
	}
	e.queue.Push(ingest.Record{Edge: ed, Pos: pos})
}

func (e *emitter) reject(pos ingest.Pos, id, field string, err error) {
	e.queue.Reject(&ingest.RecordError{Pos: pos, ID: id, Field: field, Err: err})
}

// searchURL is OFAC's page for one SDN entry.
func searchURL(entNum string) string {
	return "https://sanctionssearch.ofac.treas.gov/Details.aspx?id=" + entNum
}

// SDN entries and their designations, keyed as ingest/CONVENTIONS.md says.
func entityKind(sdnType string) (graph.NodeKind, string) {
	t := strings.ToLower(strings.TrimSpace(sdnType))
	switch t {
	case "individual":
		return graph.KindPerson, t
	case "", "-0-":
		return graph.KindOrganization, "entity" // the legacy CSV leaves entities' type null
	}
	return graph.KindOrganization, t // entity, vessel, aircraft
}

func entityID(kind graph.NodeKind, entNum string) string {
	id, _, _ := graph.NodeID(kind, "ofac-sdn-"+entNum) // a digit string always makes a valid slug
	return id
}

func sanctionID(entNum string) string { return "sanction:ofac-" + entNum }

// listSanctionID is the SDN list as a whole: the designation of addresses
// that a list gives without saying whose they are.
const listSanctionID = "sanction:ofac-sdn-list"

// sanctionNode is the designation of SDN entry entNum, labelled with
// whom it designates and under which programs (SanctionLabel). Files
// spell names differently ("YAN, Xiaobing", "Xiaobing YAN"); the store's
// merge keeps one label by a fixed rule whatever the load order, and the
// other among the aliases. Files that name an entry without giving its
// entity add props.sdnName through extra.
func (e *emitter) sanctionNode(pos ingest.Pos, entNum, name string, programs []string, extra graph.Props, rec string) bool {
	props := graph.Props{"authority": "OFAC", "list": "SDN", "entNum": entNum}
	if len(programs) > 0 {
		props["programs"] = programs
	}
	for k, v := range extra {
		props[k] = v
	}
	return e.node(pos, "", &graph.Node{
		Kind: graph.KindSanction, Key: "ofac-" + entNum, Label: SanctionLabel(entNum, name, programs),
		Props: props, Sources: e.source(rec, searchURL(entNum), ""),
	})
}

func (e *emitter) listSanctionNode(pos ingest.Pos, rec string) {
	e.node(pos, "", &graph.Node{
		Kind: graph.KindSanction, Key: "ofac-sdn-list", Label: "OFAC SDN list",
		Props:   graph.Props{"authority": "OFAC", "list": "SDN"},
		Sources: e.source(rec, "https://sanctionssearch.ofac.treas.gov/", ""),
	})
}

// SanctionLabel is the label of the designation of SDN entry entNum: whom
// it designates and under which programs ("OFAC SDN: LAZARUS GROUP
// (DPRK3)"), or the entry number when the file does not name it. The ftm
// format labels OFAC designations the same.
func SanctionLabel(entNum, name string, programs []string) string {
	name = strings.Join(strings.Fields(name), " ")
	switch {
	case name == "":
		return "OFAC SDN #" + entNum
	case len(programs) == 0:
		return "OFAC SDN: " + name
	}
	return "OFAC SDN: " + name + " (" + strings.Join(programs, ", ") + ")"
}

// programs splits an SDN program field: the legacy CSV joins programs with
// "] [", the derived files with "|" or ", ". They are sorted so that two
// files listing them in another order agree.
func splitPrograms(s string) []string {
	s = strings.NewReplacer("] [", "|", ", ", "|", ";", "|").Replace(s)
	var out []string
	for p := range strings.SplitSeq(s, "|") {
		p = strings.Trim(strings.TrimSpace(p), "[]")
		if p != "" && p != "-0-" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// wallet validates a listed address and returns its wallet node, or the
// reason it cannot be loaded.
func (e *emitter) wallet(currency, address, rec, excerpt string) (*graph.Node, error) {
	key, _, err := graph.WalletKey(currency, address)
	if err != nil {
		return nil, err
	}
	n := &graph.Node{Kind: graph.KindWallet, Key: key, Sources: e.source(rec, "", excerpt)}
	if err := graph.PrepareNode(n); err != nil {
		return nil, err
	}
	return n, nil
}

// errCaseLost says why a lower-cased address is refused.
var errCaseLost = errors.New("the address was lower-cased upstream and its case not recovered")

// checkLowercased decides whether an address known to have been lower-cased
// can still be trusted: only when the chain's canonical form is lower-case
// and Redthread validates the chain (EVM hex, bech32, CashAddr). A
// lower-cased base58 address fails its checksum; one of a chain Redthread
// cannot validate (XMR, SOL…) would load under a wrong key, so it is
// refused too. Nothing is "fixed" by guessing its case.
func checkLowercased(currency, address string) error {
	key, _, err := graph.WalletKey(currency, address)
	if err != nil {
		return fmt.Errorf("%w: %v", errCaseLost, err)
	}
	chain, _, _ := strings.Cut(key, ":")
	if !validated(chain) {
		return fmt.Errorf("%w: %s addresses are case-sensitive and Redthread cannot check this one, so it is refused rather than stored under a wrong key", errCaseLost, strings.ToUpper(chain))
	}
	return nil
}

// validated reports whether graph.NormalizeAddress checks addresses of
// chain: for chains it has no validator for it accepts anything, even "1".
func validated(chain string) bool {
	_, err := graph.NormalizeAddress(chain, "1")
	return err != nil
}
