package scenario

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"strconv"

	"github.com/redthread-dev/redthread/graph"
)

// chain is BTC or ETH; a wallet is a chain and an index in its address
// space, its address derived from the seed and index.
type chain int

const (
	btc chain = iota
	eth
)

type wallet struct {
	c chain
	i int
}

const (
	usdtContract = "0xdac17f958d2ee523a2206206994597c13d831ec7"
	// Fixed prices: the scenario models flows, not markets.
	ethUSD    = 2000.0
	btcUSD    = 30000.0
	ethBlock0 = 13_916_166
	btcBlock0 = 716_599
)

// gen holds the state of one generation run.
type gen struct {
	cfg   Config
	out   *outputs
	r     *rand.Rand
	n     [2]int      // wallets per chain
	res   [2]int      // per chain, indices below res are reserved for stories
	next  [2]int      // next free reserved index
	used  [2][]uint64 // bitsets of wallets written
	cache [2][]cached // recent addresses: encoding base58 costs more than a transfer
	txn   uint64      // transactions made, the counter behind their hashes
	buf   []byte
	err   error // first allocation error; checked between stories

	transfers int
	truth     Truth
	start     int64 // unix seconds: the window of the scenario
	span      int64

	services map[string]*service
	svcOrder []string // service keys in creation order

	days map[int64]bool // UTC days (unix day numbers) with chain transactions, for the price table
}

type cached struct {
	i    int
	addr string
}

const cacheSize = 1 << 16

func newGen(cfg Config, out *outputs) *gen {
	s := cfg.Scale
	g := &gen{cfg: cfg, out: out, r: rand.New(rand.NewPCG(cfg.Seed, 0x9e3779b97f4a7c15)), services: map[string]*service{}, days: map[int64]bool{}}
	g.n[btc] = s.Wallets * 6 / 10
	g.n[eth] = s.Wallets - g.n[btc]
	for c := range 2 {
		g.res[c] = g.n[c] / 5
		g.used[c] = make([]uint64, (g.n[c]+63)/64)
		g.cache[c] = make([]cached, cacheSize)
		for k := range g.cache[c] {
			g.cache[c][k].i = -1
		}
	}
	g.start = 1640995200 // 2022-01-01T00:00:00Z
	g.span = 3 * 365 * 86400
	g.truth = Truth{Seed: cfg.Seed, Scale: s.Name}
	return g
}

// alloc returns a fresh reserved wallet of chain c, for a story.
func (g *gen) alloc(c chain) wallet {
	if g.next[c] >= g.res[c] {
		if g.err == nil {
			g.err = errReserve
		}
		return wallet{c, g.res[c] - 1}
	}
	g.next[c]++
	return wallet{c, g.next[c] - 1}
}

// ordinary picks a background wallet with a power-law bias to low indices,
// so that some wallets are busy and most see a transfer or two.
func (g *gen) ordinary(c chain) wallet {
	u := g.r.Float64()
	return wallet{c, g.res[c] + int(float64(g.n[c]-g.res[c])*u*u*u)}
}

func (g *gen) mark(w wallet) { g.used[w.c][w.i/64] |= 1 << (w.i % 64) }

func (g *gen) walletsUsed() int {
	n := 0
	for c := range 2 {
		for _, x := range g.used[c] {
			for ; x != 0; x &= x - 1 {
				n++
			}
		}
	}
	return n
}

func (g *gen) hash(tag string, n uint64) [32]byte {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:], g.cfg.Seed)
	binary.BigEndian.PutUint64(b[8:], n)
	return sha256.Sum256(append([]byte(tag), b[:]...))
}

// addr returns the address of w: base58check P2PKH for BTC, lower-case hex
// for ETH, both from a hash of the seed and index.
func (g *gen) addr(w wallet) string {
	slot := &g.cache[w.c][w.i%cacheSize]
	if slot.i == w.i {
		return slot.addr
	}
	var a string
	if w.c == btc {
		h := g.hash("btc-wallet", uint64(w.i))
		a = graph.Base58CheckAddress(0x00, h[:20])
	} else {
		h := g.hash("eth-wallet", uint64(w.i))
		a = "0x" + hex.EncodeToString(h[:20])
	}
	*slot = cached{w.i, a}
	return a
}

// key is w's wallet key ("btc:1…", "eth:0x…").
func (g *gen) key(w wallet) string {
	if w.c == btc {
		return "btc:" + g.addr(w)
	}
	return "eth:" + g.addr(w)
}

func (g *gen) id(w wallet) string { return "wallet:" + g.key(w) }

func (g *gen) txHash() string {
	g.txn++
	h := g.hash("tx", g.txn)
	return hex.EncodeToString(h[:])
}

func (g *gen) ethBlock(ts int64) int64 { return ethBlock0 + (ts-g.start)/12 }

