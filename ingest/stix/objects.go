package stix

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/ingest"
)

// object holds the STIX properties Redthread reads; others are ignored.
type object struct {
	Type          string        `json:"type"`
	ID            string        `json:"id"`
	Name          string        `json:"name"`
	Description   string        `json:"description"`
	Aliases       []string      `json:"aliases"`
	Revoked       bool          `json:"revoked"`
	Deprecated    bool          `json:"x_mitre_deprecated"`
	Confidence    *json.Number  `json:"confidence"`
	FirstSeen     string        `json:"first_seen"`
	LastSeen      string        `json:"last_seen"`
	Markings      []string      `json:"object_marking_refs"`
	ExternalRefs  []externalRef `json:"external_references"`
	IdentityClass string        `json:"identity_class"`
	// relationship
	RelationshipType string `json:"relationship_type"`
	SourceRef        string `json:"source_ref"`
	TargetRef        string `json:"target_ref"`
	// marking-definition
	DefinitionType string          `json:"definition_type"`
	Definition     json.RawMessage `json:"definition"`
	// indicator
	Pattern     string `json:"pattern"`
	PatternType string `json:"pattern_type"`
	// observed-data (STIX 2.0)
	Objects map[string]json.RawMessage `json:"objects"`
}

// observable holds the properties of the cyber observables Redthread maps.
type observable struct {
	Type         string `json:"type"`
	ID           string `json:"id"`
	Value        string `json:"value"`
	Currency     string `json:"currency"`
	AccountLogin string `json:"account_login"`
	UserID       string `json:"user_id"`
	AccountType  string `json:"account_type"`
}

type externalRef struct {
	SourceName string `json:"source_name"`
	URL        string `json:"url"`
	ExternalID string `json:"external_id"`
}

// tlpIDs are the marking definitions STIX predefines: TLP 1.0 (STIX 2.0
// and 2.1) and the TLP 2.0 extension's. A bundle may reference them
// without including them.
var tlpIDs = map[string]graph.Marking{
	"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": graph.TLPClear, // TLP 1.0 white
	"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": graph.TLPGreen,
	"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": graph.TLPAmber,
	"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": graph.TLPRed,
	"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487": graph.TLPClear, // TLP 2.0
	"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb": graph.TLPGreen,
	"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421": graph.TLPAmber,
	"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003": graph.TLPAmberStrict,
	"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1": graph.TLPRed,
}

// tlpNames maps TLP level names, 1.0 and 2.0, to markings.
var tlpNames = map[string]graph.Marking{
	"white": graph.TLPClear, "clear": graph.TLPClear, "green": graph.TLPGreen,
	"amber": graph.TLPAmber, "amber+strict": graph.TLPAmberStrict, "red": graph.TLPRed,
}

// capabilityProps names the props a group's capabilities are folded into.
var capabilityProps = map[string]string{"malware": "malware", "tool": "tools", "attack-pattern": "techniques"}

// observableTypes are the cyber observables that become nodes.
var observableTypes = map[string]bool{
	"email-addr": true, "domain-name": true, "ipv4-addr": true, "ipv6-addr": true, "url": true,
	"user-account": true, "cryptocurrency-wallet": true, "x-cryptocurrency-wallet": true,
}

