package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
)

// requestIDHeader carries the request's ID back to the client (and, from a
// trusted proxy or a client that sets its own, in).
const requestIDHeader = "X-Request-Id"

// maxRequestIDLen bounds a client-given ID: longer or odder ones are
// replaced, so a log line never carries what a caller chose to inject.
const maxRequestIDLen = 64

// RequestID is the ID of the request ctx belongs to, as returned in the
// X-Request-Id header and logged with the request; "" outside a request.
func RequestID(ctx context.Context) string {
	if info := requestInfoFrom(ctx); info != nil {
		return info.id
	}
	return ""
}

// requestIDOf keeps a well-formed ID the client sent (letters, digits,
// '-', '_', '.'; at most 64), else makes a new random one.
func requestIDOf(r *http.Request) string {
	if id := r.Header.Get(requestIDHeader); validRequestID(id) {
		return id
	}
	var b [12]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand's documented contract)
	return hex.EncodeToString(b[:])
}

func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for _, c := range []byte(id) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}
