package ofaccsv

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/ingest"
)

// legacyColumns are the 12 columns of the legacy SDN CSV, which has no
// header; the derived entities CSV names the same columns.
var legacyColumns = []string{"ent_num", "sdn_name", "sdn_type", "program", "title", "call_sign",
	"vess_type", "tonnage", "grt", "vess_flag", "vess_owner", "remarks"}

// RemarksCap is where OFAC cuts the Remarks column: whatever was after it,
// addresses included, is lost.
const RemarksCap = 1000

// sdnEntry is one SDN row, with the columns named as in the legacy CSV.
type sdnEntry struct {
	entNum, name, sdnType, programs, title, remarks string
	vessel                                          map[string]string
	pos                                             ingest.Pos
}

// linkedTo is a "Linked To:" relation waiting for the end of the file,
// when every name in it is known.
type linkedTo struct {
	from, entNum, name string
	truncated          bool
	pos                ingest.Pos
}

// sdnState resolves "Linked To:" names among the file's entries: it keeps
// one ID per name and the pending relations, bounded by the list's size.
type sdnState struct {
	names   map[string][]string // exact SDN name → entity IDs
	pending []linkedTo
	field   func(string) string // column name as the file spells it, for reports
}

func (r *Reader) startSDN(header bool) error {
	t, err := r.newTable(header)
	if err != nil {
		return err
	}
	if !header {
		t.ncols = len(legacyColumns)
		t.cols = map[string]int{}
		for i, c := range legacyColumns {
			t.cols[c] = i
		}
	}
	st := &sdnState{names: map[string][]string{}, field: func(c string) string {
		if header {
			return map[string]string{"ent_num": "sdn_uid", "sdn_name": "sdn_name", "remarks": "remarks"}[c]
		}
		return map[string]string{"ent_num": "ent_num", "sdn_name": "SDN_Name", "remarks": "Remarks"}[c]
	}}
	uid, prog := "ent_num", "program"
	if header {
		uid, prog = "sdn_uid", "programs"
	}
	r.fill = func() error {
		row, pos, err := t.row()
		if err == io.EOF {
			if st.pending == nil && st.names == nil {
				return io.EOF
			}
			r.resolveLinks(st)
			st.pending, st.names = nil, nil
			return nil
		}
		if err != nil {
			var re *ingest.RecordError
			if errors.As(err, &re) {
				r.em.queue.Reject(re)
				return nil
			}
			return err
		}
		e := sdnEntry{
			entNum: t.get(row, uid), name: t.get(row, "sdn_name"), sdnType: t.get(row, "sdn_type"),
			programs: t.get(row, prog), title: t.get(row, "title"), remarks: t.get(row, "remarks"), pos: pos,
		}
		for _, c := range []struct{ col, prop string }{{"call_sign", "callSign"}, {"vess_type", "vesselType"},
			{"tonnage", "tonnage"}, {"grt", "grossRegisteredTonnage"}, {"vess_flag", "vesselFlag"}, {"vess_owner", "vesselOwner"}} {
			if v := t.get(row, c.col); v != "" {
				if e.vessel == nil {
					e.vessel = map[string]string{}
				}
				e.vessel[c.prop] = v
			}
		}
		r.sdnRow(st, &e)
		return nil
	}
	return nil
}

var (
	reAddress     = regexp.MustCompile(`Digital Currency Address - ([A-Za-z0-9]+)(?: ([^\s;]*))?`)
	reAlias       = regexp.MustCompile(`[afn]\.k\.a\. '(.*?)'(?:;|\.?\s*$)`)
	reLinkedTo    = regexp.MustCompile(`Linked To: ([^;]*)`)
	reNationality = regexp.MustCompile(`(?:^|; )(?:alt\. )?nationality ([^;]+)`)
	reCitizen     = regexp.MustCompile(`(?:^|; )(?:alt\. )?citizen ([^;]+)`)
)

