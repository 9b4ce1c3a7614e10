package scenario

import "errors"

var errReserve = errors.New("scenario: the stories need more wallets than the scale reserves for them")

// Truth is what the scenario laid down, for measuring clustering and
// persona resolution against: written to truth.json. Wallets are wallet
// keys ("btc:1…", "eth:0x…"), personas and organizations node keys.
type Truth struct {
	Seed     uint64         `json:"seed"`
	Scale    string         `json:"scale"`
	Actors   []Actor        `json:"actors"`   // wallets one actor controls
	Routes   []Route        `json:"routes"`   // laundering and payroll routes, hop by hop
	People   []Person       `json:"people"`   // personas that are one person
	Services []TruthService `json:"services"` // service wallets
	Fronts   []Front        `json:"fronts"`
	Dormant  []string       `json:"dormant"` // wallets that sat idle for months, then burst
}

// Actor is one controller of wallets: the launderers of one theft, or one
// IT-worker team's payout and consolidation wallets.
type Actor struct {
	ID      string   `json:"id"`
	Kind    string   `json:"kind"` // "theft" or "it-team"
	Group   string   `json:"group"`
	Wallets []string `json:"wallets"`
}

// Route is a path of value laid by the scenario.
type Route struct {
	ID       string `json:"id"`
	Incident string `json:"incident,omitempty"`
	Team     string `json:"team,omitempty"`
	Hops     []Hop  `json:"hops"`
}

// Hop is one transfer on a route.
type Hop struct {
	Step  string `json:"step"` // theft, peel, mixer-in, mixer-out, bridge-in, bridge-out, consolidate, dormant-burst, deposit, salary, sweep, otc
	Chain string `json:"chain"`
	Tx    string `json:"tx"`
	From  string `json:"from"`
	To    string `json:"to"`
	Time  int64  `json:"time"` // unix seconds
}

// Person is one real person behind one or more personas.
type Person struct {
	ID       string   `json:"id"`
	Team     string   `json:"team"`
	Personas []string `json:"personas"`
	Wallets  []string `json:"wallets"` // payout wallets
}

// TruthService names a service's wallets.
type TruthService struct {
	Key      string   `json:"key"`
	Category string   `json:"category"`
	Wallets  []string `json:"wallets"`  // hot, pool and bridge wallets
	Deposits int      `json:"deposits"` // deposit wallets, listed in entities.jsonl
}

// Front is a front company and who is behind it.
type Front struct {
	Organization string   `json:"organization"`
	Owner        string   `json:"owner"`
	Team         string   `json:"team"`
	Wallets      []string `json:"wallets"`
}
