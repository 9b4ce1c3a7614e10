// Package casestix writes a saved case as a STIX 2.1 bundle marked with the
// TLP 2.0 marking definitions, and reads such a bundle back into graph
// records and a new case. FORMAT.md describes the mapping.
//
// The bundle is for two readers at once. A STIX tool (OpenCTI, MISP, the
// OASIS validator) sees standard objects where STIX has them (intrusion-set,
// identity, incident, email-addr, user-account, relationship, report, note)
// and objects defined by extension definitions where it has none (wallets,
// sanctions). Redthread sees, in a property extension on every object, the
// fact exactly as the store holds it: kind, key, sources with their own
// markings, amounts. Import reads that extension, so a bundle goes out and
// back in without loss; ingest/stix reads the standard part the same way
// (same keys where its mapping has the kind).
package casestix

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/redthread-dev/redthread/graph"
)

// The TLP 2.0 marking definitions, as OASIS publishes them
// (oasis-open/cti-stix-common-objects,
// extension-definition-specifications/tlp-2.0): fixed ids, the same
// created timestamp, a name, and a property extension naming the level.
// The extension's JSON schema enumerates exactly these ids and names.
const (
	tlpExtension = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
	tlpCreated   = "2022-10-01T00:00:00.000Z"
)

type tlpDef struct {
	id, name, level string
}

// tlp2 maps Redthread's markings to their TLP 2.0 marking definitions.
var tlp2 = map[graph.Marking]tlpDef{
	graph.TLPClear:       {"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", "TLP:CLEAR", "clear"},
	graph.TLPGreen:       {"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", "TLP:GREEN", "green"},
	graph.TLPAmber:       {"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", "TLP:AMBER", "amber"},
	graph.TLPAmberStrict: {"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", "TLP:AMBER+STRICT", "amber+strict"},
	graph.TLPRed:         {"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", "TLP:RED", "red"},
}

// tlp1 are STIX 2.1's predefined TLP 1.0 marking definitions, which a
// foreign bundle may reference without including (STIX 2.1 §7.2.1.4);
// WHITE is CLEAR under TLP 2.0.
var tlp1 = map[string]graph.Marking{
	"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": graph.TLPClear,
	"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": graph.TLPGreen,
	"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": graph.TLPAmber,
	"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": graph.TLPRed,
}

// namespace is Redthread's UUIDv5 namespace for the ids of the objects it
// writes: the id of a node's object is UUIDv5(namespace, node ID), so a
// re-export names the same objects and a STIX platform updates them
// instead of duplicating them. It is not the STIX namespace for cyber
// observables (scoNamespace), which STIX 2.1 §2.9 reserves for SCO ids.
var namespace = uuid.MustParse("5b0c8c8e-3c55-4a53-9d0e-6f1c7d2f41a7")

// scoNamespace is STIX 2.1's namespace for the deterministic ids of cyber
// observables (§2.9).
var scoNamespace = uuid.MustParse("00abedb4-aa42-466c-9c01-fed23315a9b7")

// Types Redthread defines by extension definitions where STIX 2.1 has no
// object. x-cryptocurrency-wallet is the name ingest/stix already reads
// ({value, currency}); x-redthread-entity holds the kinds with no STIX
// object at all (sanctions, transactions, phone numbers...).
const (
	typeWallet = "x-cryptocurrency-wallet"
	typeEntity = "x-redthread-entity"
)

// Redthread's own identity (the producer of its extension definitions)
// and the extension definitions, with ids fixed by name.
var (
	redthreadIdentity = objectID("identity", "redthread")
	extFact           = objectID("extension-definition", "extension:redthread-fact")
	extCase           = objectID("extension-definition", "extension:redthread-case")
	extWallet         = objectID("extension-definition", "extension:"+typeWallet)
	extEntity         = objectID("extension-definition", "extension:"+typeEntity)
)

// extensionsCreated is when the extension definitions were first written;
// it never changes, like the TLP definitions' own.
const extensionsCreated = "2026-12-07T00:00:00.000Z"

// objectID returns the id of a STIX object of typ named by name in
// Redthread's namespace.
func objectID(typ, name string) string {
	return typ + "--" + uuid.NewSHA1(namespace, []byte(name)).String()
}

// scoID returns the deterministic id of a cyber observable of typ from its
// ID contributing properties (STIX 2.1 §2.9): UUIDv5 in the SCO namespace
// of their canonical JSON (keys sorted, no whitespace, no HTML escaping).
func scoID(typ string, contributing map[string]string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(contributing) // a map of strings always encodes
	return typ + "--" + uuid.NewSHA1(scoNamespace, bytes.TrimSpace(buf.Bytes())).String()
}

