package shares

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redthread-dev/redthread/graph/state"
)

// Share links are signed with HMAC-SHA-256 under a key named by a key ID.
// The keys live in the record store (collection share-keys), so that every
// server over one store verifies every other's links; the current key is
// named by the record "current" of share-key-current. Rotating makes a new
// key current and keeps the old ones, so links signed before still verify
// until they expire (keys are never deleted: a link's lifetime is bounded,
// a key is 32 bytes).

const (
	collKeys    = "share-keys"
	collCurrent = "share-key-current"
	currentKey  = "current"
	keyBytes    = 32
	// tokenPrefix starts every link token; its version is part of what is
	// signed.
	tokenPrefix = "rts1"
)

type keyRecord struct {
	ID        string    `json:"id"`
	Secret    []byte    `json:"secret"`
	CreatedAt time.Time `json:"createdAt"`
}

// Keyring signs and verifies link tokens with the keys of a record store.
type Keyring struct {
	st  state.Store
	now func() time.Time

	mu   sync.Mutex
	keys map[string][]byte // keys never change once written: safe to keep
}

// NewKeyring returns the keyring over st.
func NewKeyring(st state.Store, now func() time.Time) *Keyring {
	if now == nil {
		now = time.Now
	}
	return &Keyring{st: st, now: now, keys: map[string][]byte{}}
}

// Rotate makes a new key current and returns its ID; links signed with the
// keys before it still verify.
func (k *Keyring) Rotate(ctx context.Context) (string, error) {
	id, err := k.newKey(ctx)
	if err != nil {
		return "", err
	}
	cur, _ := json.Marshal(map[string]string{"id": id})
	if _, err := k.st.Put(ctx, collCurrent, currentKey, cur, state.AnyVersion); err != nil {
		return "", fmt.Errorf("share keys: make %s current: %w", id, err)
	}
	return id, nil
}

func (k *Keyring) newKey(ctx context.Context) (string, error) {
	var raw [keyBytes + 5]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", fmt.Errorf("share keys: %w", err)
	}
	// Key IDs are short and sortable by creation, for the CLI's listing.
	id := "k" + strconv.FormatInt(k.now().Unix(), 36) + strings.ToLower(b32.EncodeToString(raw[keyBytes:]))
	rec, err := json.Marshal(keyRecord{ID: id, Secret: raw[:keyBytes], CreatedAt: k.now().UTC()})
	if err != nil {
		return "", err
	}
	if _, err := k.st.Put(ctx, collKeys, id, rec, state.Absent); err != nil {
		return "", fmt.Errorf("share keys: store %s: %w", id, err)
	}
	return id, nil
}

// current returns the current key, making the first one when there is
// none: two servers racing to make it agree on the one stored first.
func (k *Keyring) current(ctx context.Context) (string, []byte, error) {
	for range 3 {
		rec, err := k.st.Get(ctx, collCurrent, currentKey)
		if errors.Is(err, state.ErrNotFound) {
			id, err := k.newKey(ctx)
			if err != nil {
				return "", nil, err
			}
			cur, _ := json.Marshal(map[string]string{"id": id})
			if _, err := k.st.Put(ctx, collCurrent, currentKey, cur, state.Absent); err != nil && !errors.Is(err, state.ErrConflict) {
				return "", nil, fmt.Errorf("share keys: make %s current: %w", id, err)
			}
			continue // read whichever key won
		}
		if err != nil {
			return "", nil, fmt.Errorf("share keys: current: %w", err)
		}
		var cur struct{ ID string }
		if err := json.Unmarshal(rec.Value, &cur); err != nil {
			return "", nil, fmt.Errorf("share keys: current: %w", err)
		}
		secret, err := k.key(ctx, cur.ID)
		if err != nil {
			return "", nil, err
		}
		return cur.ID, secret, nil
	}
	return "", nil, fmt.Errorf("share keys: no current key after creating one")
}

// errUnknownKey: the token names no key of the store.
var errUnknownKey = errors.New("unknown key")

