package identity

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2Params are argon2id's cost parameters. They are written into each
// hash (PHC string), so changing them affects only new hashes.
type Argon2Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
}

// DefaultArgon2 is RFC 9106's second recommended option scaled to a small
// server: 64 MiB and 2 passes, one lane (the deployment's few cores serve
// queries too; lanes add speed, not strength). About 0.1 s per hash on one
// core; the service runs at most a few hashes at once (Options.MaxHashing)
// so that a burst of sign-ins cannot take the memory.
var DefaultArgon2 = Argon2Params{Memory: 64 * 1024, Time: 2, Threads: 1}

const (
	saltBytes = 16
	keyBytes  = 32
)

// Bounds a stored hash must respect before it is used: a hash written
// with absurd costs would make every sign-in a denial of service.
const (
	maxArgonMemory  = 1 << 20 // KiB: 1 GiB
	maxArgonTime    = 16
	maxArgonThreads = 16
)

var b64 = base64.RawStdEncoding

// hashPassword returns the PHC string of pw under p with a fresh salt.
func hashPassword(pw string, p Argon2Params) (string, error) {
	salt := make([]byte, saltBytes)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, keyBytes)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// verifyPassword reports whether pw matches the PHC string phc, comparing
// in constant time. A malformed hash never matches.
func verifyPassword(pw, phc string) bool {
	p, salt, key, ok := parsePHC(phc)
	if !ok {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1
}

// parsePHC reads "$argon2id$v=19$m=M,t=T,p=P$salt$key".
func parsePHC(phc string) (p Argon2Params, salt, key []byte, ok bool) {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, false
	}
	var m, t, th uint64
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, _ := strings.Cut(kv, "=")
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return p, nil, nil, false
		}
		switch k {
		case "m":
			m = n
		case "t":
			t = n
		case "p":
			th = n
		default:
			return p, nil, nil, false
		}
	}
	if m < 8 || m > maxArgonMemory || t < 1 || t > maxArgonTime || th < 1 || th > maxArgonThreads {
		return p, nil, nil, false
	}
	salt, err1 := b64.DecodeString(parts[4])
	key, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, false
	}
	return Argon2Params{Memory: uint32(m), Time: uint32(t), Threads: uint8(th)}, salt, key, true
}

// Credentials are random strings with a prefix saying what they are, in
// lower-case base32 (no padding) so that they survive copy and paste,
// URLs and shells.
const (
	tokenPrefix   = "rt_" // API token: rt_<id>_<secret>
	sessionPrefix = "rs_" // session cookie value
	linkPrefix    = "rl_" // one-time sign-in link code
	idBytes       = 10    // a token's public ID: 16 characters
	secretBytes   = 32    // every secret: 52 characters, 256 bits
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// random returns n random bytes in lower-case base32.
func random(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random: %w", err)
	}
	return strings.ToLower(b32.EncodeToString(b)), nil
}

var (
	idLen     = b32.EncodedLen(idBytes)
	secretLen = b32.EncodedLen(secretBytes)
)

// isBase32 reports whether s is n characters of lower-case base32.
func isBase32(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '2' || c > '7') {
			return false
		}
	}
	return true
}

// secretHash is what is stored of a secret: its SHA-256 in hex. The
// secrets carry 256 random bits, so a fast hash is enough (no guessing
// to slow down, unlike passwords).
func secretHash(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// sameHash compares two hex hashes in constant time.
func sameHash(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// parseToken splits "rt_<id>_<secret>"; ok is false for anything else.
func parseToken(s string) (id, secret string, ok bool) {
	if len(s) > maxCredentialIn || !strings.HasPrefix(s, tokenPrefix) {
		return "", "", false
	}
	id, secret, found := strings.Cut(s[len(tokenPrefix):], "_")
	if !found || !isBase32(id, idLen) || !isBase32(secret, secretLen) {
		return "", "", false
	}
	return id, secret, true
}

// parseSecret checks "<prefix><secret>" and returns its hash.
func parseSecret(prefix, s string) (hash string, ok bool) {
	if len(s) > maxCredentialIn || !strings.HasPrefix(s, prefix) || !isBase32(s[len(prefix):], secretLen) {
		return "", false
	}
	return secretHash(s), true
}
