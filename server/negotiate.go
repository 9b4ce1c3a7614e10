package server

import (
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// The media types of GraphQL over HTTP's answers, as written in
// Content-Type: the spec asks for the encoding to be named.
const (
	jsonType         = "application/json; charset=utf-8"
	graphqlRespType  = graphqlResponseJSON + "; charset=utf-8"
	eventStreamMedia = "text/event-stream"
)

// answerType is what the endpoint answers in, chosen from the request's
// Accept header.
type answerType int

const (
	answerJSON    answerType = iota // application/json: the legacy type
	answerGraphQL                   // application/graphql-response+json
	answerStream                    // text/event-stream (POST only)
)

// contentType is the Content-Type of an answer of type a that is not a
// stream (a stream's refusals are plain JSON).
func (a answerType) contentType() string {
	if a == answerGraphQL {
		return graphqlRespType
	}
	return jsonType
}

// maxAcceptRanges bounds the media ranges read from Accept: the header is
// at most 64 KiB, and no client lists more than a handful.
const maxAcceptRanges = 64

// mediaRange is one entry of an Accept header.
type mediaRange struct {
	typ, sub string
	q        int // thousandths
}

// negotiate chooses the answer's media type from Accept, as GraphQL over
// HTTP and RFC 9110 have it: each candidate takes the quality of the most
// specific range that matches it; the highest quality wins; at equal
// quality a type the client named beats one it reached through a
// wildcard, and among named ones application/graphql-response+json beats
// application/json (the spec's preferred type), while a bare */* or
// application/* answers application/json (what legacy clients expect).
// text/event-stream is a candidate for POST only, and only when named.
// No Accept header (or an empty one) means application/json, the
// legacy default. ok is false when no candidate is acceptable: 406.
func negotiate(r *http.Request) (answerType, bool) {
	ranges, present := acceptRanges(r)
	if !present {
		return answerJSON, true
	}
	type candidate struct {
		t        answerType
		typ, sub string
	}
	candidates := []candidate{
		{answerGraphQL, "application", "graphql-response+json"},
		{answerJSON, "application", "json"},
	}
	if r.Method == http.MethodPost {
		candidates = append(candidates, candidate{answerStream, "text", "event-stream"})
	}
	best, bestQ, bestNamed, found := answerJSON, 0, false, false
	for _, c := range candidates {
		q, named := quality(ranges, c.typ, c.sub)
		if q <= 0 || (c.t == answerStream && !named) {
			continue
		}
		better := !found || q > bestQ ||
			(q == bestQ && named && !bestNamed) ||
			(q == bestQ && named == bestNamed && preferred(c.t, best, named))
		if better {
			best, bestQ, bestNamed, found = c.t, q, named, true
		}
	}
	return best, found
}

// preferred reports whether a wins a tie of quality and specificity with
// b: among named types the stream, then graphql-response+json; among
// wildcard matches application/json.
func preferred(a, b answerType, named bool) bool {
	if !named {
		return a == answerJSON
	}
	rank := map[answerType]int{answerStream: 0, answerGraphQL: 1, answerJSON: 2}
	return rank[a] < rank[b]
}

// quality returns the quality the ranges give typ/sub, in thousandths, and
// whether a range names it exactly. A range with a charset other than
// UTF-8 matches nothing: the answers are UTF-8.
func quality(ranges []mediaRange, typ, sub string) (q int, named bool) {
	spec := 0
	for _, m := range ranges {
		s := 0
		switch {
		case m.typ == typ && m.sub == sub:
			s = 3
		case m.typ == typ && m.sub == "*":
			s = 2
		case m.typ == "*" && m.sub == "*":
			s = 1
		}
		if s > spec || (s == spec && s > 0 && m.q > q) {
			spec, q = s, m.q
		}
	}
	return q, spec == 3
}

// acceptRanges parses the request's Accept headers, skipping malformed
// ranges; present is false when there is no Accept header or it is empty.
func acceptRanges(r *http.Request) (ranges []mediaRange, present bool) {
	for _, h := range r.Header.Values("Accept") {
		for part := range strings.SplitSeq(h, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			present = true
			if len(ranges) == maxAcceptRanges {
				continue
			}
			if m, ok := parseRange(part); ok {
				ranges = append(ranges, m)
			}
		}
	}
	return ranges, present
}

func parseRange(s string) (mediaRange, bool) {
	mt, params, err := mime.ParseMediaType(s)
	if err != nil {
		return mediaRange{}, false
	}
	typ, sub, ok := strings.Cut(mt, "/")
	if !ok || typ == "" || sub == "" || (typ == "*" && sub != "*") {
		return mediaRange{}, false
	}
	m := mediaRange{typ: typ, sub: sub, q: 1000}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return mediaRange{}, false
	}
	if v, ok := params["q"]; ok {
		q, ok := parseQ(v)
		if !ok {
			return mediaRange{}, false
		}
		m.q = q
	}
	return m, true
}

// parseQ reads a quality value ("0", "0.5", "1.000"), in thousandths.
func parseQ(v string) (int, bool) {
	if len(v) == 0 || len(v) > 5 || (v[0] != '0' && v[0] != '1') {
		return 0, false
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 || f > 1 {
		return 0, false
	}
	return int(f*1000 + 0.5), true
}