// object maps one STIX object. final is set for objects processed after
// the stream, when every marking definition of the bundle is known.
func (r *Reader) object(raw json.RawMessage, pos ingest.Pos, final bool) {
	var o object
	if err := json.Unmarshal(raw, &o); err != nil {
		field := ""
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) {
			field, err = typ.Field, fmt.Errorf("want %s, got a JSON %s", typ.Type, typ.Value)
		}
		r.reject(pos, idOf(raw), field, err)
		return
	}
	if o.Type == "" || o.ID == "" {
		field := "type"
		if o.Type != "" {
			field = "id"
		}
		r.reject(pos, o.ID, field, errors.New("missing: every STIX object has a type and an id"))
		return
	}
	if o.Type == "marking-definition" {
		r.markingDefinition(&o, pos)
		return
	}
	if o.Revoked || o.Deprecated {
		why := "revoked"
		if !o.Revoked {
			why = "deprecated (x_mitre_deprecated)"
		}
		r.skipped[o.ID] = why
		if o.Type == "intrusion-set" || o.Type == "threat-actor" {
			r.revoked[o.ID] = o.Name
		}
		r.count(o.Type + " " + why)
		return
	}
	if o.Type == "relationship" {
		r.bufferRelationship(&o, pos)
		return
	}
	if p, ok := capabilityProps[o.Type]; ok {
		text := o.Name
		if ref := attackRef(o.ExternalRefs); ref.ExternalID != "" {
			text = ref.ExternalID + " " + o.Name
		}
		r.caps[o.ID] = capability{prop: p, text: strings.TrimSpace(text)}
		return
	}
	mark, unknown := r.marking(o.Markings)
	if unknown != "" {
		if !final {
			r.deferred = append(r.deferred, deferredObject{raw: raw, pos: pos})
			return
		}
		r.reject(pos, o.ID, "object_marking_refs", fmt.Errorf("marking definition %s is not in the bundle: refusing to guess how far the object may be shared", unknown))
		return
	}
	conf, err := confidence(o.Confidence)
	if err != nil {
		r.reject(pos, o.ID, "confidence", err)
		return
	}
	src := graph.Source{Dataset: r.dataset, Record: o.ID, URL: sourceURL(o.ExternalRefs), Confidence: conf, Marking: mark}
	switch o.Type {
	case "intrusion-set", "threat-actor", "campaign":
		r.group(&o, src, pos)
	case "identity":
		kind := graph.KindOrganization
		if o.IdentityClass == "individual" {
			kind = graph.KindPerson
		}
		n := r.named(&o, kind, src, pos)
		if n == nil {
			return
		}
		if o.IdentityClass != "" {
			n.Props["identityClass"] = o.IdentityClass
		}
		r.refs[o.ID] = []string{n.ID}
		r.emitNode(n, pos)
	case "indicator":
		typ, value, ok := parsePattern(o.Pattern)
		if !ok || o.PatternType != "" && o.PatternType != "stix" {
			r.skipped[o.ID] = "indicator"
			r.count("indicator pattern is not one '=' comparison on the value of a supported observable")
			return
		}
		src.Excerpt = truncate(strings.TrimSpace("indicator "+o.Name)+": "+o.Pattern, maxExcerpt)
		r.observable(observable{Type: typ, ID: o.ID, Value: value}, o.ID, "pattern", src, pos)
	case "observed-data":
		if len(o.Objects) == 0 {
			r.skipped[o.ID] = "observed-data"
			r.count("observed-data without objects (STIX 2.1 object_refs are mapped as their own objects)")
			return
		}
		for _, k := range sortedKeys(o.Objects) {
			var ob observable
			if err := json.Unmarshal(o.Objects[k], &ob); err != nil {
				r.reject(pos, o.ID, "objects."+k, err)
				continue
			}
			ob.ID = o.ID + "/" + k
			s := src
			s.Record = ob.ID
			r.observable(ob, o.ID, "objects."+k, s, pos)
		}
	default:
		if observableTypes[o.Type] {
			var ob observable
			if err := json.Unmarshal(raw, &ob); err != nil {
				r.reject(pos, o.ID, "", err)
				return
			}
			r.observable(ob, o.ID, "", src, pos)
			return
		}
		r.skipped[o.ID] = "unsupported"
		r.count("unsupported type " + o.Type)
	}
}

// group maps intrusion sets and threat actors to THREAT_GROUP and campaigns
// to INCIDENT; both are held until the end to receive their capabilities.
func (r *Reader) group(o *object, src graph.Source, pos ingest.Pos) {
	kind := graph.KindThreatGroup
	if o.Type == "campaign" {
		kind = graph.KindIncident
	}
	n := r.named(o, kind, src, pos)
	if n == nil {
		return
	}
	if o.Type == "campaign" {
		for _, f := range []struct {
			field, s string
			into     *time.Time
		}{{"first_seen", o.FirstSeen, &n.ValidFrom}, {"last_seen", o.LastSeen, &n.ValidTo}} {
			if f.s == "" {
				continue
			}
			t, err := parseTime(f.s)
			if err != nil {
				r.reject(pos, o.ID, f.field, fmt.Errorf("%q is not a STIX timestamp", f.s))
				return
			}
			*f.into = t
		}
	}
	id, _, _ := graph.NodeID(n.Kind, n.Key)
	r.refs[o.ID] = []string{id}
	h := &heldNode{node: n, pos: pos, caps: map[string]map[string]bool{}}
	r.held = append(r.held, h)
	r.heldByID[o.ID] = h
}

