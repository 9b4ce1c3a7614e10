package personas

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/redthread-dev/redthread/graph"
)

// personaID is the ID of the row's persona; its node comes from the
// persona row only.
func (w *row) personaID() (id, key string, err error) {
	p, err := w.required("persona")
	if err != nil {
		return "", "", err
	}
	id, key, err = graph.NodeID(graph.KindPerson, p)
	if err != nil {
		return "", "", w.wrap("persona", err)
	}
	return id, key, nil
}

// place adds the location of the country and city columns, if any, and
// returns its ID ("" when none is given).
func (w *row) place() (string, error) {
	cc, city := strings.ToUpper(w.get("country")), w.get("city")
	if cc == "" {
		if city != "" {
			return "", w.errorf("country", "missing: a city needs its country (ISO 3166-1 alpha-2)")
		}
		return "", nil
	}
	if len(cc) != 2 || cc[0] < 'A' || cc[0] > 'Z' || cc[1] < 'A' || cc[1] > 'Z' {
		return "", w.errorf("country", "%q is not an ISO 3166-1 alpha-2 code (JP, LA, CN...)", w.get("country"))
	}
	country, err := w.node("country", graph.KindLocation, cc, cc, graph.Props{"country": cc})
	if err != nil {
		return "", err
	}
	if city == "" {
		return country, nil
	}
	cityID, err := w.node("city", graph.KindLocation, cc+"-"+city, city+", "+cc, graph.Props{"country": cc, "city": city})
	if err != nil {
		return "", err
	}
	return cityID, w.edge(&graph.Edge{Kind: graph.EdgePartOf, From: cityID, To: country}, cityID)
}

func (w *row) persona() error {
	p, err := w.required("persona")
	if err != nil {
		return err
	}
	props := graph.Props{"persona": true}
	if n := strings.ToUpper(w.get("nationality")); n != "" {
		if len(n) != 2 {
			return w.errorf("nationality", "%q is not an ISO 3166-1 alpha-2 code (JP, KR, US...)", w.get("nationality"))
		}
		props["claimedNationality"] = n
	}
	if pl := w.get("platforms"); pl != "" {
		var list []any
		for _, s := range strings.Split(pl, ";") {
			if s = strings.ToLower(strings.TrimSpace(s)); s != "" && !slices.Contains(list, any(s)) {
				list = append(list, s)
			}
		}
		props["platforms"] = list
	}
	id, err := w.node("persona", graph.KindPerson, p, w.get("name"), props)
	if err != nil {
		return err
	}
	w.recs[len(w.recs)-1].Node.ValidFrom = w.date
	_, key, _ := graph.ParseNodeID(id)
	loc, err := w.place()
	if err != nil || loc == "" {
		return err
	}
	return w.edge(&graph.Edge{Kind: graph.EdgeLocatedIn, From: id, To: loc, Key: "claimed", ValidFrom: w.date}, "persona/"+key)
}

func (w *row) identifier() error {
	pid, pkey, err := w.personaID()
	if err != nil {
		return err
	}
	v, err := w.required("identifier")
	if err != nil {
		return err
	}
	id, err := w.node("identifier", graph.KindIdentifier, v, "", nil)
	if err != nil {
		return err
	}
	_, key, _ := graph.ParseNodeID(id)
	return w.edge(&graph.Edge{Kind: graph.EdgeUses, From: pid, To: id, ValidFrom: w.date}, "identifier/"+pkey+"/"+key)
}

// wallet adds the wallet of the currency and address columns and the
// persona's CONTROLS edge to it.
func (w *row) wallet(pid, pkey, currency, address string) (string, error) {
	key, token, err := graph.WalletKey(currency, address)
	if err != nil {
		return "", w.wrap("address", err)
	}
	var props graph.Props
	if token != "" {
		props = graph.Props{"token": token}
	}
	id, err := w.node("address", graph.KindWallet, key, "", props)
	if err != nil {
		return "", err
	}
	return id, w.edge(&graph.Edge{Kind: graph.EdgeControls, From: pid, To: id, ValidFrom: w.date}, "wallet/"+pkey+"/"+key)
}

func (w *row) walletRow() error {
	pid, pkey, err := w.personaID()
	if err != nil {
		return err
	}
	cur, err := w.required("currency")
	if err != nil {
		return err
	}
	addr, err := w.required("address")
	if err != nil {
		return err
	}
	_, err = w.wallet(pid, pkey, cur, addr)
	return err
}

func (w *row) organization(col string, props graph.Props) (id, key string, err error) {
	name, err := w.required(col)
	if err != nil {
		return "", "", err
	}
	id, err = w.node(col, graph.KindOrganization, name, name, props)
	if err != nil {
		return "", "", err
	}
	_, key, _ = graph.ParseNodeID(id)
	return id, key, nil
}

