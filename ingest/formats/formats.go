// Package formats is the one registry of ingest formats by name, shared by
// the command line (--format) and the API (startIngest): adding a format
// here makes it available to both.
package formats

import (
	"cmp"
	"context"
	"slices"

	"github.com/redthread-dev/redthread/ingest"
	"github.com/redthread-dev/redthread/ingest/etlbtc"
	"github.com/redthread-dev/redthread/ingest/etleth"
	"github.com/redthread-dev/redthread/ingest/ftm"
	"github.com/redthread-dev/redthread/ingest/incidents"
	"github.com/redthread-dev/redthread/ingest/native"
	"github.com/redthread-dev/redthread/ingest/ofaccsv"
	"github.com/redthread-dev/redthread/ingest/personas"
	"github.com/redthread-dev/redthread/ingest/prices"
	"github.com/redthread-dev/redthread/ingest/stix"
	"github.com/redthread-dev/redthread/ingest/tagpack"
)

// Format is a registered input format.
type Format struct {
	Name        string
	Description string // one line, for usage texts
	// Exactly one of these is set: most formats read each file on its own;
	// some read their files together (TagPacks resolve actors from an
	// ActorPack given beside them).
	each  func(o ingest.Opener, path string) ingest.Source
	group func(ctx context.Context, o ingest.Opener, paths ...string) ([]ingest.Source, error)
}

// Sources returns the sources reading the files at paths, in a job's order.
func (f Format) Sources(ctx context.Context, paths ...string) ([]ingest.Source, error) {
	return f.SourcesFrom(ctx, nil, paths...)
}

// SourcesFrom is Sources opening the files through o (nil:
// ingest.OSFiles), such as an *os.Root that keeps them inside a directory
// when they are opened, not only when they were named.
func (f Format) SourcesFrom(ctx context.Context, o ingest.Opener, paths ...string) ([]ingest.Source, error) {
	if f.group != nil {
		return f.group(ctx, o, paths...)
	}
	out := make([]ingest.Source, len(paths))
	for i, p := range paths {
		out[i] = f.each(o, p)
	}
	return out, nil
}

// registry lists the formats; read-only.
var registry = []Format{
	{Name: "native", Description: "Redthread JSON lines (ingest/native/FORMAT.md)", each: native.FileFrom},
	{Name: "ofac-csv", Description: "OFAC SDN CSV and its derived address lists (ingest/ofaccsv/FORMAT.md)", each: ofaccsv.FileFrom},
	{Name: "ftm", Description: "FollowTheMoney JSON lines (ingest/ftm/FORMAT.md)", each: ftm.FileFrom},
	{Name: "stix", Description: "STIX 2.0/2.1 bundles (ingest/stix/FORMAT.md)", each: stix.FileFrom},
	{Name: "tagpack", Description: "GraphSense TagPacks and ActorPacks, read together (ingest/tagpack/FORMAT.md)", group: tagpack.FilesFrom},
	{Name: "incidents", Description: "DPRK thefts table CSV (ingest/incidents/FORMAT.md)", each: incidents.FileFrom},
	{Name: "etl-eth", Description: "ethereum-etl transactions.csv and token_transfers.csv (ingest/etleth/FORMAT.md)", each: etleth.FileFrom},
	{Name: "etl-btc", Description: "bitcoin-etl transactions JSON lines (ingest/etlbtc/FORMAT.md)", each: etlbtc.FileFrom},
	{Name: "personas", Description: "IT-worker personas CSV (ingest/personas/FORMAT.md)", each: personas.FileFrom},
	{Name: "prices", Description: "price table CSV: date, asset, USD close (ingest/prices/FORMAT.md)", each: prices.FileFrom},
}

// Lookup returns the named format.
func Lookup(name string) (Format, bool) {
	i := slices.IndexFunc(registry, func(f Format) bool { return f.Name == name })
	if i < 0 {
		return Format{}, false
	}
	return registry[i], true
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
	slices.SortFunc(out, func(a, b Format) int { return cmp.Compare(a.Name, b.Name) })
	return out
}
