// Package web holds the browser visualizer (a Vite + TypeScript app) and
// embeds its production build so that the redthread binary serves it.
package web

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Assets returns the built UI and whether it has been built: without
// `make web` the folder holds only a placeholder and the server says so.
func Assets() (fs.FS, bool) {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		return nil, false
	}
	if _, err := fs.Stat(sub, "index.html"); err != nil {
		return sub, false
	}
	return sub, true
}
