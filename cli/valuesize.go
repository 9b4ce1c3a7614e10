package cli

import (
	"flag"

	"github.com/redthread-dev/redthread/ingest"
)

// valueSize is the --max-value-size flag of serve and ingest.
type valueSize struct {
	size byteSize
}

// maxValueSizeFlag registers --max-value-size on fs, by default
// ingest.DefaultMaxValueBytes (also set by $REDTHREAD_MAX_VALUE_SIZE).
func (m Main) maxValueSizeFlag(fs *flag.FlagSet) *valueSize {
	v := &valueSize{size: byteSize(ingest.DefaultMaxValueBytes)}
	fs.Var(&v.size, "max-value-size", "largest value an ingested record may hold (a cell, a property, a label), such as 64KiB or 1MiB: a record with a larger one is rejected; 0 means no limit")
	return v
}

// limit returns the limit as ingest.Options and jobs.Config take it (-1:
// none).
func (v *valueSize) limit() (int, error) {
	if v.size == 0 {
		return -1, nil
	}
	return int(min(int64(v.size), int64(^uint(0)>>1))), nil
}
