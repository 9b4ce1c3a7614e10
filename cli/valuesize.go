package cli

import (
	"flag"

	"github.com/redthread-dev/redthread/ingest"
)

// valueSize is the --max-value-size flag of serve and ingest.
type valueSize struct {
	size   byteSize
	envErr error
}

// maxValueSizeFlag registers --max-value-size on fs, by default
// $REDTHREAD_MAX_VALUE_SIZE or ingest.DefaultMaxValueBytes.
func (m Main) maxValueSizeFlag(fs *flag.FlagSet) *valueSize {
	v := &valueSize{size: byteSize(ingest.DefaultMaxValueBytes)}
	if env := m.env("REDTHREAD_MAX_VALUE_SIZE", ""); env != "" {
		if err := v.size.Set(env); err != nil {
			v.envErr = usageErrorf("$REDTHREAD_MAX_VALUE_SIZE: %v", err)
		}
	}
	fs.Var(&v.size, "max-value-size", "largest value an ingested record may hold (a cell, a property, a label), such as 64KiB or 1MiB: a record with a larger one is rejected; 0 means no limit [$REDTHREAD_MAX_VALUE_SIZE]")
	return v
}

// limit returns the limit as ingest.Options and jobs.Config take it (-1:
// none), or the usage error of a malformed $REDTHREAD_MAX_VALUE_SIZE.
func (v *valueSize) limit() (int, error) {
	if v.envErr != nil {
		return 0, v.envErr
	}
	if v.size == 0 {
		return -1, nil
	}
	return int(min(int64(v.size), int64(^uint(0)>>1))), nil
}
