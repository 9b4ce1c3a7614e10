package server

import (
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"

	"github.com/redthread-dev/redthread/audit"
	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/visibility"
)

// SessionCookie names the browser session's cookie.
const SessionCookie = "redthread_session"

// CSRFHeader carries a cookie session's CSRF token on state-changing
// requests.
const CSRFHeader = "X-CSRF-Token"

// msgUnauthenticated is the one answer to missing or failed credentials:
// it never says which, nor whether what was asked for exists.
const msgUnauthenticated = "sign in, or send a token"

type sessionKey struct{}

// authenticate puts the request's Principal into its context, or answers
// 401 (or 303 to the sign-in page for a browser asking for the UI) before
// any handler runs. Public routes pass without credentials.
func (s *Server) authenticate(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.WithContext(audit.WithAddr(r.Context(), clientKey(r)))
		if publicRoute(r) || s.preflight(r) {
			// Nobody signed in: a viewer that sees nothing, should a
			// public route ever reach a store.
			h.ServeHTTP(w, r.WithContext(visibility.WithViewer(r.Context(), visibility.Viewer{})))
			return
		}
		if s.identity == nil {
			s.refuseUnauthenticated(w, r)
			return
		}
		addr := clientKey(r)
		if bearer, present := r.Header["Authorization"]; present {
			if wait := s.bearerFails.blocked(addr); wait > 0 {
				writeTooMany(w, wait, "too many failed credentials from this address")
				return
			}
			token, ok := bearerToken(bearer)
			if !ok {
				s.bearerFails.fail(addr)
				s.refuseUnauthenticated(w, r)
				return
			}
			p, err := s.identity.Authenticate(r.Context(), token)
			if err != nil {
				if graph.ErrorCode(err) == graph.CodeUnauthenticated {
					s.bearerFails.fail(addr)
				}
				s.credentialError(w, r, err)
				return
			}
			ctx := s.withViewer(r.Context(), p, readsStores(r))
			s.recordTokenUse(ctx, p)
			h.ServeHTTP(w, r.WithContext(ctx))
			return
		}
		c, err := r.Cookie(SessionCookie)
		if err != nil {
			s.refuseUnauthenticated(w, r)
			return
		}
		p, sess, err := s.identity.SessionFrom(r.Context(), c.Value)
		if err != nil {
			if graph.ErrorCode(err) == graph.CodeUnauthenticated {
				clearSessionCookie(w, s.secureCookie(r))
			}
			s.credentialError(w, r, err)
			return
		}
		// A browser attaches the cookie by itself, so a state-changing
		// request must also prove it comes from our page: the CSRF token
		// only our page can read (from /auth/session), and its origin.
		if stateChanging(r) {
			if !sess.CSRFMatches(r.Header.Get(CSRFHeader)) {
				writeGraphQLError(w, http.StatusForbidden, graph.CodeForbidden, "missing or wrong "+CSRFHeader+" header: read it from /auth/session")
				return
			}
			if !s.originAllowed(r) {
				writeGraphQLError(w, http.StatusForbidden, graph.CodeForbidden, "request from another origin")
				return
			}
		}
		ctx := s.withViewer(r.Context(), p, readsStores(r))
		h.ServeHTTP(w, r.WithContext(withSession(ctx, sess)))
	})
}

// bearerToken returns the token of the one Authorization header "Bearer
// TOKEN"; anything else is malformed.
func bearerToken(values []string) (string, bool) {
	if len(values) != 1 {
		return "", false
	}
	scheme, token, ok := strings.Cut(values[0], " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// credentialError answers a credential that did not hold (401) or could
// not be checked (the store failed: 503, without its error).
func (s *Server) credentialError(w http.ResponseWriter, r *http.Request, err error) {
	if graph.ErrorCode(err) == graph.CodeUnauthenticated {
		s.refuseUnauthenticated(w, r)
		return
	}
	s.logger.WarnContext(r.Context(), "credentials not checked", "err", err)
	writeGraphQLError(w, http.StatusServiceUnavailable, graph.CodeUnavailable, "credentials could not be checked; try again")
}

// refuseUnauthenticated sends a browser asking for a page to the sign-in
// page, and everything else the one 401.
func (s *Server) refuseUnauthenticated(w http.ResponseWriter, r *http.Request) {
	if (r.Method == http.MethodGet || r.Method == http.MethodHead) && acceptsHTML(r) && uiPage(r.URL.Path) {
		http.Redirect(w, r, "/signin?next="+url.QueryEscape(localPath(r.URL.RequestURI())), http.StatusSeeOther)
		return
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="redthread"`)
	writeGraphQLError(w, http.StatusUnauthorized, graph.CodeUnauthenticated, msgUnauthenticated)
}

// uiPage reports whether p is a page of the UI (not the API, an asset or
// a sign-in route).
func uiPage(p string) bool {
	return p != "/graphql" && !strings.HasPrefix(p, "/graphql/") && !strings.HasPrefix(p, "/auth/") && !strings.HasPrefix(p, "/assets/")
}

// localPath keeps next to a path of this origin: "//evil.example" or
// "https://evil.example" would send a signed-in user elsewhere.
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") || strings.ContainsAny(p, "\r\n") {
		return "/"
	}
	return p
}

// publicRoute reports whether r may be served without credentials: the
// health check, the sign-in page and its own assets, and signing in.
func publicRoute(r *http.Request) bool {
	p := r.URL.Path
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		if p == "/healthz" || p == "/signin" || p == "/signin.html" || p == "/favicon.svg" || p == "/favicon.ico" {
			return true
		}
		// The sign-in page's own bundle (Vite names entries by their input)
		// and the module preload polyfill every entry imports.
		if dir, file := path.Split(p); dir == "/assets/" && (strings.HasPrefix(file, "signin-") || strings.HasPrefix(file, "modulepreload-polyfill-")) &&
			(strings.HasSuffix(file, ".js") || strings.HasSuffix(file, ".css")) {
			return true
		}
	case http.MethodPost:
		return p == "/auth/signin" || p == "/auth/signin-link"
	}
	return false
}

// preflight reports whether r is a CORS preflight from a configured
// origin: browsers send those without credentials.
func (s *Server) preflight(r *http.Request) bool {
	if r.Method != http.MethodOptions || r.Header.Get("Access-Control-Request-Method") == "" {
		return false
	}
	o := r.Header.Get("Origin")
	return o != "" && o != "*" && slices.Contains(s.cfg.CORSOrigins, o)
}

// stateChanging reports whether a cookie session's request must carry
// the CSRF token: every POST (GraphQL mutations and uploads come as POST;
// a GET of /graphql runs queries only) and any other unsafe method.
func stateChanging(r *http.Request) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// originAllowed reports whether a browser's Origin (when it sends one) is
// this server's own or a configured one.
func (s *Server) originAllowed(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	if err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host) {
		return true
	}
	for _, allowed := range s.cfg.CORSOrigins {
		if strings.EqualFold(o, allowed) {
			return true
		}
	}
	return false
}

func (s *Server) secureCookie(r *http.Request) bool { return r.TLS != nil || s.cfg.SecureCookies }

func clearSessionCookie(w http.ResponseWriter, secure bool) {
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteStrictMode,
	})
}
