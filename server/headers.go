package server

import "net/http"

// apiPolicy is the Content-Security-Policy of everything but the UI's
// pages: an answer of the API is data, never a document that runs or
// loads anything, nor one another site may frame. The UI handler sets
// its own (uiPolicy).
const apiPolicy = "default-src 'none'; frame-ancestors 'none'"

// graphiqlPolicy lets GraphiQL (what a browser opening /graphql gets) load
// its bundle from the CDN it comes from and call this origin's API.
const graphiqlPolicy = "default-src 'none'; script-src https://cdn.jsdelivr.net 'unsafe-inline'; " +
	"style-src https://cdn.jsdelivr.net 'unsafe-inline'; font-src https://cdn.jsdelivr.net; img-src 'self' data: https://cdn.jsdelivr.net; " +
	"connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

// securityHeaders sets the headers every response carries; handlers may
// replace the policy and the caching of what they serve.
func (s *Server) securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		hd.Set("Content-Security-Policy", apiPolicy)
		hd.Set("X-Frame-Options", "DENY")
		// Anything with data is not kept by a cache; the UI's files say
		// otherwise for themselves.
		hd.Set("Cache-Control", "no-store")
		if r.TLS != nil {
			hd.Set("Strict-Transport-Security", "max-age=31536000")
		}
		h.ServeHTTP(w, r)
	})
}
