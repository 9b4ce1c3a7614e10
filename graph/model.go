// Package graph is Redthread's domain: node and edge kinds, natural keys,
// provenance and markings, the backend-neutral query model and the Store
// contract that every graph store implements. It imports no driver, no HTTP
// and no GraphQL.
package graph

import (
	"slices"
	"time"
)

// NodeKind is the label of a node. The set is closed: stores may turn kinds
// into labels or table names, so a kind never comes from user input unchecked.
type NodeKind string

// Node kinds (GUIDE §3).
const (
	KindWallet       NodeKind = "WALLET"
	KindTransaction  NodeKind = "TRANSACTION"
	KindService      NodeKind = "SERVICE"
	KindOrganization NodeKind = "ORGANIZATION"
	KindPerson       NodeKind = "PERSON"
	KindIdentifier   NodeKind = "IDENTIFIER"
	KindThreatGroup  NodeKind = "THREAT_GROUP"
	KindIncident     NodeKind = "INCIDENT"
	KindSanction     NodeKind = "SANCTION"
	KindLocation     NodeKind = "LOCATION"
)

// NodeKinds lists every node kind in a fixed order.
var nodeKinds = []NodeKind{
	KindWallet, KindTransaction, KindService, KindOrganization, KindPerson,
	KindIdentifier, KindThreatGroup, KindIncident, KindSanction, KindLocation,
}

// NodeKinds returns every node kind in a fixed order.
func NodeKinds() []NodeKind { return slices.Clone(nodeKinds) }

// Valid reports whether k is one of the known node kinds.
func (k NodeKind) Valid() bool { return slices.Contains(nodeKinds, k) }

// EdgeKind is the type of a relationship; a closed set like NodeKind.
type EdgeKind string

// Edge kinds (GUIDE §3).
const (
	EdgeTransfer       EdgeKind = "TRANSFER"        // wallet → wallet: amount, asset, USD value, time, tx hash
	EdgeInput          EdgeKind = "INPUT"           // wallet → transaction
	EdgeOutput         EdgeKind = "OUTPUT"          // transaction → wallet
	EdgeControls       EdgeKind = "CONTROLS"        // entity → wallet
	EdgeOwns           EdgeKind = "OWNS"            // entity → entity
	EdgeDirects        EdgeKind = "DIRECTS"         // person/org → org
	EdgeEmploys        EdgeKind = "EMPLOYS"         // org → person
	EdgePays           EdgeKind = "PAYS"            // entity → entity (fiat or off-chain)
	EdgeUses           EdgeKind = "USES"            // person → identifier
	EdgeSameAs         EdgeKind = "SAME_AS"         // judgement: confidence, who, why
	EdgeAttributedTo   EdgeKind = "ATTRIBUTED_TO"   // incident/wallet/persona → group
	EdgePartOf         EdgeKind = "PART_OF"         // group/org → parent body
	EdgeLocatedIn      EdgeKind = "LOCATED_IN"      // entity → location
	EdgeSanctionedBy   EdgeKind = "SANCTIONED_BY"   // entity/wallet → sanction
	EdgeStole          EdgeKind = "STOLE"           // incident → wallet that received the loot
	EdgeDepositedAt    EdgeKind = "DEPOSITED_AT"    // wallet → service
	EdgeTargeted       EdgeKind = "TARGETED"        // incident → victim service/org
	EdgeAssociatedWith EdgeKind = "ASSOCIATED_WITH" // any other sourced relation; props.relation says which
)

var edgeKinds = []EdgeKind{
	EdgeTransfer, EdgeInput, EdgeOutput, EdgeControls, EdgeOwns, EdgeDirects,
	EdgeEmploys, EdgePays, EdgeUses, EdgeSameAs, EdgeAttributedTo, EdgePartOf,
	EdgeLocatedIn, EdgeSanctionedBy, EdgeStole, EdgeDepositedAt, EdgeTargeted,
	EdgeAssociatedWith,
}

// EdgeKinds returns every edge kind in a fixed order.
func EdgeKinds() []EdgeKind { return slices.Clone(edgeKinds) }

// Valid reports whether k is one of the known edge kinds.
func (k EdgeKind) Valid() bool { return slices.Contains(edgeKinds, k) }

// Marking is a Traffic Light Protocol (TLP 2.0) marking.
type Marking string

// TLP 2.0 markings, least to most restrictive.
const (
	TLPClear       Marking = "TLP:CLEAR"
	TLPGreen       Marking = "TLP:GREEN"
	TLPAmber       Marking = "TLP:AMBER"
	TLPAmberStrict Marking = "TLP:AMBER+STRICT"
	TLPRed         Marking = "TLP:RED"
)

