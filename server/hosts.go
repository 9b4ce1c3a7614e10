package server

import (
	"net"
	"net/http"
	"strings"

	"github.com/redthread-dev/redthread/graph"
)

// DefaultAllowedHosts are the Host names a server answers to unless
// configured otherwise: loopback only, so that a web page whose name an
// attacker re-points at 127.0.0.1 (DNS rebinding) gets nothing from an
// investigator's local server.
var defaultAllowedHosts = []string{"localhost", "127.0.0.1", "::1"}

// DefaultAllowedHosts returns the loopback names.
func DefaultAllowedHosts() []string { return append([]string(nil), defaultAllowedHosts...) }

// hostMatcher decides whether a request's Host header names this server.
// Entries are host names or IP addresses without port, "*.example.org" for
// any subdomain, or "*" for any host at all.
type hostMatcher struct {
	any    bool
	exact  map[string]bool
	suffix []string
}

func newHostMatcher(hosts []string) hostMatcher {
	m := hostMatcher{exact: map[string]bool{}}
	for _, h := range hosts {
		h = strings.ToLower(strings.TrimSpace(h))
		switch {
		case h == "":
		case h == "*":
			m.any = true
		case strings.HasPrefix(h, "*."):
			m.suffix = append(m.suffix, h[1:])
		default:
			m.exact[strings.Trim(h, "[]")] = true
		}
	}
	return m
}

func (m hostMatcher) allows(hostport string) bool {
	if m.any {
		return true
	}
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if host == "" {
		return false
	}
	if m.exact[host] {
		return true
	}
	for _, s := range m.suffix {
		if strings.HasSuffix(host, s) {
			return true
		}
	}
	return false
}

// allowHosts answers 421 to requests for a Host the server does not serve.
// /healthz stays open to load balancers that probe by address.
func (s *Server) allowHosts(h http.Handler) http.Handler {
	m := newHostMatcher(s.cfg.AllowedHosts)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" && !m.allows(r.Host) {
			w.Header().Set("Connection", "close")
			writeGraphQLError(w, http.StatusMisdirectedRequest, graph.CodeForbidden,
				"this server does not answer to that Host name; its operator can allow it with --allowed-hosts")
			return
		}
		h.ServeHTTP(w, r)
	})
}