// ethTx writes an ether transfer of gwei and returns its hash.
func (g *gen) ethTx(ts int64, from wallet, to string, gwei uint64) string {
	h := "0x" + g.txHash()
	g.days[ts/86400] = true
	blk := g.ethBlock(ts)
	bh := g.hash("eth-block", uint64(blk))
	b := g.buf[:0]
	b = append(b, h...)
	b = append(b, ',')
	b = strconv.AppendUint(b, g.txn%4096, 10)
	b = append(b, ",0x"...)
	b = hex.AppendEncode(b, bh[:])
	b = append(b, ',')
	b = strconv.AppendInt(b, blk, 10)
	b = append(b, ',')
	b = strconv.AppendUint(b, g.txn%211, 10)
	b = append(b, ',')
	b = append(b, g.addr(from)...)
	b = append(b, ',')
	b = append(b, to...)
	b = append(b, ',')
	b = appendWei(b, gwei)
	if gwei == 0 {
		b = append(b, ",65000,30000000000,0xa9059cbb,"...) // ERC-20 transfer(address,uint256)
	} else {
		b = append(b, ",21000,30000000000,0x,"...)
	}
	b = strconv.AppendInt(b, ts, 10)
	b = append(b, ",40000000000,1500000000,2,true\n"...) // illustrative: every row is synthetic
	g.out.eth.write(b)
	g.buf = b
	g.out.eth.n++
	g.mark(from)
	if gwei > 0 {
		g.transfers++
	}
	return h
}

// eth sends ether between two wallets.
func (g *gen) eth(ts int64, from, to wallet, gwei uint64) string {
	g.mark(to)
	return g.ethTx(ts, from, g.addr(to), gwei)
}

// usdt sends USDT (micro units) between two wallets: the contract call in
// transactions.csv and the transfer in token_transfers.csv.
func (g *gen) usdt(ts int64, from, to wallet, micro uint64) string {
	h := g.ethTx(ts, from, usdtContract, 0)
	g.mark(to)
	b := g.buf[:0]
	b = append(b, usdtContract...)
	b = append(b, ',')
	b = append(b, g.addr(from)...)
	b = append(b, ',')
	b = append(b, g.addr(to)...)
	b = append(b, ',')
	b = strconv.AppendUint(b, micro, 10)
	b = append(b, ',')
	b = append(b, h...)
	b = append(b, ',')
	b = strconv.AppendUint(b, g.txn%97, 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, g.ethBlock(ts), 10)
	b = append(b, ",true\n"...) // illustrative
	g.out.tok.write(b)
	g.buf = b
	g.out.tok.n++
	g.transfers++
	return h
}

// outpoint is a spendable BTC output.
type outpoint struct {
	tx  string
	idx int
	w   wallet
	sat uint64
}

type btcOut struct {
	w   wallet
	sat uint64
}

// coin is an output of a transaction the scenario does not write, for
// inputs whose history is background.
func (g *gen) coin(w wallet, sat uint64) outpoint {
	g.txn++
	h := g.hash("prev", g.txn)
	return outpoint{tx: hex.EncodeToString(h[:]), idx: int(h[0] % 4), w: w, sat: sat}
}

// btcTx writes a bitcoin-etl transaction spending ins into outs (the rest
// is the fee) and returns its outputs as outpoints.
func (g *gen) btcTx(ts int64, ins []outpoint, outs []btcOut) []outpoint {
	g.days[ts/86400] = true
	h := g.txHash()
	var inSat, outSat uint64
	for _, in := range ins {
		inSat += in.sat
	}
	for _, o := range outs {
		outSat += o.sat
	}
	if outSat > inSat {
		panic("scenario: a transaction spends more than its inputs") // a generator bug, not an input error
	}
	b := g.buf[:0]
	b = append(b, `{"hash":"`...)
	b = append(b, h...)
	b = append(b, `","block_number":`...)
	b = strconv.AppendInt(b, btcBlock0+(ts-g.start)/600, 10)
	b = append(b, `,"block_timestamp":`...)
	b = strconv.AppendInt(b, ts, 10)
	b = append(b, `,"is_coinbase":false,"input_count":`...)
	b = strconv.AppendInt(b, int64(len(ins)), 10)
	b = append(b, `,"output_count":`...)
	b = strconv.AppendInt(b, int64(len(outs)), 10)
	b = append(b, `,"input_value":`...)
	b = strconv.AppendUint(b, inSat, 10)
	b = append(b, `,"output_value":`...)
	b = strconv.AppendUint(b, outSat, 10)
	b = append(b, `,"fee":`...)
	b = strconv.AppendUint(b, inSat-outSat, 10)
	b = append(b, `,"inputs":[`...)
	for k, in := range ins {
		if k > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"index":`...)
		b = strconv.AppendInt(b, int64(k), 10)
		b = append(b, `,"spent_transaction_hash":"`...)
		b = append(b, in.tx...)
		b = append(b, `","spent_output_index":`...)
		b = strconv.AppendInt(b, int64(in.idx), 10)
		b = append(b, `,"addresses":["`...)
		b = append(b, g.addr(in.w)...)
		b = append(b, `"],"value":`...)
		b = strconv.AppendUint(b, in.sat, 10)
		b = append(b, `,"type":"pubkeyhash","required_signatures":1}`...)
		g.mark(in.w)
	}
	b = append(b, `],"outputs":[`...)
	res := make([]outpoint, len(outs))
	for k, o := range outs {
		if k > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"index":`...)
		b = strconv.AppendInt(b, int64(k), 10)
		b = append(b, `,"addresses":["`...)
		b = append(b, g.addr(o.w)...)
		b = append(b, `"],"value":`...)
		b = strconv.AppendUint(b, o.sat, 10)
		b = append(b, `,"type":"pubkeyhash","required_signatures":1}`...)
		g.mark(o.w)
		res[k] = outpoint{tx: h, idx: k, w: o.w, sat: o.sat}
		change := false
		for _, in := range ins {
			change = change || in.w == o.w
		}
		if !change {
			g.transfers++
		}
	}
	b = append(b, `],"illustrative":true}`+"\n"...)
	g.out.btc.write(b)
	g.buf = b
	g.out.btc.n++
	return res
}
