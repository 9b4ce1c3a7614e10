package scenario

import (
	"bufio"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"time"
)

// The price table of a scenario: a USD close for ETH, BTC and USDT on
// every UTC day that has a chain transaction, so that `redthread ingest
// --format prices` lets money flow value the generated transfers, which
// carry amounts and no USD value. The closes are illustrative, as is
// everything generate writes: a random walk from the scenario's fixed
// prices (ethUSD, btcUSD; USDT near 1), drawn from its own generator seeded
// from the scenario's seed, so that adding it changed none of the other
// files.

// pricesSource names the closes' source in each row.
const pricesSource = "illustrative: redthread generate random walk (not market data)" // no comma: a CSV field as is

// pricesSeed separates the price walk's generator from the scenario's.
const pricesSeed = 0x70726963657321 // "prices!"

// writePrices writes the price table for days (unix day numbers) and
// returns the number of rows.
func writePrices(path string, seed uint64, days map[int64]bool) (int, error) {
	list := make([]int64, 0, len(days))
	for d := range days {
		list = append(list, d)
	}
	slices.Sort(list)
	f, err := os.Create(path)
	if err != nil {
		return 0, fmt.Errorf("create output: %w", err)
	}
	w := bufio.NewWriter(f)
	_, _ = w.WriteString("date,asset,usd_close,source,illustrative\n")
	r := rand.New(rand.NewPCG(seed, pricesSeed))
	walk := []struct {
		asset string
		price float64
		vol   float64 // daily volatility of the walk
		pull  float64 // pull back towards the start, per day
	}{{"BTC", btcUSD, 0.03, 0.01}, {"ETH", ethUSD, 0.04, 0.01}, {"USDT", 1, 0.001, 0.5}}
	base := []float64{btcUSD, ethUSD, 1}
	rows := 0
	prev := int64(math.MinInt64)
	for _, d := range list {
		// Walk on over the days without transactions too, so that a
		// close does not depend on which days are listed.
		steps := int64(1)
		if prev != math.MinInt64 {
			steps = d - prev
		}
		prev = d
		for range steps {
			for i := range walk {
				a := &walk[i]
				a.price *= math.Exp(a.vol*r.NormFloat64() + a.pull*math.Log(base[i]/a.price))
			}
		}
		day := time.Unix(d*86400, 0).UTC().Format(time.DateOnly)
		for _, a := range walk {
			_, _ = w.WriteString(day + "," + a.asset + "," + strconv.FormatFloat(round(a.price), 'f', -1, 64) + "," + pricesSource + ",true\n")
			rows++
		}
	}
	if err := errors.Join(w.Flush(), f.Close()); err != nil {
		return 0, fmt.Errorf("write output: %w", err)
	}
	return rows, nil
}

// round keeps six significant digits: a close as a provider quotes it.
func round(x float64) float64 {
	p := math.Pow(10, 5-math.Floor(math.Log10(x)))
	return math.Round(x*p) / p
}
