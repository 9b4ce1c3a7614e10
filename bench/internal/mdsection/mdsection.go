// Package mdsection keeps generated parts of a hand-written markdown file
// (bench/LOAD.md, bench/RESULTS.md): each part lives between two HTML
// comment markers, so a run replaces its own part and leaves the prose and
// the other runs' parts alone.
package mdsection

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// name is what fits an HTML comment's marker (no "--").
var name = regexp.MustCompile(`^[A-Za-z0-9_]+(-[A-Za-z0-9_]+)*$`)

// Valid says whether s can name a section (or a namespace of sections).
func Valid(s string) bool { return name.MatchString(s) }

// Replace puts body between the markers of section ns:sec in doc,
// replacing what was there, or appends the section when doc has none.
func Replace(doc, ns, sec, body string) string {
	begin, end := "<!-- "+ns+":"+sec+" -->", "<!-- /"+ns+":"+sec+" -->"
	section := begin + "\n" + strings.TrimSpace(body) + "\n" + end
	i := strings.Index(doc, begin)
	j := strings.Index(doc, end)
	if i < 0 || j < i {
		if doc != "" && !strings.HasSuffix(doc, "\n") {
			doc += "\n"
		}
		if doc != "" {
			doc += "\n"
		}
		return doc + section + "\n"
	}
	return doc[:i] + section + doc[j+len(end):]
}

// Update replaces section ns:sec of the file at path with body, creating
// the file when it does not exist.
func Update(path, ns, sec, body string) error {
	if !Valid(ns) || !Valid(sec) {
		return fmt.Errorf("section %q:%q: want names such as load:baseline or bench:queries-1m", ns, sec)
	}
	doc, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("read %s: %w", path, err)
	}
	if err := os.WriteFile(path, []byte(Replace(string(doc), ns, sec, body)), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
