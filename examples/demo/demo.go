// Package demo embeds Redthread's demo case, the DPRK theft-and-laundering
// graph in dprk.jsonl, so that `redthread serve --demo` can load it from
// the binary. The file cites the background articles for every fact and
// marks its synthetic wallet, transfer and persona layer as illustrative.
package demo

import (
	_ "embed"

	"github.com/redthread-dev/redthread/ingest"
	"github.com/redthread-dev/redthread/ingest/native"
)

// FileName is the demo file's name, as error reports show it.
const FileName = "dprk.jsonl"

// A string, not a []byte: embedded data stays immutable.
//
//go:embed dprk.jsonl
var data string

// Data returns a copy of the demo case in the native format.
func Data() []byte { return []byte(data) }

// Source returns the demo case as an ingest source.
func Source() ingest.Source { return native.Bytes(FileName, Data()) }
