package cli

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/redthread-dev/redthread/ingest/jobs"
)

// byteSize is a flag.Value for a number of bytes written with an optional
// unit: 1073741824, 1GiB, 1G (binary), 1GB (decimal), 512MiB, 64k.
type byteSize int64

var sizeUnits = []struct {
	suffix string
	mult   int64
}{
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40},
	{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"tb", 1e12},
	{"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"t", 1 << 40},
	{"b", 1},
}

func (b *byteSize) Set(s string) error {
	v := strings.ToLower(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(v, u.suffix) {
			v, mult = strings.TrimSpace(strings.TrimSuffix(v, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseFloat(v, 64)
	if err != nil || n < 0 || math.IsInf(n, 0) || n*float64(mult) > math.MaxInt64/2 {
		return fmt.Errorf("%q: want a size such as 1GiB, 500MB or 0", s)
	}
	*b = byteSize(n * float64(mult))
	return nil
}

func (b *byteSize) String() string { return jobs.FormatBytes(int64(*b)) }
