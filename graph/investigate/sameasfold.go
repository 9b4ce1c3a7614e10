package investigate

import (
	"strings"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/search"
)

// The folding rules of same-actor candidates: which spellings of a name are
// one name, and which entities name no actor at all.

// corporateSuffixes are dropped at the end of a folded name: "Chosun Expo
// Ltd" and "CHOSUN EXPO" are one name.
var corporateSuffixes = map[string]bool{
	"ltd": true, "limited": true, "llc": true, "inc": true, "incorporated": true, "co": true, "corp": true,
	"corporation": true, "company": true, "plc": true, "gmbh": true, "ag": true, "sa": true, "jsc": true,
	"ojsc": true, "pjsc": true, "ooo": true, "llp": true, "lp": true, "bv": true, "nv": true, "pte": true,
}

// FoldName folds a name for matching: search.Fold (case, accents,
// punctuation), then trailing corporate suffixes dropped; "" when what is
// left is too short to match on.
func FoldName(s string) string {
	toks := search.Fold(s)
	for len(toks) > 1 && corporateSuffixes[toks[len(toks)-1]] {
		toks = toks[:len(toks)-1]
	}
	out := strings.Join(toks, " ")
	if len(strings.ReplaceAll(out, " ", "")) < sameAsMinName {
		return ""
	}
	return out
}

// sameAsMinDomainName is the fewest letters and digits of a domain's name:
// shorter ones are tickers and initials ("btc.com", "BTC LLC").
const sameAsMinDomainName = 4

// secondLevel are the labels under which a country's registry sells names
// ("example.co.uk"): the name is the label before them.
var secondLevel = map[string]bool{"co": true, "com": true, "org": true, "net": true, "ac": true, "gov": true, "edu": true}

// DomainName returns the name a bare web domain stands for: "sinbad.io",
// "https://www.sinbad.io/" and "hydra-market.co.uk" name "sinbad" and
// "hydra market"; "" when s is not a bare domain (a space, a path, a
// subdomain other than www, a top-level domain that is not letters) or the
// name is shorter than sameAsMinDomainName. TagPacks name services by their domain where OFAC
// names the entity ("sinbad.io" and "SINBAD").
func DomainName(s string) string {
	d := strings.ToLower(strings.TrimSpace(s))
	for _, p := range []string{"https://", "http://", "www."} {
		d = strings.TrimPrefix(d, p)
	}
	d = strings.TrimSuffix(d, "/")
	labels := strings.Split(d, ".")
	if len(labels) < 2 || !validLabels(labels) || !allLetters(labels[len(labels)-1]) {
		return ""
	}
	labels = labels[:len(labels)-1]
	if len(labels) == 2 && secondLevel[labels[1]] {
		labels = labels[:1]
	}
	if len(labels) != 1 || len(strings.ReplaceAll(labels[0], "-", "")) < sameAsMinDomainName {
		return ""
	}
	return FoldName(labels[0])
}

func validLabels(labels []string) bool {
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			if c := l[i]; !validDomainByte(c) {
				return false
			}
		}
	}
	return true
}

func validDomainByte(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' }

func allLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return len(s) >= 2
}

// nameKey is one way a spelling matches: its folded form, or the name its
// bare domain stands for (domain), which matches a plain name and never
// another domain's name ("bitcoin.com" and "bitcoin.org" are different
// sites).
type nameKey struct {
	folded string
	domain bool
}

// nameKeys are the keys of one spelling.
func nameKeys(s string) []nameKey {
	var out []nameKey
	if f := FoldName(s); f != "" {
		out = append(out, nameKey{folded: f})
	}
	if d := DomainName(s); d != "" && (len(out) == 0 || d != out[0].folded) {
		out = append(out, nameKey{folded: d, domain: true})
	}
	return out
}

// notAnActor reports an entity that is filed under an actor kind but names
// a thing: OFAC files vessels and aircraft as entries beside companies, and
// a tanker's former names ("SPARROW", "BLOSSOM") say nothing about who
// anyone is.
func notAnActor(n *graph.Node) bool {
	t, _ := n.Props["sdnType"].(string)
	return t == "vessel" || t == "aircraft"
}
