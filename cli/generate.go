package cli

import (
	"context"
	"fmt"
	"strconv"

	"github.com/redthread-dev/redthread/scenario"
)

func (m Main) generate(ctx context.Context, args []string) error {
	fs := m.newFlagSet("generate")
	scale := fs.String("scale", "S", "S (10k wallets), M (1M wallets, 5M transfers) or L (10M wallets, 50M transfers)")
	seed := fs.Uint64("seed", 1, "random seed: the same seed gives byte-identical files")
	out := fs.String("out", "", "output directory (created if missing)")
	if err := m.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected arguments %q", fs.Args())
	}
	if *out == "" {
		return usageErrorf("--out is required")
	}
	sc, err := scenario.ParseScale(*scale)
	if err != nil {
		return usageErrorf("--scale: %v", err)
	}
	st, err := scenario.Generate(ctx, *out, scenario.Config{Scale: sc, Seed: *seed})
	if err != nil {
		return err
	}
	for _, f := range st.Files {
		format := f.Format
		if format == "" {
			format = "-"
		}
		fmt.Fprintf(m.Stdout, "%-26s %-9s %12s bytes %10s records\n", f.Name, format, thousands(f.Bytes), thousands(int64(f.Records)))
	}
	fmt.Fprintf(m.Stdout, "scale %s seed %d: %s wallets, %s transfers (%s ETH txs, %s token transfers, %s BTC txs) in %s\n",
		sc.Name, *seed, thousands(int64(st.Wallets)), thousands(int64(st.Transfers)), thousands(int64(st.ETHTxs)),
		thousands(int64(st.TokenTransfers)), thousands(int64(st.BTCTxs)), st.Elapsed.Round(1e7))
	return nil
}

// thousands writes n with thousands separators, for people reading sizes.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
