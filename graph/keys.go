package graph

import (
	"fmt"
	"net/netip"
	"strings"
	"unicode"
)

// IDs are stable, readable and built from natural keys so that a notebook
// can write one by hand:
//
//	wallet:eth:0x098b716b8aaf21512996dc57eb0615e2383e2f96
//	transaction:btc:4a5e1e4b...
//	identifier:email:someone@example.com
//	threat_group:lazarus-group
//
// An edge ID joins its endpoints and kind, plus a discriminator when one pair
// has several edges of a kind:
//
//	wallet:eth:0xaa>TRANSFER>wallet:eth:0xbb#0xtxhash:3
//
// '>' and '#' never occur in node IDs, so edge IDs parse unambiguously.

// idPrefix maps kinds to the readable prefix of their IDs.
var idPrefix = map[NodeKind]string{
	KindWallet: "wallet", KindTransaction: "transaction", KindService: "service",
	KindOrganization: "organization", KindPerson: "person", KindIdentifier: "identifier",
	KindThreatGroup: "threat_group", KindIncident: "incident", KindSanction: "sanction",
	KindLocation: "location",
}

// IdentifierTypes are the kinds of identifier a persona can use.
var identifierTypes = map[string]bool{
	"email": true, "phone": true, "handle": true, "ip": true, "domain": true,
	"photohash": true, "url": true,
}

// NodeID returns the ID of a node of kind with natural key key, normalising
// the key first. It fails when the key is invalid for the kind.
func NodeID(kind NodeKind, key string) (id, normKey string, err error) {
	prefix, ok := idPrefix[kind]
	if !ok {
		return "", "", Errorf(CodeInvalid, "unknown node kind %q", kind)
	}
	normKey, err = NormalizeKey(kind, key)
	if err != nil {
		return "", "", err
	}
	return prefix + ":" + normKey, normKey, nil
}

// NormalizeKey validates and normalises a natural key for kind:
//   - WALLET "CHAIN:address" (see NormalizeAddress), e.g. "eth:0xabc..."
//   - TRANSACTION "CHAIN:hash"; hex hashes lower-case
//   - IDENTIFIER "type:value": email lower-case, phone digits with a
//     leading +, ip canonical, handle "platform/name" lower-case
//   - every other kind a slug: lower-case letters, digits, '.', '_', '-'
func NormalizeKey(kind NodeKind, key string) (string, error) {
	key = strings.TrimSpace(key)
	if key == "" {
		return "", Errorf(CodeInvalid, "empty key for %s", kind)
	}
	switch kind {
	case KindWallet:
		chain, addr, ok := strings.Cut(key, ":")
		if !ok {
			return "", Errorf(CodeInvalid, "wallet key %q must be CHAIN:address", key)
		}
		c := NormalizeChain(chain)
		a, err := NormalizeAddress(c, addr)
		if err != nil {
			return "", Errorf(CodeInvalid, "wallet key %q: %v", key, err)
		}
		return strings.ToLower(c) + ":" + a, nil
	case KindTransaction:
		chain, hash, ok := strings.Cut(key, ":")
		hash = strings.TrimSpace(hash)
		if !ok || hash == "" || strings.ContainsAny(hash, " \t>#|") {
			return "", Errorf(CodeInvalid, "transaction key %q must be CHAIN:hash", key)
		}
		if isHex(strings.TrimPrefix(strings.ToLower(hash), "0x")) {
			hash = strings.ToLower(hash)
		}
		return strings.ToLower(NormalizeChain(chain)) + ":" + hash, nil
	case KindIdentifier:
		typ, val, ok := strings.Cut(key, ":")
		typ = strings.ToLower(strings.TrimSpace(typ))
		if !ok || !identifierTypes[typ] {
			return "", Errorf(CodeInvalid, "identifier key %q must be TYPE:value with TYPE one of email, phone, handle, ip, domain, photohash, url", key)
		}
		v, err := normalizeIdentifier(typ, strings.TrimSpace(val))
		if err != nil {
			return "", Errorf(CodeInvalid, "identifier key %q: %v", key, err)
		}
		return typ + ":" + v, nil
	}
	return Slug(key)
}