var markings = []Marking{TLPClear, TLPGreen, TLPAmber, TLPAmberStrict, TLPRed}

// Rank orders markings from least (0) to most restrictive; -1 if unknown.
func (m Marking) Rank() int { return slices.Index(markings, m) }

// Markings returns the TLP 2.0 markings from least to most restrictive.
func Markings() []Marking { return slices.Clone(markings) }

// Valid reports whether m is a known TLP marking.
func (m Marking) Valid() bool { return m.Rank() >= 0 }

// Confidence levels on GraphSense's 0–100 scale.
const (
	ConfidenceOwnership = 100
	ConfidenceAuthority = 60
	ConfidenceForensic  = 50
	ConfidenceHeuristic = 10
	ConfidenceUnknown   = 5
)

// Source is one assertion of a fact: who said it, where, under what marking.
// A node or edge is the union of its sources; its own confidence and marking
// are derived from them (see Merge), so that access control can later show a
// user only the sources their agency may see.
type Source struct {
	Dataset      string    `json:"dataset"`                // e.g. "background/000_794974872b93bdd2.txt" or "ofac-sdn-2024-05-03"
	Record       string    `json:"record,omitempty"`       // record within the dataset: line, ent_num, STIX id
	Job          string    `json:"job,omitempty"`          // ingest job that loaded it
	RetrievedAt  time.Time `json:"retrievedAt,omitzero"`   // when the source was obtained
	URL          string    `json:"url,omitempty"`          // where a reader can check it
	Excerpt      string    `json:"excerpt,omitempty"`      // the passage the fact rests on
	Confidence   int       `json:"confidence,omitempty"`   // 0–100; 0 means unknown (treated as ConfidenceUnknown)
	Marking      Marking   `json:"marking,omitempty"`      // empty means TLP:CLEAR
	Agency       string    `json:"agency,omitempty"`       // owning agency; empty: public data, or the home agency's (graph/visibility)
	User         string    `json:"user,omitempty"`         // who ingested it: the named recipient of a RED source
	Illustrative bool      `json:"illustrative,omitempty"` // synthetic data standing in for facts the source does not give
}

// sourceKey identifies a source assertion: the same dataset record asserted
// twice is one source, which is what makes re-ingest idempotent.
func (s Source) sourceKey() string { return s.Dataset + "\x00" + s.Record + "\x00" + s.Agency }

// Props holds kind-specific properties as JSON-compatible values.
type Props map[string]any

// Node is an entity: a wallet, a company, a persona, a theft...
type Node struct {
	ID         string    `json:"id"`
	Kind       NodeKind  `json:"kind"`
	Key        string    `json:"key"` // normalised natural key; ID is derived from Kind and Key
	Label      string    `json:"label"`
	Aliases    []string  `json:"aliases,omitempty"`
	Props      Props     `json:"props,omitempty"`
	Sources    []Source  `json:"sources"`
	Confidence int       `json:"confidence"`
	Marking    Marking   `json:"marking"`
	ValidFrom  time.Time `json:"validFrom,omitzero"`
	ValidTo    time.Time `json:"validTo,omitzero"`
	// Claims: what each source said, when they differ (see claims.go).
	Claims []NodeClaim `json:"claims,omitempty"`
}

// Edge is a directed relation between two nodes. Several edges of one kind
// may join the same pair; Key tells them apart (a transfer's tx hash and
// output index, say).
type Edge struct {
	ID         string    `json:"id"`
	Kind       EdgeKind  `json:"kind"`
	From       string    `json:"from"`
	To         string    `json:"to"`
	Key        string    `json:"key,omitempty"`
	Amount     float64   `json:"amount,omitempty"`   // in Asset units
	Asset      string    `json:"asset,omitempty"`    // BTC, ETH, USDT, USD...
	ValueUSD   float64   `json:"valueUSD,omitempty"` // at the time of the transfer
	Time       time.Time `json:"time,omitzero"`      // when it happened (transfers, payments)
	TxHash     string    `json:"txHash,omitempty"`
	Props      Props     `json:"props,omitempty"`
	Sources    []Source  `json:"sources"`
	Confidence int       `json:"confidence"`
	Marking    Marking   `json:"marking"`
	ValidFrom  time.Time `json:"validFrom,omitzero"`
	ValidTo    time.Time `json:"validTo,omitzero"`
	// Claims: what each source said, when they differ (see claims.go).
	Claims []EdgeClaim `json:"claims,omitempty"`
}

// Other returns the endpoint of e that is not id.
func (e *Edge) Other(id string) string {
	if e.From == id {
		return e.To
	}
	return e.From
}
