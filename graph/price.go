package graph

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strings"
	"time"
)

// Price is an asset's USD close on one UTC day, from one source. Prices
// are not nodes: they appear in no search, neighbourhood or count of the
// graph; money flow reads them to value a transfer that carries an amount
// of an asset and no USD value of its own.
type Price struct {
	Asset  string    `json:"asset"` // ticker, normalised as transfers' assets are (NormalizeChain)
	Day    time.Time `json:"day"`   // midnight UTC of the day
	USD    float64   `json:"usd"`   // the close, in USD per unit of the asset
	Source Source    `json:"source"`
}

// PriceKey identifies a price: one asset on one day.
type PriceKey struct {
	Asset string
	Day   time.Time // midnight UTC
}

// Key returns p's key.
func (p *Price) Key() PriceKey { return PriceKey{p.Asset, p.Day} }

// String writes the key as "ETH 2024-01-02", the form stores key it by.
func (k PriceKey) String() string { return k.Asset + " " + k.Day.Format(time.DateOnly) }

// Day returns the UTC day of t: midnight UTC.
func Day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Prices' sane days: chain data starts in 2009; a close is never of the
// future beyond a day of clock skew.
var firstPriceDay = time.Date(2009, 1, 1, 0, 0, 0, 0, time.UTC)

// maxAssetLen bounds a ticker: tickers are short, and a key must stay small.
const maxAssetLen = 32

// PreparePrice validates and normalises a price in place: the asset as
// transfers' assets are, the day to midnight UTC, the source as a fact's.
// Errors are INVALID_ARGUMENT naming the field.
func PreparePrice(p *Price) error {
	p.Asset = NormalizeChain(p.Asset)
	switch {
	case p.Asset == "":
		return Errorf(CodeInvalid, "asset: missing")
	case len(p.Asset) > maxAssetLen || strings.ContainsAny(p.Asset, " \t\r\n\x00"):
		return Errorf(CodeInvalid, "asset: %q is not a ticker (at most %d characters, no spaces)", p.Asset, maxAssetLen)
	case p.Asset == "USD":
		return Errorf(CodeInvalid, "asset: USD needs no USD price")
	}
	if math.IsNaN(p.USD) || math.IsInf(p.USD, 0) || p.USD <= 0 {
		return Errorf(CodeInvalid, "usd: the close must be a finite number above 0, not %v", p.USD)
	}
	if p.Day.IsZero() {
		return Errorf(CodeInvalid, "day: missing")
	}
	p.Day = Day(p.Day)
	if p.Day.Before(firstPriceDay) || p.Day.After(time.Now().UTC().Add(24*time.Hour)) {
		return Errorf(CodeInvalid, "day: %s is before 2009 or in the future", p.Day.Format(time.DateOnly))
	}
	src, _, _, err := prepareSources([]Source{p.Source}, 0, "", true)
	if err != nil {
		return err
	}
	p.Source = src[0]
	return nil
}

// MergePrice returns the price kept for one (asset, day) of two prepared
// prices: the better by a fixed order that depends on neither which came
// first nor which job wrote it, so that stores agree and re-ingest changes
// nothing. Better is: the more confident source; then a real one over an
// illustrative one; then the one retrieved later (a correction says so
// with a later retrievedAt); then the smaller source key (dataset, record,
// agency); then the smaller close. Of two prices equal but for their job,
// the earlier job's is kept. changed reports whether the result differs
// from old.
func MergePrice(old, in Price) (kept Price, changed bool) {
	c := cmp.Or(
		cmp.Compare(in.Source.Confidence, old.Source.Confidence),
		-cmpBool(in.Source.Illustrative, old.Source.Illustrative),
		in.Source.RetrievedAt.Compare(old.Source.RetrievedAt),
		-strings.Compare(in.Source.sourceKey(), old.Source.sourceKey()),
		-cmp.Compare(in.USD, old.USD),
	)
	if c == 0 && !sameButJob(in.Source, old.Source) {
		// Equal so far but for the source's other fields: the larger
		// excerpt/URL, as preferSource does, to stay order-independent.
		if preferSource(old.Source, in.Source) == in.Source {
			c = 1
		}
	}
	if c == 0 && in.Source.Job != "" && (old.Source.Job == "" || in.Source.Job < old.Source.Job) {
		c = 1
	}
	if c > 0 {
		return in, true
	}
	return old, false
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// PreparePrices prepares a batch's prices and folds those of one (asset,
// day) with MergePrice. It returns the prices to write, in key order, and
// the rejections (Price set, Index into in).
func PreparePrices(in []Price) ([]Price, []Rejection) {
	var rej []Rejection
	byKey := make(map[PriceKey]Price, len(in))
	for i := range in {
		p := in[i]
		if err := PreparePrice(&p); err != nil {
			rej = append(rej, Rejection{Price: true, Index: i, ID: "price:" + p.Asset + " " + p.Day.Format(time.DateOnly), Err: err})
			continue
		}
		if o, ok := byKey[p.Key()]; ok {
			p, _ = MergePrice(o, p)
		}
		byKey[p.Key()] = p
	}
	out := make([]Price, 0, len(byKey))
	for _, p := range byKey {
		out = append(out, p)
	}
	slices.SortFunc(out, ComparePrices)
	return out, rej
}

// ComparePrices orders prices by asset, then day.
func ComparePrices(a, b Price) int {
	return cmp.Or(strings.Compare(a.Asset, b.Asset), a.Day.Compare(b.Day))
}

// PriceQuery asks for one asset's closes over a span of days, a page at a
// time, in day order.
type PriceQuery struct {
	Asset    string
	From, To time.Time // days, inclusive; zero means open
	After    time.Time // the page starts after this day; zero from the start
	Limit    int       // 1 to MaxListPrices
}

// MaxListPrices is the largest page of a PriceQuery.
const MaxListPrices = 1000

// Prepare normalises the query's asset and days and checks its bounds.
func (q *PriceQuery) Prepare() error {
	q.Asset = NormalizeChain(q.Asset)
	if q.Asset == "" || len(q.Asset) > maxAssetLen {
		return Errorf(CodeInvalid, "asset: want a ticker such as ETH")
	}
	if q.Limit < 1 || q.Limit > MaxListPrices {
		return Errorf(CodeInvalid, "first: %d is outside 1–%d", q.Limit, MaxListPrices)
	}
	for _, d := range []*time.Time{&q.From, &q.To, &q.After} {
		if !d.IsZero() {
			*d = Day(*d)
		}
	}
	if !q.From.IsZero() && !q.To.IsZero() && q.To.Before(q.From) {
		return Errorf(CodeInvalid, "to: %s is before from", q.To.Format(time.DateOnly))
	}
	return nil
}

// Start is the first day the page may hold: the day after After, or From.
func (q PriceQuery) Start() time.Time {
	start := q.From
	if !q.After.IsZero() && !q.After.Before(start) {
		start = q.After.AddDate(0, 0, 1)
	}
	return start
}

// PricePage is one page of a PriceQuery's closes, in day order.
type PricePage struct {
	Prices  []Price
	HasMore bool
}

// PriceLister is a store that lists its price table: both stores are one.
type PriceLister interface {
	ListPrices(ctx context.Context, q PriceQuery) (PricePage, error)
}
