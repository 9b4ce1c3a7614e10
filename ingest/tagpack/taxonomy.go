package tagpack

import (
	"strconv"
	"strings"

	"github.com/redthread-dev/redthread/graph"
)

// confidenceLevels is GraphSense's confidence taxonomy
// (graphsense-tagpack-tool src/tagpack/db/confidence.csv, id → level).
var confidenceLevels = map[string]int{
	"override":              100,
	"ownership":             100,
	"manual_transaction":    90,
	"service_api":           70,
	"authority_data":        60,
	"trusted_provider":      50,
	"service_data":          50,
	"forensic":              50,
	"untrusted_transaction": 40,
	"web_crawl":             20,
	"heuristic":             10,
	"unknown":               5,
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