// named builds the node of a named STIX domain object: key = slug of the
// name (CONVENTIONS: a threat group's key is the slug of its canonical name).
func (r *Reader) named(o *object, kind graph.NodeKind, src graph.Source, pos ingest.Pos) *graph.Node {
	name := strings.TrimSpace(o.Name)
	if name == "" {
		r.reject(pos, o.ID, "name", errors.New("missing: the node's key is derived from the name"))
		return nil
	}
	if _, err := graph.Slug(name); err != nil {
		r.reject(pos, o.ID, "name", err)
		return nil
	}
	props := graph.Props{"stixId": o.ID, "stixType": o.Type}
	if ref := attackRef(o.ExternalRefs); ref.ExternalID != "" {
		props["mitreId"] = ref.ExternalID
	}
	if d := strings.TrimSpace(o.Description); d != "" {
		props["description"] = d
	}
	return &graph.Node{Kind: kind, Key: name, Label: name, Aliases: o.Aliases, Props: props, Sources: []graph.Source{src}}
}

// observable maps a cyber observable to an IDENTIFIER or WALLET node.
func (r *Reader) observable(ob observable, stixID, field string, src graph.Source, pos ingest.Pos) {
	n, badField, err := observableNode(ob)
	if err != nil {
		if field != "" && badField != "" {
			badField = field + "." + badField
		} else if field != "" {
			badField = field
		}
		r.reject(pos, stixID, badField, err)
		return
	}
	if n == nil {
		r.count("unsupported observable type " + ob.Type)
		return
	}
	n.Sources = []graph.Source{src}
	if err := graph.PrepareNode(n); err != nil {
		r.reject(pos, stixID, field, err)
		return
	}
	r.refs[stixID] = append(r.refs[stixID], n.ID)
	r.queue.Push(ingest.Record{Node: n, Pos: pos})
}

// observableNode returns the node of an observable, nil for a type
// Redthread does not map, or the field at fault.
func observableNode(ob observable) (*graph.Node, string, error) {
	value := strings.TrimSpace(ob.Value)
	idType := ""
	switch ob.Type {
	case "email-addr":
		idType = "email"
	case "domain-name":
		idType = "domain"
	case "ipv4-addr", "ipv6-addr":
		idType = "ip"
	case "url":
		idType = "url"
	case "user-account":
		login := strings.TrimSpace(ob.AccountLogin)
		if login == "" {
			login = strings.TrimSpace(ob.UserID)
		}
		if login == "" {
			return nil, "account_login", errors.New("missing: a user account needs account_login or user_id")
		}
		if strings.TrimSpace(ob.AccountType) == "" {
			return nil, "account_type", errors.New("missing: a handle is keyed platform/name")
		}
		idType, value = "handle", strings.TrimSpace(ob.AccountType)+"/"+login
	case "cryptocurrency-wallet", "x-cryptocurrency-wallet":
		cur := strings.TrimSpace(ob.Currency)
		if cur == "" {
			cur = guessChain(value)
			if cur == "" {
				return nil, "currency", fmt.Errorf("missing, and the chain of %q cannot be told from its form", value)
			}
		}
		key, token, err := graph.WalletKey(cur, value)
		if err != nil {
			return nil, "value", err
		}
		n := &graph.Node{Kind: graph.KindWallet, Key: key}
		if token != "" {
			n.Props = graph.Props{"token": token}
		}
		return n, "", nil
	default:
		return nil, "", nil
	}
	if value == "" {
		return nil, "value", errors.New("missing")
	}
	key := idType + ":" + value
	if _, _, err := graph.NodeID(graph.KindIdentifier, key); err != nil {
		return nil, "value", err
	}
	return &graph.Node{Kind: graph.KindIdentifier, Key: key, Label: value}, "", nil
}

// guessChain names the chain of a wallet given without a currency only
// where the address form is unambiguous in Redthread's keys: 0x… is
// Ethereum (graph.WalletKey's rule for tokens), bc1… Bitcoin, T… Tron.
// Legacy base58 (1…, 3…) is shared by several chains and is not guessed.
func guessChain(addr string) string {
	switch {
	case strings.HasPrefix(addr, "0x") || strings.HasPrefix(addr, "0X"):
		return "ETH"
	case strings.HasPrefix(strings.ToLower(addr), "bc1"):
		return "BTC"
	case strings.HasPrefix(addr, "T") && len(addr) == 34:
		return "TRX"
	}
	return ""
}

// markingDefinition records the TLP level of a marking definition: STIX 2.0
// `definition_type: tlp`, `definition.tlp`; TLP 2.0 by its predefined id or
// a name such as "TLP:AMBER+STRICT". Other definitions (statements such as
// ATT&CK's copyright) carry no TLP level.
func (r *Reader) markingDefinition(o *object, pos ingest.Pos) {
	if m, ok := tlpIDs[o.ID]; ok {
		r.markings[o.ID] = m
		return
	}
	var level string
	if o.DefinitionType == "tlp" {
		var def struct {
			TLP string `json:"tlp"`
		}
		if err := json.Unmarshal(o.Definition, &def); err != nil {
			r.reject(pos, o.ID, "definition", err)
			return
		}
		level = def.TLP
	} else if n := strings.ToLower(strings.TrimSpace(o.Name)); strings.HasPrefix(n, "tlp:") {
		level = strings.TrimPrefix(n, "tlp:")
	} else {
		r.markings[o.ID] = ""
		return
	}
	m, ok := tlpNames[strings.ToLower(strings.TrimSpace(level))]
	if !ok {
		r.reject(pos, o.ID, "definition.tlp", fmt.Errorf("%q is not a TLP level (white, clear, green, amber, amber+strict, red)", level))
		return
	}
	r.markings[o.ID] = m
}

// marking returns the most restrictive TLP marking among refs (TLP:CLEAR
// when none is TLP: ATT&CK marks its public objects with a copyright
// statement only), or the first ref that is not known yet.
func (r *Reader) marking(refs []string) (graph.Marking, string) {
	out := graph.TLPClear
	for _, ref := range refs {
		m, ok := r.markings[ref]
		if !ok {
			if m, ok = tlpIDs[ref]; !ok {
				return "", ref
			}
		}
		if m != "" && m.Rank() > out.Rank() {
			out = m
		}
	}
	return out, ""
}

func confidence(n *json.Number) (int, error) {
	if n == nil {
		return DefaultConfidence, nil
	}
	i, err := n.Int64()
	if err != nil || i < 0 || i > 100 {
		return 0, fmt.Errorf("%s: want an integer 0–100", n.String())
	}
	if i == 0 {
		// STIX 0 is "no confidence"; Redthread's 0 would mean "not given".
		return graph.ConfidenceUnknown, nil
	}
	return int(i), nil
}

// attackRef returns the object's own reference: the MITRE ATT&CK entry
// (or CAPEC/other catalogue entry with an external id), first listed.
func attackRef(refs []externalRef) externalRef {
	for _, ref := range refs {
		if ref.ExternalID != "" && (ref.SourceName == "mitre-attack" || strings.HasPrefix(ref.SourceName, "mitre-")) {
			return ref
		}
	}
	return externalRef{}
}

// sourceURL is where a reader can check the object: its ATT&CK page, else
// the first reference with a URL.
func sourceURL(refs []externalRef) string {
	if ref := attackRef(refs); ref.URL != "" {
		return ref.URL
	}
	for _, ref := range refs {
		if ref.URL != "" {
			return ref.URL
		}
	}
	return ""
}

// patternRE matches the one STIX pattern form that names a single
// observable: [type:value = 'x'].
var patternRE = regexp.MustCompile(`^\[\s*([a-z0-9-]+):value\s*=\s*'((?:[^'\\]|\\.)*)'\s*\]$`)

func parsePattern(p string) (typ, value string, ok bool) {
	m := patternRE.FindStringSubmatch(strings.TrimSpace(p))
	if m == nil || !observableTypes[m[1]] || m[1] == "user-account" {
		return "", "", false
	}
	v := strings.NewReplacer(`\'`, `'`, `\\`, `\`).Replace(m[2])
	return m[1], v, true
}

func idOf(raw json.RawMessage) string {
	var o struct {
		ID any `json:"id"`
	}
	_ = json.Unmarshal(raw, &o)
	s, _ := o.ID.(string)
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