func (w *row) employer() error {
	pid, pkey, err := w.personaID()
	if err != nil {
		return err
	}
	org, okey, err := w.organization("organization", nil)
	if err != nil {
		return err
	}
	var props graph.Props
	if role := w.get("role"); role != "" {
		props = graph.Props{"role": role}
	}
	if err := w.edge(&graph.Edge{Kind: graph.EdgeEmploys, From: org, To: pid, Props: props, ValidFrom: w.date}, "employer/"+pkey+"/"+okey); err != nil {
		return err
	}
	loc, err := w.place()
	if err != nil || loc == "" {
		return err
	}
	return w.edge(&graph.Edge{Kind: graph.EdgeLocatedIn, From: org, To: loc}, "employer/"+pkey+"/"+okey)
}

func (w *row) payment() error {
	pid, pkey, err := w.personaID()
	if err != nil {
		return err
	}
	org, okey, err := w.organization("organization", nil)
	if err != nil {
		return err
	}
	amt, err := w.required("amount")
	if err != nil {
		return err
	}
	amount, err := strconv.ParseFloat(amt, 64)
	if err != nil || amount < 0 || math.IsInf(amount, 0) || math.IsNaN(amount) {
		return w.errorf("amount", "%q is not a number ≥ 0 (write 4500, not 4,500)", amt)
	}
	cur, err := w.required("currency")
	if err != nil {
		return err
	}
	if w.get("date") == "" {
		_, err := w.required("date")
		return err
	}
	to := pid
	if addr := w.get("address"); addr != "" {
		if slices.Contains(fiat, strings.ToUpper(cur)) {
			return w.errorf("address", "a %s payment is off-chain: it has no wallet address", strings.ToUpper(cur))
		}
		if to, err = w.wallet(pid, pkey, cur, addr); err != nil {
			return err
		}
	}
	key := w.record
	if key == "" {
		key = w.get("date") + ":" + amt + ":" + strings.ToUpper(cur)
	}
	e := &graph.Edge{Kind: graph.EdgePays, From: org, To: to, Key: key, Amount: amount, Asset: cur, Time: w.date}
	return w.edge(e, "payment/"+pkey+"/"+okey+"/"+w.get("date")+"/"+amt+"/"+strings.ToUpper(cur))
}

func (w *row) front() error {
	org, okey, err := w.organization("organization", graph.Props{"front": true})
	if err != nil {
		return err
	}
	owner, err := w.required("owner")
	if err != nil {
		return err
	}
	kind := graph.KindOrganization
	switch t := strings.ToLower(w.get("owner_type")); t {
	case "", "organization":
	case "person":
		kind = graph.KindPerson
	default:
		return w.errorf("owner_type", "%q: want organization or person", w.get("owner_type"))
	}
	ek := graph.EdgeOwns
	switch rel := strings.ToLower(w.get("relation")); rel {
	case "", "owns":
	case "directs":
		ek = graph.EdgeDirects
	default:
		return w.errorf("relation", "%q: want owns or directs", w.get("relation"))
	}
	oid, err := w.node("owner", kind, owner, owner, nil)
	if err != nil {
		return err
	}
	record := "front/" + okey + "/" + oid + "/" + strings.ToLower(string(ek))
	if err := w.edge(&graph.Edge{Kind: ek, From: oid, To: org, ValidFrom: w.date}, record); err != nil {
		return err
	}
	loc, err := w.place()
	if err != nil || loc == "" {
		return err
	}
	return w.edge(&graph.Edge{Kind: graph.EdgeLocatedIn, From: org, To: loc}, record)
}

func (w *row) locationRow() error {
	pid, pkey, err := w.personaID()
	if err != nil {
		return err
	}
	if w.get("country") == "" {
		_, err := w.required("country")
		return err
	}
	loc, err := w.place()
	if err != nil {
		return err
	}
	_, lkey, _ := graph.ParseNodeID(loc)
	return w.edge(&graph.Edge{Kind: graph.EdgeLocatedIn, From: pid, To: loc, Key: "observed", ValidFrom: w.date}, "location/"+pkey+"/"+lkey)
}

func (w *row) attribution() error {
	pid, pkey, err := w.personaID()
	if err != nil {
		return err
	}
	g, err := w.required("group")
	if err != nil {
		return err
	}
	gid, err := w.node("group", graph.KindThreatGroup, g, g, nil)
	if err != nil {
		return err
	}
	_, gkey, _ := graph.ParseNodeID(gid)
	return w.edge(&graph.Edge{Kind: graph.EdgeAttributedTo, From: pid, To: gid, ValidFrom: w.date}, "attribution/"+pkey+"/"+gkey)
}
