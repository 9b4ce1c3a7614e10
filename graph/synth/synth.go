// Package synth generates large synthetic transfer graphs, deterministic
// for a seed and sizes, for benchmarks and for tests that need volume: the
// bench command, the stores' benchmarks and the conformance suite's hub
// cases. It imports no testing code, so a command can link it.
package synth

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"iter"
	"math"
	"math/rand/v2"
	"time"

	"github.com/redthread-dev/redthread/graph"
)

// Gen generates a synthetic transfer graph with the skew of real ones: a few
// exchange hot wallets (one per thousand wallets, at least two per chain)
// take part in about a third of all transfers, a fifth of transfers form
// peel chains (each hop forwards most of what it received to a fresh
// wallet), and the rest run between ordinary wallets whose popularity
// follows a power law. Three quarters of the wallets are Bitcoin (base58check
// P2PKH addresses), the rest Ethereum; transfers stay within a chain. Every
// hub also gets a Service node and a DEPOSITED_AT edge. The same seed and
// sizes always give the same records.
type Gen struct {
	seed      int64
	wallets   int
	transfers int
	btc       int // wallets [0, btc) are BTC, [btc, wallets) ETH
	hubs      int // per chain: the first hubs wallets of each chain
}

// NewGen returns a generator of wallets wallets (at least 40) and transfers
// transfers.
func NewGen(seed int64, wallets, transfers int) *Gen {
	wallets = max(wallets, 40)
	btc := wallets * 3 / 4
	hubs := max(2, wallets/2000)
	return &Gen{seed: seed, wallets: wallets, transfers: transfers, btc: btc, hubs: hubs}
}

// Wallets returns the number of wallets.
func (g *Gen) Wallets() int { return g.wallets }

// Edges returns the number of edges generated: transfers plus one
// DEPOSITED_AT edge per hub.
func (g *Gen) Edges() int { return g.transfers + 2*g.hubs }

// Nodes returns the number of nodes generated: wallets plus one service per
// hub.
func (g *Gen) Nodes() int { return g.wallets + 2*g.hubs }

func (g *Gen) hash(tag string, i int) [32]byte {
	var b [8 + 8]byte
	binary.BigEndian.PutUint64(b[:], uint64(g.seed))
	binary.BigEndian.PutUint64(b[8:], uint64(i))
	return sha256.Sum256(append([]byte(tag), b[:]...))
}

// WalletKey returns the natural key of wallet i.
func (g *Gen) WalletKey(i int) string {
	h := g.hash("wallet", i)
	if i < g.btc {
		return "btc:" + graph.Base58CheckAddress(0x00, h[:20])
	}
	return "eth:0x" + hex.EncodeToString(h[:20])
}

// WalletID returns the node ID of wallet i.
func (g *Gen) WalletID(i int) string {
	id, _, err := graph.NodeID(graph.KindWallet, g.WalletKey(i))
	if err != nil {
		panic(fmt.Sprintf("synth: generated an invalid wallet key: %v", err))
	}
	return id
}

func (g *Gen) chainRange(i int) (lo, hi int) {
	if i < g.btc {
		return 0, g.btc
	}
	return g.btc, g.wallets
}

var genEpoch = time.Date(2022, 3, 23, 0, 0, 0, 0, time.UTC) // the Ronin bridge theft

// genSource names the generator's dataset as it did when the generator
// lived in graph/storetest, so that graphs generated before and after the
// move are the same records.
func genSource(record string) []graph.Source {
	return []graph.Source{{Dataset: "synthetic/storetest-gen", Record: record, Confidence: graph.ConfidenceForensic, Illustrative: true}}
}

