package ingest

import (
	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/identity"
)

// Stamp is who a job writes for: the runner stamps it into every source
// the job writes (see CONVENTIONS.md, "Sources").
//
//   - Agency owns every source: it replaces any agency the input names, so
//     a file cannot claim another agency's ownership. Empty keeps what
//     the input names (a trusted command-line load on a one-agency
//     deployment; unowned restricted sources belong to agency local).
//   - User is who started the job (an API job's principal, --user): the
//     named recipient of the job's RED sources. Empty keeps none.
//   - Marking is the default of sources the format leaves unmarked
//     (native records without a marking). Formats that mark their sources
//     keep their markings: STIX its object_marking_refs, the public
//     datasets (OFAC, FtM/OpenSanctions, MITRE, TagPacks, incidents,
//     prices, blockchain exports) TLP:CLEAR.
type Stamp struct {
	Agency  string        `json:"agency,omitempty"`
	User    string        `json:"user,omitempty"`
	Marking graph.Marking `json:"marking,omitempty"`
}

// MarkingDefaulter is a Reader whose format may leave a record unmarked
// (native JSON lines): the runner gives it the job's default marking
// before reading, and it marks such records with it. A format whose
// records always carry a marking (CLEAR for public data, STIX's own) has
// no use for it. Records come prepared, so a reader cannot tell its
// CLEAR-by-default from an explicit CLEAR afterwards: this is why the
// default goes to the reader, not to the runner's stamp.
type MarkingDefaulter interface {
	SetDefaultMarking(graph.Marking)
}

// Check reports a stamp the runner must not write: an agency that is no
// agency slug, or a marking that is not TLP 2.0. Errors are
// INVALID_ARGUMENT naming the argument.
func (st Stamp) Check() error {
	if st.Agency != "" {
		if _, err := identity.AgencyID(st.Agency); err != nil {
			return err
		}
	}
	if st.Marking != "" && !st.Marking.Valid() {
		return graph.Errorf(graph.CodeInvalid, "marking %q: want one of TLP:CLEAR, TLP:GREEN, TLP:AMBER, TLP:AMBER+STRICT, TLP:RED", st.Marking)
	}
	if len(st.User) > 64 {
		return graph.Errorf(graph.CodeInvalid, "user: longer than 64 characters")
	}
	return nil
}

// ParseMarking reads a marking as a user types it: TLP:AMBER, tlp:amber,
// AMBER, amber+strict, white (TLP 1.0's CLEAR).
func ParseMarking(s string) (graph.Marking, error) {
	m := graph.Marking(normaliseMarking(s))
	if !m.Valid() {
		return "", graph.Errorf(graph.CodeInvalid, "marking %q: want one of TLP:CLEAR, TLP:GREEN, TLP:AMBER, TLP:AMBER+STRICT, TLP:RED", s)
	}
	return m, nil
}

func normaliseMarking(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	u := string(b)
	if len(u) < 4 || u[:4] != "TLP:" {
		u = "TLP:" + u
	}
	if u == "TLP:WHITE" {
		u = "TLP:CLEAR"
	}
	return u
}

// apply returns s stamped: its agency and user replaced when the stamp
// names them, its marking defaulted, its job set when it has none.
func (st Stamp) apply(s graph.Source, job string) graph.Source {
	if s.Job == "" {
		s.Job = job
	}
	if st.Agency != "" {
		s.Agency = st.Agency
	}
	if st.User != "" {
		s.User = st.User
	}
	if s.Marking == "" {
		s.Marking = st.Marking
	}
	return s
}
