// Package formats is the one registry of ingest formats by name, shared by
// the command line (--format) and the API (startIngest): adding a format
// here makes it available to both.
package formats

import (
	"slices"
	"strings"

	"github.com/redthread-dev/redthread/ingest"
	"github.com/redthread-dev/redthread/ingest/native"
)

// Format is a registered input format.
type Format struct {
	Name        string
	Description string // one line, for usage texts
	// Open returns a Source reading the file at path.
	Open func(path string) ingest.Source
}

// registry lists the formats by name; read-only.
var registry = []Format{
	{Name: "native", Description: "Redthread JSON lines (ingest/native/FORMAT.md)", Open: native.File},
}

// Lookup returns the function opening a file in the named format.
func Lookup(name string) (func(path string) ingest.Source, bool) {
	i := slices.IndexFunc(registry, func(f Format) bool { return f.Name == name })
	if i < 0 {
		return nil, false
	}
	return registry[i].Open, true
}

// Names returns the registered format names, sorted.
func Names() []string {
	out := make([]string, len(registry))
	for i, f := range registry {
		out[i] = f.Name
	}
	slices.Sort(out)
	return out
}

// All returns the registered formats, sorted by name.
func All() []Format {
	out := slices.Clone(registry)
	slices.SortFunc(out, func(a, b Format) int { return strings.Compare(a.Name, b.Name) })
	return out
}
