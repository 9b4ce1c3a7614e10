package jobs

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/redthread-dev/redthread/graph"
)

// resolve maps a path given by a client to a regular file inside the
// import directory, refusing anything outside it, through symbolic links
// too. Errors quote the client's path, never the server's.
func (m *Manager) resolve(path string) (string, error) {
	if m.dir == "" {
		return "", graph.Errorf(graph.CodeForbidden, "reading files on the server is disabled: start the server with --import-dir DIR and put the files there, or upload them")
	}
	if strings.TrimSpace(path) == "" || strings.ContainsRune(path, 0) {
		return "", graph.Errorf(graph.CodeInvalid, "path: want a file name inside the import directory")
	}
	full := path
	if !filepath.IsAbs(full) {
		full = filepath.Join(m.dir, full)
	}
	// Refuse on the path as written first, so that nothing outside the
	// directory is even looked at.
	if !inside(m.dir, filepath.Clean(full)) {
		return "", graph.Errorf(graph.CodeForbidden, "path %q is outside the import directory", path)
	}
	real, err := filepath.EvalSymlinks(full)
	if errors.Is(err, fs.ErrNotExist) {
		return "", graph.Errorf(graph.CodeNotFound, "no file %q in the import directory", path)
	}
	if err != nil {
		return "", graph.WrapError(graph.CodeInvalid, err, "path %q cannot be read", path)
	}
	if !inside(m.dir, real) {
		return "", graph.Errorf(graph.CodeForbidden, "path %q leads outside the import directory", path)
	}
	if fi, err := os.Stat(real); err != nil || !fi.Mode().IsRegular() {
		return "", graph.Errorf(graph.CodeInvalid, "path %q is not a regular file", path)
	}
	return real, nil
}

// inside reports whether path is dir or below it; both clean and absolute.
func inside(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}