// sdnRow queues the records of one SDN entry.
func (r *Reader) sdnRow(st *sdnState, e *sdnEntry) {
	em := r.em
	if !isDigits(e.entNum) {
		em.reject(e.pos, "", st.field("ent_num"), fmt.Errorf("%q is not an SDN entry number", e.entNum))
		return
	}
	if e.name == "" {
		em.reject(e.pos, "", st.field("sdn_name"), errors.New("missing: an SDN entry has a name"))
		return
	}
	kind, sdnType := entityKind(e.sdnType)
	id := entityID(kind, e.entNum)
	url := searchURL(e.entNum)
	programs := splitPrograms(e.programs)
	// Cut remarks lose their trailing blank when trimmed; allow a few.
	truncated := utf8.RuneCountInString(e.remarks) >= RemarksCap-5

	props := graph.Props{"sdnType": sdnType, "entNum": e.entNum}
	if len(programs) > 0 {
		props["programs"] = programs
	}
	if e.title != "" {
		props["title"] = e.title
	}
	if e.remarks != "" {
		props["remarks"] = e.remarks
	}
	for k, v := range e.vessel {
		props[k] = v
	}
	if v := remarkValues(reNationality, e.remarks); v != nil {
		props["nationality"] = v
	}
	if v := remarkValues(reCitizen, e.remarks); v != nil {
		props["citizenship"] = v
	}
	var aliases []string
	for _, m := range reAlias.FindAllStringSubmatch(e.remarks, -1) {
		aliases = append(aliases, m[1]) // an alias cut off by the cap has no closing quote and is not matched
	}
	if !em.node(e.pos, "", &graph.Node{Kind: kind, Key: "ofac-sdn-" + e.entNum, Label: e.name, Aliases: aliases,
		Props: props, Sources: em.source(e.entNum, url, "")}) {
		return
	}
	st.names[e.name] = append(st.names[e.name], id)
	if !em.sanctionNode(e.pos, e.entNum, e.name, programs, nil, e.entNum) {
		return
	}
	sanction := sanctionID(e.entNum)
	em.edge(e.pos, "", &graph.Edge{Kind: graph.EdgeSanctionedBy, From: id, To: sanction, Sources: em.source(e.entNum, url, "")})

	remarksField := st.field("remarks")
	var seen []string
	for _, m := range reAddress.FindAllStringSubmatchIndex(e.remarks, -1) {
		ticker, addr := e.remarks[m[2]:m[3]], ""
		if m[4] >= 0 {
			addr = e.remarks[m[4]:m[5]]
		}
		atEnd := m[1] == len(e.remarks)
		if atEnd && strings.HasSuffix(addr, ".") {
			addr, atEnd = strings.TrimSuffix(addr, "."), false // the remark's own full stop
		}
		excerpt := "Digital Currency Address - " + ticker + " " + addr
		cut := atEnd && truncated
		if addr == "" {
			reason := "no address after it"
			if cut {
				reason = "the address is cut off: the remark looks truncated (OFAC cuts Remarks at 1,000 characters)"
			}
			em.reject(e.pos, "", remarksField, fmt.Errorf("%q: %s", strings.TrimSpace(excerpt), reason))
			continue
		}
		w, err := em.wallet(ticker, addr, e.entNum, excerpt)
		switch {
		case err != nil && cut:
			em.reject(e.pos, "", remarksField, fmt.Errorf("%q: the remark looks truncated (OFAC cuts Remarks at 1,000 characters), so the last address is incomplete: %v", excerpt, err))
			continue
		case err != nil:
			em.reject(e.pos, "", remarksField, fmt.Errorf("%q: %v", excerpt, err))
			continue
		case cut && !validated(strings.SplitN(w.Key, ":", 2)[0]):
			// A checksum would have caught a cut address; without one it
			// cannot be told from a whole one.
			em.reject(e.pos, w.ID, remarksField, fmt.Errorf("%q: the remark looks truncated (OFAC cuts Remarks at 1,000 characters) and %s addresses have no checksum Redthread checks, so the last one may be incomplete", excerpt, ticker))
			continue
		}
		if slices.Contains(seen, w.ID) {
			continue
		}
		seen = append(seen, w.ID)
		em.queue.Push(ingest.Record{Node: w, Pos: e.pos})
		em.edge(e.pos, remarksField, &graph.Edge{Kind: graph.EdgeControls, From: id, To: w.ID,
			Props: graph.Props{"currency": strings.ToUpper(ticker)}, Sources: em.source(e.entNum, url, excerpt)})
		em.edge(e.pos, remarksField, &graph.Edge{Kind: graph.EdgeSanctionedBy, From: w.ID, To: sanction,
			Sources: em.source(e.entNum, url, excerpt)})
	}

	for _, m := range reLinkedTo.FindAllStringSubmatchIndex(e.remarks, -1) {
		name := strings.TrimSpace(e.remarks[m[2]:m[3]])
		if name == "" {
			continue
		}
		st.pending = append(st.pending, linkedTo{from: id, entNum: e.entNum, name: name,
			truncated: m[1] == len(e.remarks) && truncated, pos: e.pos})
	}
}

// resolveLinks queues the "Linked To:" edges whose target is exactly one
// entry of the file, and a rejection naming the target for the others.
func (r *Reader) resolveLinks(st *sdnState) {
	em := r.em
	field := st.field("remarks")
	for _, l := range st.pending {
		name := l.name
		ids := st.names[name]
		if len(ids) == 0 && strings.HasSuffix(name, ".") {
			// The last entry of a remark ends with a full stop, which is part
			// of names like "... CO." but not of most.
			name = strings.TrimSuffix(name, ".")
			ids = st.names[name]
		}
		switch {
		case len(ids) == 1:
			em.edge(l.pos, field, &graph.Edge{Kind: graph.EdgeAssociatedWith, From: l.from, To: ids[0],
				Props:   graph.Props{"relation": "linked to"},
				Sources: em.source(l.entNum, searchURL(l.entNum), "Linked To: "+name)})
		case len(ids) > 1:
			em.reject(l.pos, "", field, fmt.Errorf("Linked To: %q names %d entries of this file (%s); the edge is left out rather than guessed", name, len(ids), strings.Join(ids, ", "))) //nolint:staticcheck // starts with the OFAC field name, as its siblings the tests assert
		case l.truncated:
			em.reject(l.pos, "", field, fmt.Errorf("Linked To: %q names no entry of this file: the remark looks truncated (OFAC cuts Remarks at 1,000 characters); the edge is left out", name)) //nolint:staticcheck // starts with the OFAC field name, as its siblings the tests assert
		default:
			em.reject(l.pos, "", field, fmt.Errorf("Linked To: %q names no entry of this file; the edge is left out", name)) //nolint:staticcheck // starts with the OFAC field name; tests and golden files assert the text
		}
	}
}

// remarkValues returns the values of a "key value;" remark entry, such as
// every "nationality" of an entry, without the final full stop.
func remarkValues(re *regexp.Regexp, remarks string) []string {
	var out []string
	for _, m := range re.FindAllStringSubmatch(remarks, -1) {
		v := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(m[1]), "."))
		if v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}
