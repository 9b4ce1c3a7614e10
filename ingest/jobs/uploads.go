package jobs

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/ingest"
)

// maxNameBytes bounds an upload's file name, well under the 255 bytes
// file systems allow.
const maxNameBytes = 128

// UploadLimit is the most bytes one job may upload, all files together;
// 0 when uploads are disabled (no state directory, or turned off).
func (m *Manager) UploadLimit() int64 {
	if m.state == nil || m.cfg.MaxUploadBytes < 0 {
		return 0
	}
	return m.cfg.MaxUploadBytes
}

// StageUploads returns a new directory for the files of one request. It
// is on the file system of the jobs' upload directories, so that Start
// moves the files rather than copies them. The caller removes it when the
// request is over; Start has taken what it kept by then. Directories left
// by a crash are removed when the next Manager opens the state directory.
func (m *Manager) StageUploads() (string, error) {
	if m.UploadLimit() == 0 {
		return "", m.uploadsDisabled()
	}
	dir := m.state.incoming()
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", fmt.Errorf("upload staging directory: %w", err)
	}
	d, err := os.MkdirTemp(dir, "req-")
	if err != nil {
		return "", fmt.Errorf("upload staging directory: %w", err)
	}
	return d, nil
}

func (m *Manager) uploadsDisabled() error {
	if m.state == nil {
		return graph.Errorf(graph.CodeForbidden, "uploads are disabled: this server keeps no state directory")
	}
	return graph.Errorf(graph.CodeForbidden, "uploads are disabled on this server (--max-upload-size 0)")
}

// TooLarge is the error for an upload beyond limit bytes.
func TooLarge(limit int64) error {
	return graph.Errorf(graph.CodeLimit, "upload larger than %s, this server's limit (--max-upload-size)", FormatBytes(limit))
}

// uploadNames returns the names the uploads are stored and reported
// under, refusing two alike.
func (m *Manager) uploadNames(ups []Upload) ([]string, error) {
	if len(ups) == 0 {
		return nil, nil
	}
	if m.UploadLimit() == 0 {
		return nil, m.uploadsDisabled()
	}
	names := make([]string, len(ups))
	seen := map[string]bool{}
	for i, u := range ups {
		if u.File == nil {
			return nil, graph.Errorf(graph.CodeInvalid, "upload %d has no content", i+1)
		}
		names[i] = UploadName(u.Name, i)
		// Case-insensitive, for file systems that are.
		if k := strings.ToLower(names[i]); seen[k] {
			return nil, graph.Errorf(graph.CodeInvalid, "two uploads are named %q: a job's files need distinct names", names[i])
		} else {
			seen[k] = true
		}
	}
	return names, nil
}

// UploadName turns the file name a client sent for upload i into a safe
// base name: the last element of the path (either slash), characters other
// than letters, digits and ._-+()[]@,= replaced by '_', no leading dot, at
// most 128 bytes with the extension kept, and "upload-N" when nothing is
// left. A name that is safe already stays as it is, because formats derive
// dataset names from it (stix:<file>), as they do from a file's name on the
// command line.
func UploadName(name string, i int) string {
	name = strings.ReplaceAll(name, `\`, "/")
	if k := strings.LastIndexByte(name, '/'); k >= 0 {
		name = name[k+1:]
	}
	name = strings.Map(func(r rune) rune {
		switch {
		case r == utf8.RuneError:
			return '_'
		case unicode.IsLetter(r), unicode.IsDigit(r), unicode.IsMark(r), strings.ContainsRune("._-+()[]@,=", r):
			return r
		}
		return '_'
	}, name)
	name = strings.TrimRight(name, ".")
	if strings.HasPrefix(name, ".") {
		name = "_" + name[1:]
	}
	if len(name) > maxNameBytes {
		ext := filepath.Ext(name)
		if len(ext) > 16 {
			ext = ""
		}
		stem := name[:len(name)-len(ext)]
		for len(stem)+len(ext) > maxNameBytes || !utf8.ValidString(stem) {
			stem = stem[:len(stem)-1]
		}
		name = stem + ext
	}
	if strings.Trim(name, "_") == "" {
		return "upload-" + strconv.Itoa(i+1)
	}
	return name
}

// receive stores the uploads of job id in its upload directory, at most
// UploadLimit bytes in all, and makes them durable: the job's record,
// written next, promises they are there after a crash.
func (m *Manager) receive(ctx context.Context, id string, names []string, ups []Upload) ([]int64, error) {
	dir := m.state.uploadDir(id)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("upload directory: %w", err)
	}
	budget := m.UploadLimit()
	sizes := make([]int64, len(ups))
	for i, u := range ups {
		n, err := m.place(ctx, u.File, filepath.Join(dir, names[i]), budget)
		if err != nil {
			return nil, err
		}
		sizes[i], budget = n, budget-n
	}
	if err := syncDir(dir); err != nil {
		return nil, err
	}
	if err := syncDir(filepath.Dir(dir)); err != nil {
		return nil, err
	}
	return sizes, nil
}

// place moves a staged upload to dst, or copies any other reader there,
// refusing more than budget bytes.
func (m *Manager) place(ctx context.Context, src io.Reader, dst string, budget int64) (int64, error) {
	limit := m.UploadLimit()
	if f, ok := src.(*os.File); ok && inside(m.state.incoming(), filepath.Clean(f.Name())) {
		fi, err := f.Stat()
		if err != nil {
			return 0, fmt.Errorf("staged upload: %w", err)
		}
		if fi.Size() > budget {
			return 0, TooLarge(limit)
		}
		// The stager synced the file; the rename is made durable with the
		// directory.
		if err := os.Rename(f.Name(), dst); err == nil {
			return fi.Size(), nil
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return 0, fmt.Errorf("staged upload: %w", err)
		}
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return 0, fmt.Errorf("store upload: %w", err)
	}
	n, err := io.Copy(out, io.LimitReader(ctxReader{ctx, src}, budget+1))
	if err == nil && n > budget {
		err = TooLarge(limit)
	}
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(dst)
		if graph.ErrorCode(err) == graph.CodeLimit {
			return 0, err
		}
		return 0, fmt.Errorf("store upload: %w", err)
	}
	return n, nil
}

// ctxReader stops a copy when its context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", filepath.Base(dir), err)
	}
	defer func() { _ = d.Close() }() // opened only to sync: Sync reports what matters
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", filepath.Base(dir), err)
	}
	return nil
}

// FormatBytes renders n in binary units: "1 GiB", "512 MiB", "1.5 KiB".
func FormatBytes(n int64) string { return ingest.FormatBytes(n) }