// stamp writes a STIX timestamp: UTC, milliseconds (STIX 2.1 §3.2 requires
// millisecond precision for created and modified).
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// factSource is a graph.Source in the fact extension.
type factSource struct {
	Dataset      string        `json:"dataset"`
	Record       string        `json:"record,omitempty"`
	Job          string        `json:"job,omitempty"`
	RetrievedAt  string        `json:"retrieved_at,omitempty"`
	URL          string        `json:"url,omitempty"`
	Excerpt      string        `json:"excerpt,omitempty"`
	Confidence   int           `json:"confidence,omitempty"`
	Marking      graph.Marking `json:"marking,omitempty"`
	Agency       string        `json:"agency,omitempty"`
	User         string        `json:"user,omitempty"`
	Illustrative bool          `json:"illustrative,omitempty"`
	// Claim is what this source said, when the fact's sources differ
	// (graph.Node.Claims): an import writes one record per source so that
	// the store keeps who said what, and a viewer who may see only some of
	// the sources gets only their values.
	Claim *factClaim `json:"claim,omitempty"`
}

// factClaim is a graph.NodeClaim or graph.EdgeClaim in the fact extension.
type factClaim struct {
	Label     string      `json:"label,omitempty"`
	Aliases   []string    `json:"aliases,omitempty"`
	Props     graph.Props `json:"props,omitempty"`
	ValidFrom string      `json:"valid_from,omitempty"`
	ValidTo   string      `json:"valid_to,omitempty"`
	// edges
	Amount   float64 `json:"amount,omitempty"`
	Asset    string  `json:"asset,omitempty"`
	ValueUSD float64 `json:"value_usd,omitempty"`
	Time     string  `json:"time,omitempty"`
	TxHash   string  `json:"tx_hash,omitempty"`
}

// fact is the property extension every node and edge object carries: the
// record as the store holds it. Edges fill the edge fields.
type fact struct {
	ExtensionType string       `json:"extension_type"`
	ID            string       `json:"id"`
	Kind          string       `json:"kind"`
	Key           string       `json:"key,omitempty"`
	Label         string       `json:"label,omitempty"`
	Aliases       []string     `json:"aliases,omitempty"`
	Props         graph.Props  `json:"props,omitempty"`
	Sources       []factSource `json:"sources"`
	ValidFrom     string       `json:"valid_from,omitempty"`
	ValidTo       string       `json:"valid_to,omitempty"`
	// edges
	From     string  `json:"from_node,omitempty"`
	To       string  `json:"to_node,omitempty"` // STIX property names have at least 3 characters
	Amount   float64 `json:"amount,omitempty"`
	Asset    string  `json:"asset,omitempty"`
	ValueUSD float64 `json:"value_usd,omitempty"`
	Time     string  `json:"time,omitempty"`
	TxHash   string  `json:"tx_hash,omitempty"`
}

// caseExt is the property extension of the case's report: the case's ID and
// where each node stood on the canvas, so that an import lays the view out
// as it was.
type caseExt struct {
	ExtensionType string                `json:"extension_type"`
	CaseID        string                `json:"case_id"`
	Version       int                   `json:"version,omitempty"`
	Positions     map[string][2]float64 `json:"positions,omitempty"`
}

// nodeClaims returns the claim of each of a node's sources, nil when they
// all claim the whole record.
func nodeClaims(n *graph.Node) []*factClaim {
	if n.Claims == nil {
		return nil
	}
	out := make([]*factClaim, len(n.Sources))
	for i := range out {
		c := n.ClaimAt(i)
		out[i] = &factClaim{Label: c.Label, Aliases: c.Aliases, Props: c.Props, ValidFrom: optTime(c.ValidFrom), ValidTo: optTime(c.ValidTo)}
	}
	return out
}

// edgeClaims is nodeClaims for an edge.
func edgeClaims(e *graph.Edge) []*factClaim {
	if e.Claims == nil {
		return nil
	}
	out := make([]*factClaim, len(e.Sources))
	for i := range out {
		c := e.ClaimAt(i)
		out[i] = &factClaim{Amount: c.Amount, Asset: c.Asset, ValueUSD: c.ValueUSD, Time: optTime(c.Time), TxHash: c.TxHash,
			Props: c.Props, ValidFrom: optTime(c.ValidFrom), ValidTo: optTime(c.ValidTo)}
	}
	return out
}

func sourcesOut(ss []graph.Source, claims []*factClaim) []factSource {
	out := make([]factSource, len(ss))
	for i, s := range ss {
		out[i] = factSource{
			Dataset: s.Dataset, Record: s.Record, Job: s.Job, URL: s.URL, Excerpt: s.Excerpt,
			Confidence: s.Confidence, Marking: s.Marking, Agency: s.Agency, User: s.User, Illustrative: s.Illustrative,
		}
		if claims != nil {
			out[i].Claim = claims[i]
		}
		if !s.RetrievedAt.IsZero() {
			out[i].RetrievedAt = s.RetrievedAt.UTC().Format(time.RFC3339Nano)
		}
	}
	return out
}

func optTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}