func normalizeIdentifier(typ, v string) (string, error) {
	if v == "" {
		return "", fmt.Errorf("empty value")
	}
	if strings.ContainsAny(v, " \t\r\n>#|") && typ != "phone" {
		return "", fmt.Errorf("value contains whitespace or a reserved character")
	}
	switch typ {
	case "email":
		local, domain, ok := strings.Cut(v, "@")
		if !ok || local == "" || !strings.Contains(domain, ".") {
			return "", fmt.Errorf("%q is not an email address", v)
		}
		return strings.ToLower(v), nil
	case "phone":
		var b strings.Builder
		for i, r := range v {
			switch {
			case r >= '0' && r <= '9':
				b.WriteRune(r)
			case r == '+' && i == 0:
			case r == ' ' || r == '-' || r == '(' || r == ')' || r == '.':
			default:
				return "", fmt.Errorf("%q is not a phone number", v)
			}
		}
		if b.Len() < 6 {
			return "", fmt.Errorf("%q is too short for a phone number", v)
		}
		return "+" + b.String(), nil
	case "ip":
		a, err := netip.ParseAddr(v)
		if err != nil {
			return "", fmt.Errorf("%q is not an IP address", v)
		}
		return a.String(), nil
	case "handle":
		platform, name, ok := strings.Cut(v, "/")
		if !ok || platform == "" || name == "" {
			return "", fmt.Errorf("handle %q must be platform/name", v)
		}
		return strings.ToLower(platform) + "/" + strings.ToLower(strings.TrimPrefix(name, "@")), nil
	case "domain":
		return strings.ToLower(strings.TrimSuffix(v, ".")), nil
	}
	return v, nil
}

// Slug turns a name into a key: lower-case, runs of other characters folded
// into '-'. Letters outside ASCII are kept (names in Korean or Cyrillic stay
// readable).
func Slug(s string) (string, error) {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '_':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.TrimRight(b.String(), "-")
	if out == "" {
		return "", Errorf(CodeInvalid, "key %q has no letters or digits", s)
	}
	return out, nil
}

// IDPrefix is what the IDs of a kind's nodes start with ("threat_group:"),
// so a range of IDs holds one kind.
func IDPrefix(kind NodeKind) (string, bool) {
	p, ok := idPrefix[kind]
	return p + ":", ok
}

// ParseNodeID splits a node ID into its kind and key.
func ParseNodeID(id string) (NodeKind, string, error) {
	prefix, key, ok := strings.Cut(id, ":")
	if ok {
		for k, p := range idPrefix {
			if p == prefix && key != "" {
				return k, key, nil
			}
		}
	}
	return "", "", Errorf(CodeInvalid, "%q is not a node ID (want e.g. wallet:eth:0x..., threat_group:lazarus-group)", id)
}

// NormalizeNodeID parses id and returns it with its key normalised, so that
// wallet:ETH:0xABC… and wallet:eth:0xabc… name the same node.
func NormalizeNodeID(id string) (string, NodeKind, error) {
	kind, key, err := ParseNodeID(id)
	if err != nil {
		return "", "", err
	}
	norm, _, err := NodeID(kind, key)
	if err != nil {
		return "", "", err
	}
	return norm, kind, nil
}

// EdgeID returns the ID of an edge; key may be empty.
func EdgeID(kind EdgeKind, from, to, key string) string {
	id := from + ">" + string(kind) + ">" + to
	if key != "" {
		id += "#" + key
	}
	return id
}

func isHex(s string) bool {
	for _, r := range s {
		if (r < '0' || r > '9') && (r < 'a' || r > 'f') {
			return false
		}
	}
	return s != ""
}
