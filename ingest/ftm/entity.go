package ftm

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/ingest/ofaccsv"
)

// entityJSON is one FtM entity. Property values are strings, or nested
// entities of which only the id is read.
type entityJSON struct {
	ID         string                       `json:"id"`
	Schema     string                       `json:"schema"`
	Properties map[string][]json.RawMessage `json:"properties"`
}

// ftmEntity is a decoded entity with its properties as strings.
type ftmEntity struct {
	id, schema string
	props      map[string][]string
}

func (e *ftmEntity) first(p string) string {
	if v := e.props[p]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// decode parses one line; the error names the JSON path at fault.
func decode(line []byte) (*ftmEntity, string, error) {
	var ej entityJSON
	if err := json.Unmarshal(line, &ej); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return nil, "", fmt.Errorf("invalid JSON at byte %d: %s", se.Offset, strings.TrimPrefix(se.Error(), "json: "))
		case errors.As(err, &te) && te.Field != "":
			return nil, te.Field, fmt.Errorf("want %s, got a JSON %s", te.Type, te.Value)
		case errors.As(err, &te):
			return nil, "", errors.New("an entity must be a JSON object")
		}
		return nil, "", fmt.Errorf("invalid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	e := &ftmEntity{id: strings.TrimSpace(ej.ID), schema: strings.TrimSpace(ej.Schema), props: map[string][]string{}}
	if e.id == "" {
		return nil, "id", errors.New("missing: every entity has an id")
	}
	if e.schema == "" {
		return e, "schema", errors.New("missing")
	}
	for name, vals := range ej.Properties {
		for i, raw := range vals {
			var s string
			if err := json.Unmarshal(raw, &s); err == nil {
				if s = strings.TrimSpace(s); s != "" {
					e.props[name] = append(e.props[name], s)
				}
				continue
			}
			var nested struct {
				ID string `json:"id"`
			}
			if err := json.Unmarshal(raw, &nested); err == nil && nested.ID != "" {
				e.props[name] = append(e.props[name], nested.ID) // a nested entity stands for its id
				continue
			}
			return e, fmt.Sprintf("properties.%s[%d]", name, i), errors.New("want a string or an entity with an id")
		}
	}
	return e, "", nil
}

// Schemas and the node kinds they become; interval schemas become edges.
var nodeSchemas = map[string]graph.NodeKind{
	"Person":       graph.KindPerson,
	"Organization": graph.KindOrganization, "Company": graph.KindOrganization,
	"LegalEntity": graph.KindOrganization, "PublicBody": graph.KindOrganization,
	"Vessel": graph.KindOrganization, "Airplane": graph.KindOrganization,
	"CryptoWallet": graph.KindWallet, "Sanction": graph.KindSanction, "UserAccount": graph.KindIdentifier,
}

// edgeSchemas: the properties holding the two ends, and the edge kind.
var edgeSchemas = map[string]struct {
	from, to string
	kind     graph.EdgeKind
}{
	"Ownership":    {"owner", "asset", graph.EdgeOwns},
	"Directorship": {"director", "organization", graph.EdgeDirects},
	"Employment":   {"employer", "employee", graph.EdgeEmploys},
	"Payment":      {"payer", "beneficiary", graph.EdgePays},
}

// Properties that become the node's name, key or edges, not props.
var consumed = map[string]bool{
	"name": true, "alias": true, "weakAlias": true, "previousName": true,
	"publicKey": true, "holder": true, "entity": true, "owner": true, "sourceUrl": true,
}

// nodeOf returns the node an entity makes, without sources, or an error
// naming the property at fault. It is all the first pass needs.
func nodeOf(e *ftmEntity) (*graph.Node, string, error) {
	kind, ok := nodeSchemas[e.schema]
	if !ok {
		return nil, "schema", fmt.Errorf("%q is not a schema this format loads", e.schema)
	}
	n := &graph.Node{Kind: kind}
	switch kind {
	case graph.KindWallet:
		addr, cur := e.first("publicKey"), e.first("currency")
		if addr == "" {
			return nil, "properties.publicKey", errors.New("missing: a CryptoWallet needs its address")
		}
		key, _, err := graph.WalletKey(cur, addr)
		if err != nil {
			if addr == strings.ToLower(addr) && strings.ContainsAny(addr, "abcdefghijklmnopqrstuvwxyz") {
				err = fmt.Errorf("%w (the address is all lower-case: a base58 address lower-cased upstream fails its checksum and is not fixed by guessing)", err)
			}
			field := "properties.publicKey"
			if cur == "" {
				field = "properties.currency"
			}
			return nil, field, err
		}
		n.Key = key
	case graph.KindSanction:
		n.Key = e.id
		if id := e.first("authorityId"); isOFAC(e.props["authority"]) && isDigits(id) {
			// The key and label the ofac-csv format gives the same designation.
			n.Key, n.Label = "ofac-"+id, ofaccsv.SanctionLabel(id, "", nil)
		}
	case graph.KindIdentifier:
		user, service, email := e.first("username"), e.first("service"), e.first("email")
		switch {
		case user != "" && service != "":
			n.Key, n.Label = "handle:"+service+"/"+user, user
		case email != "":
			n.Key = "email:" + email
		default:
			return nil, "properties.username", errors.New("a UserAccount needs a username and service, or an email")
		}
	default:
		n.Key = e.id // OFAC's FtM export uses ofac-sdn-<ent_num>, the SDN CSV's key
		n.Label = e.first("name")
		var aliases []string
		for _, p := range []string{"name", "alias", "weakAlias", "previousName"} {
			aliases = append(aliases, e.props[p]...)
		}
		n.Aliases = aliases
	}
	id, _, err := graph.NodeID(n.Kind, n.Key)
	if err != nil {
		return nil, "id", err
	}
	n.ID = id
	return n, "", nil
}

func isOFAC(authorities []string) bool {
	return slices.ContainsFunc(authorities, func(a string) bool {
		a = strings.ToLower(a)
		return a == "ofac" || strings.Contains(a, "foreign assets control")
	})
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// leftover returns the properties not consumed as names, keys or edges,
// under their FtM names: one value as a string, several as a list.
func leftover(e *ftmEntity) graph.Props {
	props := graph.Props{}
	for k, v := range e.props {
		if consumed[k] || len(v) == 0 {
			continue
		}
		switch {
		case e.schema == "CryptoWallet" && k == "currency":
			continue // in the key and on the CONTROLS edge
		case len(v) == 1:
			props[k] = v[0]
		default:
			props[k] = slices.Clone(v)
		}
	}
	if len(props) == 0 {
		return nil
	}
	return props
}

// sanctionProps names a designation's facts as the OFAC CSV does, so that
// both files describe it with the same props.
func sanctionProps(e *ftmEntity, props graph.Props) graph.Props {
	if props == nil {
		props = graph.Props{}
	}
	if isOFAC(e.props["authority"]) {
		props["authority"] = "OFAC"
	}
	if p := e.props["program"]; len(p) > 0 {
		programs := slices.Clone(p)
		slices.Sort(programs)
		props["programs"] = slices.Compact(programs)
		delete(props, "program")
	}
	return props
}

// parseDate reads FtM's dates, which may be partial: 2022, 2022-05,
// 2022-05-03, or a full time.
func parseDate(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02", "2006-01", "2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date", s)
}
