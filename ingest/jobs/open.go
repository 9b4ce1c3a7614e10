package jobs

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/ingest"
)

// openFlags open a file for reading without blocking on a FIFO put in a
// file's place (the check that it is a regular file follows the open).
const openFlags = os.O_RDONLY | syscall.O_NONBLOCK

// files is the ingest.Opener of a job's files, used by the worker when it
// reads them. A file of the import directory is opened through an os.Root
// of it: the open itself refuses a path or symbolic link leading outside,
// so a file swapped for a link while the job waited in the queue is not
// followed (the check when the job was started is not enough). Uploads,
// which the server itself put in the state directory, are opened by path.
// Only regular files are read. Errors are coded, with messages that name
// neither the server's paths nor Go's error text.
type files struct {
	root *os.Root // the import directory; nil when disabled
	dir  string   // its absolute path, links resolved
}

var _ ingest.Opener = files{}

// rel returns name relative to the import directory, when it is in it.
func (f files) rel(name string) (string, bool) {
	if f.root == nil || !inside(f.dir, name) {
		return "", false
	}
	rel, err := filepath.Rel(f.dir, name)
	return rel, err == nil
}

func (f files) Open(name string) (*os.File, error) {
	var file *os.File
	var err error
	rel, imported := f.rel(name)
	if imported {
		file, err = f.root.OpenFile(rel, openFlags, 0)
	} else {
		file, err = os.OpenFile(name, openFlags, 0)
	}
	if err != nil {
		return nil, openError(err, imported)
	}
	if fi, err := file.Stat(); err != nil || !fi.Mode().IsRegular() {
		_ = file.Close() // read only, and refused
		return nil, graph.WrapError(graph.CodeForbidden, err, "it is no longer a regular file: refused")
	}
	return file, nil
}

func (f files) Stat(name string) (fs.FileInfo, error) {
	if rel, ok := f.rel(name); ok {
		fi, err := f.root.Stat(rel)
		if err != nil {
			return nil, openError(err, true)
		}
		return fi, nil
	}
	return os.Stat(name)
}

// openError words why a job's file cannot be opened.
func openError(err error, imported bool) error {
	switch {
	case errors.Is(err, fs.ErrNotExist) && imported:
		return graph.WrapError(graph.CodeNotFound, err, "it is no longer in the import directory")
	case errors.Is(err, fs.ErrNotExist):
		return graph.WrapError(graph.CodeNotFound, err, "the uploaded file is gone")
	case errors.Is(err, fs.ErrPermission):
		return graph.WrapError(graph.CodeForbidden, err, "the server is not allowed to read it")
	case imported:
		// os.Root's refusal of a path or link leading outside, or a loop.
		return graph.WrapError(graph.CodeForbidden, err, "it now leads outside the import directory (a symbolic link?) or cannot be opened there: refused")
	}
	return graph.WrapError(graph.CodeUnavailable, err, "the uploaded file cannot be opened")
}
