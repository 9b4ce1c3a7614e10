package tagpack

import (
	"strconv"
	"strings"

	"github.com/redthread-dev/redthread/graph"
)

// confidenceLevels is GraphSense's whole confidence taxonomy, id → level:
// graphsense-tagpack-tool src/tagpack/db/confidence.csv at commit
// fcddd3ad04a4a22f008f2ab492160e4b8674dec2 (github.com/graphsense/graphsense-tagpack-tool),
// the table the TagPack validator checks `confidence` against. Its levels
// are already on Redthread's 0–100 scale (Source.confidence), so each maps
// to its own number; a level added there is rejected here until it is added.
var confidenceLevels = map[string]int{
	"override":               100, // manual cluster tag
	"ownership":              100, // the creator holds the private key
	"ledger_immanent":        100, // read from the ledger itself
	"manual_transaction":     90,  // the creator moved funds between known services
	"service_api":            70,  // a trusted service provider's API
	"forensic_investigation": 70,  // a known victim's or perpetrator's address from an investigation
	"authority_data":         60,  // public authorities (OFAC)
	"trusted_provider":       50,  // trusted third parties (a spam trap)
	"service_data":           50,  // a known service's own file
	"forensic":               50,  // somewhat trusted reports (academic papers)
	"untrusted_transaction":  40,  // a third party moved funds between known services
	"web_crawl":              20,  // crawls and data dumps
	"heuristic":              10,  // best effort
	"unknown":                5,   // unknown source and reliability
}

// confidence maps a level name, or a number 0–100, to Redthread's scale;
// an empty value is unknown (5).
func confidence(s string) (int, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return graph.ConfidenceUnknown, true
	}
	if c, ok := confidenceLevels[s]; ok {
		return c, true
	}
	if n, err := strconv.Atoi(s); err == nil && n >= 0 && n <= 100 {
		return n, true
	}
	return 0, false
}

// serviceCategories are GraphSense categories of actors that run a service
// (GUIDE §3: exchange, mixer, bridge, OTC desk, DeFi protocol, payment
// processor…): they become SERVICE nodes that CONTROL their wallets.
var serviceCategories = map[string]bool{
	"exchange": true, "mixing_service": true, "coinjoin": true, "defi": true, "defi_dex": true,
	"defi_lending": true, "defi_derivative": true, "defi_bridge": true, "bridge": true,
	"market": true, "payment_processor": true, "gambling": true, "wallet_service": true,
	"mining_service": true, "faucet": true, "service": true, "atm": true, "otc": true, "index": true,
}

// threatCategories are categories and abuses of actors behind attacks or
// designated by authorities: they become THREAT_GROUP nodes and wallets are
// ATTRIBUTED_TO them.
var threatCategories = map[string]bool{
	"hacker": true, "hacking": true, "perpetrator": true, "ransomware": true, "phishing": true,
	"service_hack": true, "social_engineering": true, "sextortion": true, "scam": true,
	"ponzi_scheme": true, "terrorism": true, "sanction": true,
}

// actorKind is the node kind of an actor with the given categories: a
// service category wins (a sanctioned exchange still runs an exchange),
// then a threat category; any other actor is an ORGANIZATION.
func actorKind(categories ...string) graph.NodeKind {
	threat := false
	for _, c := range categories {
		c = strings.ToLower(strings.TrimSpace(c))
		if serviceCategories[c] {
			return graph.KindService
		}
		threat = threat || threatCategories[c]
	}
	if threat {
		return graph.KindThreatGroup
	}
	return graph.KindOrganization
}
