// Package scenario generates a deterministic synthetic DPRK case at scale:
// thefts laundered through peel chains, mixers, bridges and OTC desks,
// dormant-then-burst wallets, IT-worker networks with shared identifiers
// paid into wallets that feed the laundering layer, front companies, and
// background traffic around exchanges. It writes the files Redthread
// ingests (native JSON lines, blockchain-etl Ethereum CSV and Bitcoin JSON
// lines, personas CSV) and truth.json, the ground truth that clustering
// and persona resolution are measured against.
//
// Output is streamed: memory grows with the number of wallets touched by
// the illicit stories, never with the number of transfers, and the same
// seed gives byte-identical files.
package scenario

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Scale sizes a scenario.
type Scale struct {
	Name      string
	Wallets   int // address space: BTC and ETH wallets together
	Transfers int // value movements: ETH transfers, token transfers, BTC outputs
	Incidents int // thefts, each with its laundering route
	Chains    int // peel chains per theft
	Hops      int // hops per peel chain
	Workers   int // real people behind the IT-worker personas
}

// ParseScale returns the scale named S, M or L.
func ParseScale(name string) (Scale, error) {
	switch name {
	case "S", "s":
		return Scale{Name: "S", Wallets: 10_000, Transfers: 50_000, Incidents: 3, Chains: 4, Hops: 12, Workers: 16}, nil
	case "M", "m":
		return Scale{Name: "M", Wallets: 1_000_000, Transfers: 5_000_000, Incidents: 30, Chains: 16, Hops: 40, Workers: 1_500}, nil
	case "L", "l":
		return Scale{Name: "L", Wallets: 10_000_000, Transfers: 50_000_000, Incidents: 120, Chains: 24, Hops: 60, Workers: 10_000}, nil
	}
	return Scale{}, fmt.Errorf("scale %q: want S, M or L", name)
}

// Config says what to generate.
type Config struct {
	Scale Scale
	Seed  uint64
}

// File names inside the output directory.
const (
	NativeFile         = "entities.jsonl"
	ETHTransactionFile = "eth/transactions.csv"
	ETHTokenFile       = "eth/token_transfers.csv"
	BTCTransactionFile = "btc/transactions.json"
	PersonasFile       = "personas.csv"
	PricesFile         = "prices.csv"
	TruthFile          = "truth.json"
)

// FileStat describes one written file.
type FileStat struct {
	Name    string // relative to the output directory
	Format  string // the ingest format that reads it; "" for truth.json
	Bytes   int64
	Records int // lines after the header
}

// Stats says what Generate wrote.
type Stats struct {
	Files          []FileStat
	Wallets        int // distinct wallets in the transfer files and entities
	Transfers      int // value movements written
	ETHTxs         int // rows of transactions.csv
	TokenTransfers int
	BTCTxs         int
	Elapsed        time.Duration
}

// Generate writes the scenario of cfg into dir, creating it if needed.
func Generate(ctx context.Context, dir string, cfg Config) (Stats, error) {
	start := time.Now()
	if cfg.Scale.Wallets < 1000 || cfg.Scale.Transfers < 1000 {
		return Stats{}, fmt.Errorf("scale %q too small: at least 1000 wallets and 1000 transfers", cfg.Scale.Name)
	}
	for _, d := range []string{dir, filepath.Join(dir, "eth"), filepath.Join(dir, "btc")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return Stats{}, fmt.Errorf("create output directory: %w", err)
		}
	}
	out, err := openOutputs(dir)
	if err != nil {
		return Stats{}, err
	}
	g := newGen(cfg, out)
	err = g.run(ctx)
	if cerr := out.close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = writeTruth(filepath.Join(dir, TruthFile), &g.truth)
	}
	var prices int
	if err == nil {
		prices, err = writePrices(filepath.Join(dir, PricesFile), cfg.Seed, g.days)
	}
	if err != nil {
		return Stats{}, err
	}
	st := Stats{Wallets: g.walletsUsed(), Transfers: g.transfers, ETHTxs: out.eth.n, TokenTransfers: out.tok.n,
		BTCTxs: out.btc.n}
	for _, f := range []struct {
		name, format string
		n            int
	}{
		{NativeFile, "native", out.native.n}, {ETHTransactionFile, "etl-eth", out.eth.n},
		{ETHTokenFile, "etl-eth", out.tok.n}, {BTCTransactionFile, "etl-btc", out.btc.n},
		{PersonasFile, "personas", out.personas.n}, {PricesFile, "prices", prices}, {TruthFile, "", 1},
	} {
		fi, err := os.Stat(filepath.Join(dir, f.name))
		if err != nil {
			return st, fmt.Errorf("stat output: %w", err)
		}
		st.Files = append(st.Files, FileStat{Name: f.name, Format: f.format, Bytes: fi.Size(), Records: f.n})
	}
	st.Elapsed = time.Since(start)
	return st, nil
}