// key returns the secret of key id.
func (k *Keyring) key(ctx context.Context, id string) ([]byte, error) {
	k.mu.Lock()
	secret, ok := k.keys[id]
	k.mu.Unlock()
	if ok {
		return secret, nil
	}
	if state.CheckKey("key", id) != nil {
		return nil, errUnknownKey
	}
	rec, err := k.st.Get(ctx, collKeys, id)
	if errors.Is(err, state.ErrNotFound) {
		return nil, errUnknownKey
	}
	if err != nil {
		return nil, fmt.Errorf("share keys: %w", err)
	}
	var r keyRecord
	if err := json.Unmarshal(rec.Value, &r); err != nil || len(r.Secret) != keyBytes {
		return nil, fmt.Errorf("share keys: key %s unreadable", id)
	}
	k.mu.Lock()
	k.keys[id] = r.Secret
	k.mu.Unlock()
	return r.Secret, nil
}

// Keys lists the stored key IDs and when each was made, and which is
// current (for `redthread sharekey list`).
func (k *Keyring) Keys(ctx context.Context) (ids []string, made []time.Time, current string, err error) {
	for after := ""; ; {
		page, err := k.st.List(ctx, collKeys, "", after, state.MaxList)
		if err != nil {
			return nil, nil, "", fmt.Errorf("share keys: %w", err)
		}
		for _, rec := range page {
			var r keyRecord
			if json.Unmarshal(rec.Value, &r) == nil {
				ids, made = append(ids, r.ID), append(made, r.CreatedAt)
			}
		}
		if len(page) < state.MaxList {
			break
		}
		after = page[len(page)-1].Key
	}
	if rec, err := k.st.Get(ctx, collCurrent, currentKey); err == nil {
		var cur struct{ ID string }
		_ = json.Unmarshal(rec.Value, &cur)
		current = cur.ID
	}
	return ids, made, current, nil
}

// Token format: rts1.KEYID.PAYLOAD.MAC, PAYLOAD the base64url of
// "SHAREID.EXPIRY" (expiry in Unix seconds), MAC the base64url of
// HMAC-SHA-256 over "rts1.KEYID.PAYLOAD" with the key. '.' never occurs in
// base64url, key IDs or share IDs.

var b64 = base64.RawURLEncoding

// Sign returns the link token of share id, expiring at exp, under the
// current key.
func (k *Keyring) Sign(ctx context.Context, id string, exp time.Time) (string, error) {
	kid, secret, err := k.current(ctx)
	if err != nil {
		return "", err
	}
	signed := tokenPrefix + "." + kid + "." + b64.EncodeToString([]byte(id+"."+strconv.FormatInt(exp.Unix(), 10)))
	return signed + "." + b64.EncodeToString(mac(secret, signed)), nil
}

func mac(secret []byte, signed string) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(signed))
	return h.Sum(nil)
}

// errBadToken: the token is not one this deployment signed, or has
// expired. Callers answer every such failure alike.
var errBadToken = errors.New("bad token")

// maxTokenBytes bounds what is parsed: a real token is about 120 bytes.
const maxTokenBytes = 512

// Verify returns the share ID a token names if its MAC holds under its
// key and it has not expired; errBadToken otherwise, or the store's error.
func (k *Keyring) Verify(ctx context.Context, token string) (string, error) {
	token = strings.TrimSpace(token)
	if len(token) > maxTokenBytes {
		return "", errBadToken
	}
	parts := strings.Split(token, ".")
	if len(parts) != 4 || parts[0] != tokenPrefix {
		return "", errBadToken
	}
	secret, err := k.key(ctx, parts[1])
	if errors.Is(err, errUnknownKey) {
		return "", errBadToken
	}
	if err != nil {
		return "", err
	}
	got, err := b64.DecodeString(parts[3])
	if err != nil {
		return "", errBadToken
	}
	// hmac.Equal compares in constant time.
	if !hmac.Equal(got, mac(secret, strings.Join(parts[:3], "."))) {
		return "", errBadToken
	}
	payload, err := b64.DecodeString(parts[2])
	if err != nil {
		return "", errBadToken
	}
	id, expText, ok := strings.Cut(string(payload), ".")
	exp, err := strconv.ParseInt(expText, 10, 64)
	if !ok || err != nil || id == "" || !k.now().Before(time.Unix(exp, 0)) {
		return "", errBadToken
	}
	return id, nil
}