// Batches yields the graph in batches of at most size records: services and
// wallets first, then hub deposits and transfers, so every edge's endpoints
// are written before it.
func (g *Gen) Batches(size int) iter.Seq[graph.Batch] {
	return func(yield func(graph.Batch) bool) {
		var b graph.Batch
		flush := func(force bool) bool {
			if len(b.Nodes)+len(b.Edges) < size && !force || len(b.Nodes)+len(b.Edges) == 0 {
				return true
			}
			out := b
			b = graph.Batch{}
			return yield(out)
		}
		hubIndex := func(k int) int { // k in [0, 2*hubs)
			if k < g.hubs {
				return k
			}
			return g.btc + k - g.hubs
		}
		for k := range 2 * g.hubs {
			b.Nodes = append(b.Nodes, graph.Node{Kind: graph.KindService, Key: fmt.Sprintf("exchange-%d", k),
				Label: fmt.Sprintf("Exchange %d", k), Props: graph.Props{"category": "exchange"}, Sources: genSource(fmt.Sprintf("svc/%d", k))})
			if !flush(false) {
				return
			}
		}
		for i := range g.wallets {
			n := graph.Node{Kind: graph.KindWallet, Key: g.WalletKey(i), Sources: genSource(fmt.Sprintf("w/%d", i))}
			lo, _ := g.chainRange(i)
			if i-lo < g.hubs {
				n.Label = fmt.Sprintf("Exchange %d hot wallet", i-lo)
			}
			b.Nodes = append(b.Nodes, n)
			if !flush(false) {
				return
			}
		}
		for k := range 2 * g.hubs {
			svc, _, _ := graph.NodeID(graph.KindService, fmt.Sprintf("exchange-%d", k))
			b.Edges = append(b.Edges, graph.Edge{Kind: graph.EdgeDepositedAt, From: g.WalletID(hubIndex(k)), To: svc, Sources: genSource(fmt.Sprintf("dep/%d", k))})
			if !flush(false) {
				return
			}
		}
		r := rand.New(rand.NewPCG(uint64(g.seed), 0x5eed))
		// popular picks an ordinary wallet of [lo, hi) with a power-law bias
		// towards the low indices.
		popular := func(lo, hi int) int {
			lo += g.hubs
			return lo + int(float64(hi-lo)*math.Pow(r.Float64(), 3))
		}
		peel, peelLeft, amount := 0, 0, 0.0
		for j := range g.transfers {
			var from, to int
			amt := math.Round(r.ExpFloat64()*1e6) / 1e6
			switch x := r.Float64(); {
			case x < 0.20: // peel chain hop
				lo, hi := g.chainRange(peel)
				span := hi - lo - g.hubs
				if peelLeft == 0 {
					lo, hi = g.chainRange(r.IntN(g.wallets))
					span = hi - lo - g.hubs
					peel, peelLeft, amount = lo+g.hubs+r.IntN(span), 20+r.IntN(80), 10+100*r.Float64()
				}
				from = peel
				to = lo + g.hubs + (peel-lo-g.hubs+1+r.IntN(7))%span
				amount *= 0.97
				peel, peelLeft, amt = to, peelLeft-1, math.Round(amount*1e6)/1e6
			case x < 0.45: // deposit to an exchange
				lo, hi := g.chainRange(r.IntN(g.wallets))
				from, to = popular(lo, hi), lo+r.IntN(g.hubs)
			case x < 0.55: // withdrawal from an exchange
				lo, hi := g.chainRange(r.IntN(g.wallets))
				from, to = lo+r.IntN(g.hubs), popular(lo, hi)
			default:
				lo, hi := g.chainRange(r.IntN(g.wallets))
				from, to = popular(lo, hi), popular(lo, hi)
			}
			h := g.hash("tx", j)
			asset, tx := "BTC", hex.EncodeToString(h[:])
			if from >= g.btc {
				asset, tx = "ETH", "0x"+tx
			}
			b.Edges = append(b.Edges, graph.Edge{
				Kind: graph.EdgeTransfer, From: g.WalletID(from), To: g.WalletID(to),
				Key: tx + ":0", TxHash: tx, Amount: amt, Asset: asset,
				Time: genEpoch.Add(time.Duration(j) * time.Minute), Sources: genSource("tx/" + tx[:16]),
			})
			if !flush(false) {
				return
			}
		}
		flush(true)
	}
}

// Generate returns the whole generated graph as one batch.
func Generate(seed int64, wallets, transfers int) graph.Batch {
	var all graph.Batch
	for b := range NewGen(seed, wallets, transfers).Batches(1 << 16) {
		all.Nodes = append(all.Nodes, b.Nodes...)
		all.Edges = append(all.Edges, b.Edges...)
	}
	return all
}
