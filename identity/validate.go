package identity

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/redthread-dev/redthread/graph"
)

// Bounds on what a caller may send.
const (
	MaxAgencyID     = 48  // bytes of an agency slug
	MaxAgencyName   = 200 // runes of an agency's display name
	MaxEmail        = 254 // bytes of an email address (RFC 5321's path limit)
	MaxEmailLocal   = 64  // bytes before the @
	MinPassword     = 12  // runes: length is what resists guessing
	MaxPassword     = 256 // runes: argon2 hashes any length, but a bound keeps requests small
	maxCredentialIn = 512 // bytes of a bearer token or cookie value worth parsing
)

func invalid(format string, args ...any) error {
	return graph.Errorf(graph.CodeInvalid, format, args...)
}

// AgencyID checks an agency slug: 1–48 of a-z, 0-9 and '-', starting with
// a letter or digit.
func AgencyID(id string) (string, error) {
	if id == "" {
		return "", invalid("agency: empty (want a slug such as fiu or cyber-unit)")
	}
	if len(id) > MaxAgencyID {
		return "", invalid("agency: longer than %d characters", MaxAgencyID)
	}
	for i, c := range id {
		if !lowerOrDigit(c) && (c != '-' || i == 0) {
			return "", invalid("agency %q: want a slug of a-z, 0-9 and '-' (starting with a letter or digit)", printable(id))
		}
	}
	return id, nil
}

// agencyName trims a display name and checks it.
func agencyName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if err := plainText("name", name, MaxAgencyName); err != nil {
		return "", err
	}
	if name == "" {
		return "", invalid("name: empty")
	}
	return name, nil
}

// plainText checks that s is valid UTF-8 of at most max runes without
// control characters.
func plainText(arg, s string, max int) error {
	if !utf8.ValidString(s) {
		return invalid("%s: not valid UTF-8", arg)
	}
	if utf8.RuneCountInString(s) > max {
		return invalid("%s: longer than %d characters", arg, max)
	}
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return invalid("%s: contains a control character", arg)
	}
	return nil
}

// NormaliseEmail returns the deployment's form of an email address (trimmed,
// lower case) or an error naming what is wrong. Only plain ASCII addresses
// are accepted: they are what sign-in forms and partner directories use,
// and they leave no room for look-alike characters.
func NormaliseEmail(email string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(email))
	if e == "" {
		return "", invalid("email: empty")
	}
	if len(e) > MaxEmail {
		return "", invalid("email: longer than %d characters", MaxEmail)
	}
	local, domain, ok := strings.Cut(e, "@")
	if !ok || local == "" || domain == "" || strings.Contains(domain, "@") {
		return "", invalid("email %q: want one address such as name@agency.example", printable(e))
	}
	if len(local) > MaxEmailLocal {
		return "", invalid("email: the part before @ is longer than %d characters", MaxEmailLocal)
	}
	for _, c := range local {
		if !lowerOrDigit(c) && !strings.ContainsRune(".!#$%&'*+/=?^_`{|}~-", c) {
			return "", invalid("email %q: the part before @ may hold only a-z, 0-9 and .!#$%%&'*+/=?^_`{|}~-", printable(e))
		}
	}
	if strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
		return "", invalid("email %q: misplaced '.' before @", printable(e))
	}
	for label := range strings.SplitSeq(domain, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return "", invalid("email %q: the domain is not a host name", printable(e))
		}
		for _, c := range label {
			if !lowerOrDigit(c) && c != '-' {
				return "", invalid("email %q: the domain may hold only a-z, 0-9, '-' and '.'", printable(e))
			}
		}
	}
	return e, nil
}

// ParseRole checks a role name.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles() {
		if string(r) == s {
			return r, nil
		}
	}
	return "", invalid("role %q: want viewer, analyst or admin", printable(s))
}

// ParseScopes checks scope names, dropping repeats; none is an error.
func ParseScopes(names []string) ([]Scope, error) {
	if len(names) == 0 {
		return nil, invalid("scopes: none given (want read, write or ingest)")
	}
	var out []Scope
	for _, n := range names {
		s := Scope(n)
		switch s {
		case ScopeRead, ScopeWrite, ScopeIngest:
		default:
			return nil, invalid("scope %q: want read, write or ingest", printable(n))
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out, nil
}

// checkPassword applies the password policy: long enough, bounded, no
// control characters (they are typing accidents, not entropy).
func checkPassword(pw string) error {
	if err := plainText("password", pw, MaxPassword); err != nil {
		return err
	}
	if utf8.RuneCountInString(pw) < MinPassword {
		return invalid("password: shorter than %d characters", MinPassword)
	}
	return nil
}

// printable cuts s for an error message and replaces what a terminal
// would interpret.
func printable(s string) string {
	const max = 80
	if len(s) > max {
		s = s[:max]
		for !utf8.ValidString(s) && len(s) > 0 {
			s = s[:len(s)-1]
		}
		s += "…"
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return '?'
		}
		return r
	}, s)
}

func lowerOrDigit(c rune) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }
