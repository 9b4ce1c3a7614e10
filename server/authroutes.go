package server

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/identity"
)

// maxSignInBody bounds a sign-in request: an email, a password or a link.
const maxSignInBody = 8 << 10

// withSession returns ctx carrying a cookie session (for /auth/session's
// CSRF token).
func withSession(ctx context.Context, s identity.Session) context.Context {
	return context.WithValue(ctx, sessionKey{}, s)
}

func sessionFrom(ctx context.Context) (identity.Session, bool) {
	s, ok := ctx.Value(sessionKey{}).(identity.Session)
	return s, ok
}

// sessionInfo is what /auth/signin and /auth/session answer: who is
// signed in, and the CSRF token state-changing requests must send.
type sessionInfo struct {
	Email      string    `json:"email"`
	Agency     string    `json:"agency"`
	AgencyName string    `json:"agencyName"`
	Role       string    `json:"role"`
	Scopes     []string  `json:"scopes"`
	Via        string    `json:"via"`
	CSRF       string    `json:"csrf,omitempty"`
	ExpiresAt  time.Time `json:"expiresAt,omitzero"`
}

// authRoutes serves signing in and out and the signed-in session.
func (s *Server) authRoutes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /auth/signin", s.signIn)
	mux.HandleFunc("POST /auth/signin-link", s.signIn)
	mux.HandleFunc("POST /auth/signout", s.signOut)
	mux.HandleFunc("GET /auth/session", s.session)
	mux.Handle("/auth/", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeGraphQLError(w, http.StatusNotFound, graph.CodeNotFound, "no such route")
	}))
	return mux
}

// signIn starts a session from an email and password (/auth/signin) or a
// one-time sign-in link (/auth/signin-link), as JSON or a form.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request) {
	if s.identity == nil {
		s.refuseUnauthenticated(w, r)
		return
	}
	// Signing a browser into someone else's account is an attack too.
	if !s.originAllowed(r) {
		writeGraphQLError(w, http.StatusForbidden, graph.CodeForbidden, "request from another origin")
		return
	}
	in, err := readSignIn(w, r)
	if err != nil {
		writeGraphQLError(w, http.StatusBadRequest, graph.CodeBadRequest, err.Error())
		return
	}
	var (
		sess   identity.Session
		cookie string
	)
	if r.URL.Path == "/auth/signin-link" {
		sess, cookie, err = s.identity.SignInWithLink(r.Context(), in.Link, clientKey(r))
	} else {
		sess, cookie, err = s.identity.SignIn(r.Context(), in.Email, in.Password, clientKey(r))
	}
	how := "password"
	if r.URL.Path == "/auth/signin-link" {
		how = "link"
	}
	if err != nil {
		if c := graph.ErrorCode(err); c == graph.CodeUnauthenticated || c == graph.CodeTooMany {
			s.recordSignInFailure(r.Context(), in.Email, how, c == graph.CodeTooMany)
		}
		s.signInError(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookie, Value: cookie, Path: "/", Expires: sess.AbsoluteExpiresAt,
		HttpOnly: true, Secure: s.secureCookie(r), SameSite: http.SameSiteStrictMode,
	})
	p, _, err := s.identity.SessionFrom(r.Context(), cookie)
	if err != nil {
		s.credentialError(w, r, err)
		return
	}
	s.recordSignIn(r.Context(), p, how)
	s.writeSession(w, r, p, &sess)
}

type signInRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Link     string `json:"link"`
}

func readSignIn(w http.ResponseWriter, r *http.Request) (signInRequest, error) {
	var in signInRequest
	r.Body = http.MaxBytesReader(w, r.Body, maxSignInBody)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/json":
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			return in, errors.New("body: want JSON {email, password} or {link}")
		}
	case "application/x-www-form-urlencoded":
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return in, errors.New("body: too large")
		}
		v, err := url.ParseQuery(string(b))
		if err != nil {
			return in, errors.New("body: not a form")
		}
		in = signInRequest{Email: v.Get("email"), Password: v.Get("password"), Link: v.Get("link")}
	default:
		return in, errors.New("Content-Type: want application/json or a form")
	}
	return in, nil
}

func (s *Server) signInError(w http.ResponseWriter, r *http.Request, err error) {
	switch graph.ErrorCode(err) {
	case graph.CodeUnauthenticated:
		writeGraphQLError(w, http.StatusUnauthorized, graph.CodeUnauthenticated, graph.ErrorMessage(err))
	case graph.CodeTooMany:
		writeTooMany(w, time.Minute, graph.ErrorMessage(err))
	case graph.CodeInvalid:
		writeGraphQLError(w, http.StatusBadRequest, graph.CodeInvalid, graph.ErrorMessage(err))
	default:
		s.credentialError(w, r, err)
	}
}

// signOut ends the request's session and clears its cookie. A bearer
// request has no session to end.
func (s *Server) signOut(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(SessionCookie); err == nil && s.identity != nil {
		if _, ok := sessionFrom(r.Context()); ok {
			if err := s.identity.EndSession(r.Context(), c.Value); err != nil {
				s.credentialError(w, r, err)
				return
			}
		}
	}
	clearSessionCookie(w, s.secureCookie(r))
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

// session answers who the request runs as.
func (s *Server) session(w http.ResponseWriter, r *http.Request) {
	p, ok := identity.PrincipalFrom(r.Context())
	if !ok {
		s.refuseUnauthenticated(w, r)
		return
	}
	var sess *identity.Session
	if got, ok := sessionFrom(r.Context()); ok {
		sess = &got
	}
	s.writeSession(w, r, p, sess)
}

func (s *Server) writeSession(w http.ResponseWriter, r *http.Request, p identity.Principal, sess *identity.Session) {
	info := sessionInfo{Email: p.Email, Agency: p.Agency, AgencyName: p.Agency, Role: string(p.Role), Via: string(p.Via), Scopes: []string{}}
	if p.Via == identity.ViaBootstrap {
		info.Email = "deployment administrator"
	}
	for _, sc := range p.Scopes {
		info.Scopes = append(info.Scopes, string(sc))
	}
	if a, err := s.identity.Agency(r.Context(), p.Agency); err == nil {
		info.AgencyName = a.Name
	}
	if sess != nil {
		info.CSRF, info.ExpiresAt = sess.CSRF, sess.ExpiresAt
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(info)
}
