package scenario

import (
	"path/filepath"

	"github.com/redthread-dev/redthread/ingest"
	"github.com/redthread-dev/redthread/ingest/etlbtc"
	"github.com/redthread-dev/redthread/ingest/etleth"
	"github.com/redthread-dev/redthread/ingest/native"
	"github.com/redthread-dev/redthread/ingest/personas"
)

// Sources returns the graph files Generate wrote in dir as ingest sources,
// each read by its format's reader: what `redthread ingest` would be given.
// The price table (PricesFile) is not among them: it changes what money
// flow says in USD, so callers load it when they mean to.
func Sources(dir string) []ingest.Source {
	p := func(name string) string { return filepath.Join(dir, name) }
	return []ingest.Source{
		native.File(p(NativeFile)),
		etleth.File(p(ETHTransactionFile)),
		etleth.File(p(ETHTokenFile)),
		etlbtc.File(p(BTCTransactionFile)),
		personas.File(p(PersonasFile)),
	}
}
