package server

import (
	"bytes"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

const uiNotBuilt = "UI not built: run make web\n"

// uiPolicy is the Content-Security-Policy of the UI's pages: scripts,
// styles and API calls from this origin only (a saved case or a source
// excerpt can never run code); the layout's worker and the node icons
// come from blob: and data: URLs; inline style attributes position the
// hover card and the brush. No framing: a case is never shown inside
// another site.
const uiPolicy = "default-src 'self'; script-src 'self'; worker-src 'self' blob:; img-src 'self' data: blob:; " +
	"style-src 'self'; style-src-attr 'unsafe-inline'; connect-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"

// uiHandler serves the built web UI. Unknown paths get index.html so that
// the app's own routes survive a reload; hashed files under assets/ are
// cached for a year, everything else is revalidated. A missing asset is a
// 404, never index.html, so a stale page fails loudly instead of parsing
// HTML as JavaScript.
func uiHandler(assets fs.FS, built bool) http.Handler {
	var index, signin, admin []byte
	if built {
		var err error
		if index, err = fs.ReadFile(assets, "index.html"); err != nil {
			built = false
		}
		// The sign-in page: its own small entry, served without
		// credentials (see publicRoute).
		if signin, err = fs.ReadFile(assets, "signin.html"); err != nil {
			signin = nil
		}
		// The agency admin page (users, tokens, audit): its own entry,
		// behind credentials like the app.
		if admin, err = fs.ReadFile(assets, "admin.html"); err != nil {
			admin = nil
		}
	}
	if !built {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(uiNotBuilt))
		})
	}
	files := http.FileServerFS(assets)
	servePage := func(w http.ResponseWriter, r *http.Request, name string, page []byte) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(page))
	}
	serveIndex := func(w http.ResponseWriter, r *http.Request) { servePage(w, r, "index.html", index) }
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", uiPolicy)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "no-referrer")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
		hashed := strings.HasPrefix(name, "assets/")
		if name == "" || name == "index.html" {
			serveIndex(w, r)
			return
		}
		if (name == "signin" || name == "signin.html") && signin != nil {
			servePage(w, r, "signin.html", signin)
			return
		}
		if (name == "admin" || name == "admin.html") && admin != nil {
			servePage(w, r, "admin.html", admin)
			return
		}
		if st, err := fs.Stat(assets, name); err == nil && !st.IsDir() {
			if hashed {
				w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
			} else {
				w.Header().Set("Cache-Control", "no-cache")
			}
			files.ServeHTTP(w, r)
			return
		}
		if hashed {
			http.NotFound(w, r)
			return
		}
		serveIndex(w, r)
	})
}
