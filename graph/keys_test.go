package graph

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestNodeID(t *testing.T) {
	tests := []struct {
		name    string
		kind    NodeKind
		key     string
		want    string
		wantErr string
	}{
		{"EVM lower-cased", KindWallet, "ETH:0x098B716B8Aaf21512996dC57EB0615e2383E2f96", "wallet:eth:0x098b716b8aaf21512996dc57eb0615e2383e2f96", ""},
		{"EVM bad EIP-55", KindWallet, "eth:0x098B716B8Aaf21512996dC57EB0615e2383E2F96", "", "EIP-55"},
		{"EVM all lower accepted", KindWallet, "eth:0x098b716b8aaf21512996dc57eb0615e2383e2f96", "wallet:eth:0x098b716b8aaf21512996dc57eb0615e2383e2f96", ""},
		{"EVM too short", KindWallet, "eth:0x098b", "", "40 hex"},
		{"XBT is BTC", KindWallet, "XBT:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "wallet:btc:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", ""},
		{"base58 lower-cased rejected", KindWallet, "btc:1a1zp1ep5qgefi2dmptftl5slmv7divfna", "", "base58"},
		{"bech32 upper folded", KindWallet, "btc:BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ", "wallet:btc:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", ""},
		{"bech32m taproot", KindWallet, "btc:bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297", "wallet:btc:bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297", ""},
		{"bech32 bad checksum", KindWallet, "btc:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdx", "", "checksum"},
		{"tron", KindWallet, "trx:TBHTJqAy4DhHhmT3dNceJYNRz4SdLofLre", "wallet:trx:TBHTJqAy4DhHhmT3dNceJYNRz4SdLofLre", ""},
		{"tron lower-cased", KindWallet, "trx:tbhtjqay4dhhhmt3dncejynrz4sdlofLre", "", ""},
		{"wallet without chain", KindWallet, "0x098b716b8aaf21512996dc57eb0615e2383e2f96", "", "CHAIN:address"},
		{"unknown chain kept", KindWallet, "XMR:4AbC", "wallet:xmr:4AbC", ""},
		{"email", KindIdentifier, "email:Kim.Dev@Example.COM", "identifier:email:kim.dev@example.com", ""},
		{"phone", KindIdentifier, "phone:+856 20 5555-0101", "identifier:phone:+8562055550101", ""},
		{"phone with letters", KindIdentifier, "phone:+856 20 CALL-ME", "", "not a phone"},
		{"bch cashaddr", KindWallet, "bch:bitcoincash:qpf2cphc5dkuclkqur7lhj2yuqq9pk3hmukle77vhq", "wallet:bch:qpf2cphc5dkuclkqur7lhj2yuqq9pk3hmukle77vhq", ""},
		{"bch cashaddr bad checksum", KindWallet, "bch:qpf2cphc5dkuclkqur7lhj2yuqq9pk3hmukle77vhx", "", "checksum"},
		{"ip", KindIdentifier, "ip:2001:DB8::1", "identifier:ip:2001:db8::1", ""},
		{"handle", KindIdentifier, "handle:GitHub/@KimDev", "identifier:handle:github/kimdev", ""},
		{"bad identifier type", KindIdentifier, "fax:123", "", "TYPE:value"},
		{"slug", KindThreatGroup, "  Lazarus Group ", "threat_group:lazarus-group", ""},
		{"slug keeps hangul", KindOrganization, "조선노동당 군수공업부", "organization:조선노동당-군수공업부", ""},
		{"empty slug", KindService, " -- ", "", "no letters"},
		{"tx hash lower", KindTransaction, "ETH:0xABCDEF", "transaction:eth:0xabcdef", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := NodeID(tt.kind, tt.key)
			if tt.wantErr != "" || tt.want == "" {
				if err == nil {
					t.Fatalf("NodeID(%s, %q) = %q, want an error", tt.kind, tt.key, got)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %q does not mention %q", err, tt.wantErr)
				}
				if ErrorCode(err) != CodeInvalid {
					t.Fatalf("code %s, want %s", ErrorCode(err), CodeInvalid)
				}
				return
			}
			if err != nil {
				t.Fatalf("NodeID(%s, %q): %v", tt.kind, tt.key, err)
			}
			if got != tt.want {
				t.Fatalf("NodeID(%s, %q) = %q, want %q", tt.kind, tt.key, got, tt.want)
			}
			kind, _, err := ParseNodeID(got)
			if err != nil || kind != tt.kind {
				t.Fatalf("ParseNodeID(%q) = %s, %v", got, kind, err)
			}
			// IDs are fixed points of normalisation: PrepareEdgeKnown
			// relies on it to skip normalising the IDs of known nodes.
			if again, kind, err := NormalizeNodeID(got); err != nil || again != got || kind != tt.kind {
				t.Fatalf("NormalizeNodeID(%q) = %q, %s, %v; want it unchanged", got, again, kind, err)
			}
		})
	}
}

// TestOFACAddressesValidate runs the validator over OFAC's case-preserving
// lists: every Bitcoin, Litecoin, Tron and EVM address on the SDN list must
// pass, and the same base58 addresses lower-cased must fail. OFAC files one
// Tron address under XBT; it must be rejected for that chain, with a reason.
func TestOFACAddressesValidate(t *testing.T) {
	dir := filepath.Join("..", "..", "shared", "data", "ofac", "addresses-by-currency")
	for _, chain := range []string{"XBT", "LTC", "TRX", "ETH", "BCH", "DASH"} {
		f, err := os.Open(filepath.Join(dir, "sanctioned_addresses_"+chain+".txt"))
		if err != nil {
			t.Fatalf("fixture: %v", err)
		}
		sc := bufio.NewScanner(f)
		n := 0
		for sc.Scan() {
			addr := strings.TrimSpace(sc.Text())
			if addr == "" {
				continue
			}
			n++
			_, err := NormalizeAddress(chain, addr)
			if addr == "TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq" && chain == "XBT" {
				if err == nil || !strings.Contains(err.Error(), "version byte") {
					t.Errorf("Tron address listed under XBT: got %v, want a version-byte error", err)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s %s: %v", chain, addr, err)
			}
			if chain != "ETH" && !strings.HasPrefix(addr, "bc1") && !isCashAddr(addr) && strings.ToLower(addr) != addr {
				if _, err := NormalizeAddress(chain, strings.ToLower(addr)); err == nil {
					t.Errorf("%s %s lower-cased was accepted", chain, addr)
				}
			}
		}
		f.Close()
		if n == 0 {
			t.Fatalf("%s: no addresses read", chain)
		}
	}
}

func TestMergeNodeIsIdempotent(t *testing.T) {
	n := Node{Kind: KindThreatGroup, Key: "lazarus-group", Label: "Lazarus Group", Aliases: []string{"Hidden Cobra"},
		Sources: []Source{{Dataset: "a", Record: "1", Confidence: 60, Marking: TLPAmber}}}
	if err := PrepareNode(&n); err != nil {
		t.Fatal(err)
	}
	m, err := MergeNode(&n, &n)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Sources) != 1 || m.Label != "Lazarus Group" || len(m.Aliases) != 1 {
		t.Fatalf("merging a node with itself changed it: %+v", m)
	}
	o := Node{Kind: KindThreatGroup, Key: "Lazarus Group", Label: "APT38",
		Sources: []Source{{Dataset: "b", Record: "9", Confidence: 50}}}
	if err := PrepareNode(&o); err != nil {
		t.Fatal(err)
	}
	m, _ = MergeNode(m, &o)
	if len(m.Sources) != 2 || m.Confidence != 60 || m.Marking != TLPClear {
		t.Fatalf("merge of two sources: got %d sources, confidence %d, marking %s", len(m.Sources), m.Confidence, m.Marking)
	}
	if m.Label != "Lazarus Group" || !slices.Equal(m.Aliases, []string{"APT38", "Hidden Cobra"}) {
		t.Fatalf("label %q aliases %v", m.Label, m.Aliases)
	}
}

// permutations returns every order of 0..n-1.
func permutations(n int) [][]int {
	if n == 0 {
		return [][]int{{}}
	}
	var out [][]int
	for _, p := range permutations(n - 1) {
		for i := 0; i <= len(p); i++ {
			out = append(out, slices.Insert(slices.Clone(p), i, n-1))
		}
	}
	return out
}

// TestMergeIsOrderIndependent: sources that disagree on labels, aliases,
// properties, amounts, times and validity merge to the same record in
// every order, and merging any of them again changes nothing.
func TestMergeIsOrderIndependent(t *testing.T) {
	kst := time.FixedZone("KST", 9*3600)
	at := func(d int, loc *time.Location) time.Time { return time.Date(2022, 3, d, 12, 0, 0, 0, time.UTC).In(loc) }
	src := func(ds string) []Source { return []Source{{Dataset: ds, Record: "r"}} }
	nodes := []Node{
		{Kind: KindThreatGroup, Key: "lazarus-group", Label: "LAZARUS GROUP", Props: Props{"country": "KP", "n": 1.0}, Sources: src("ofac")},
		{Kind: KindThreatGroup, Key: "lazarus-group", Label: "Lazarus Group", Aliases: []string{"APT38"}, Props: Props{"country": "DPRK", "list": []any{"a"}}, Sources: src("mitre"), ValidFrom: at(1, time.UTC)},
		{Kind: KindThreatGroup, Key: "lazarus-group", Aliases: []string{"Hidden Cobra"}, Props: Props{"n": 2.0, "list": []any{"a", "b"}, "x": nil}, Sources: src("tags"), ValidFrom: at(1, kst), ValidTo: at(9, time.UTC)},
		{Kind: KindThreatGroup, Key: "lazarus-group", Label: "Guardians of Peace", Props: Props{"x": "y"}, Sources: src("fbi"), ValidTo: at(9, kst)},
	}
	edges := []Edge{
		{Kind: EdgeTransfer, From: "wallet:eth:0x098b716b8aaf21512996dc57eb0615e2383e2f96", To: "wallet:eth:0xa0e1c89ef1a489c9c7de96311ed5ce5d32c20e4b", Key: "t1", Amount: 10, Asset: "ETH", Time: at(3, time.UTC), Sources: src("a")},
		{Kind: EdgeTransfer, From: "wallet:eth:0x098b716b8aaf21512996dc57eb0615e2383e2f96", To: "wallet:eth:0xa0e1c89ef1a489c9c7de96311ed5ce5d32c20e4b", Key: "t1", Amount: 12, ValueUSD: 3, Time: at(3, kst), TxHash: "0xbb", Sources: src("b")},
		{Kind: EdgeTransfer, From: "wallet:eth:0x098b716b8aaf21512996dc57eb0615e2383e2f96", To: "wallet:eth:0xa0e1c89ef1a489c9c7de96311ed5ce5d32c20e4b", Key: "t1", Asset: "USDT", Time: at(2, time.UTC), TxHash: "0xaa", ValueUSD: 5, Sources: src("c")},
	}
	for i := range nodes {
		if err := PrepareNode(&nodes[i]); err != nil {
			t.Fatal(err)
		}
	}
	for i := range edges {
		if err := PrepareEdge(&edges[i]); err != nil {
			t.Fatal(err)
		}
	}
	check := func(t *testing.T, what string, n int, merge func(order []int) (any, error)) {
		var want []byte
		for _, order := range permutations(n) {
			rec, err := merge(order)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.Marshal(rec)
			if want == nil {
				want = got
				t.Logf("%s: %s", what, got)
			} else if !bytes.Equal(got, want) {
				t.Fatalf("%s merged in order %v:\n got %s\nwant %s", what, order, got, want)
			}
		}
	}
	check(t, "node", len(nodes), func(order []int) (any, error) {
		m := &nodes[order[0]]
		for _, i := range order[1:] {
			var err error
			if m, err = MergeNode(m, &nodes[i]); err != nil {
				return nil, err
			}
		}
		again, err := MergeNode(m, &nodes[order[0]])
		if a, b := fmt.Sprint(again), fmt.Sprint(m); err == nil && a != b {
			return nil, fmt.Errorf("merging %d again changed %s into %s", order[0], b, a)
		}
		return m, err
	})
	check(t, "edge", len(edges), func(order []int) (any, error) {
		m := &edges[order[0]]
		for _, i := range order[1:] {
			var err error
			if m, err = MergeEdge(m, &edges[i]); err != nil {
				return nil, err
			}
		}
		return m, nil
	})
}

func TestBase58RoundTrip(t *testing.T) {
	for _, addr := range []string{"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "11111111111111111111BZbvjr", "TBHTJqAy4DhHhmT3dNceJYNRz4SdLofLre"} {
		raw, err := base58Decode(addr)
		if err != nil {
			t.Fatalf("%s: %v", addr, err)
		}
		if got := base58Encode(raw); got != addr {
			t.Fatalf("round trip of %s gave %s", addr, got)
		}
	}
	if _, err := base58Decode("1é"); err == nil {
		t.Fatal("non-ASCII accepted")
	}
	// Every length up to and beyond an address's, with and without leading
	// zero bytes (the '1's), against base58Encode (math/big).
	r := rand.New(rand.NewPCG(1, 2))
	for n := range 80 {
		for range 20 {
			raw := make([]byte, n)
			for i := range raw {
				raw[i] = byte(r.IntN(256))
			}
			for i := 0; i < len(raw) && r.IntN(3) == 0; i++ {
				raw[i] = 0
			}
			got, err := base58Decode(base58Encode(raw))
			if err != nil || !bytes.Equal(got, raw) {
				t.Fatalf("%x: decoded %x, %v", raw, got, err)
			}
		}
	}
}

func BenchmarkNormalizeAddressBase58(b *testing.B) {
	for b.Loop() {
		if _, err := NormalizeAddress("BTC", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"); err != nil {
			b.Fatal(err)
		}
	}
}

func TestWalletKey(t *testing.T) {
	tests := []struct {
		currency, addr, key, token string
		ok                         bool
	}{
		{"XBT", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "btc:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "", true},
		{"USDT", "TBHTJqAy4DhHhmT3dNceJYNRz4SdLofLre", "trx:TBHTJqAy4DhHhmT3dNceJYNRz4SdLofLre", "USDT", true},
		{"USDT", "0x098B716B8Aaf21512996dC57EB0615e2383E2f96", "eth:0x098b716b8aaf21512996dc57eb0615e2383e2f96", "USDT", true},
		{"USDT", "ta3941ufavmvibskq6fmjxxmasnovx86mz", "", "", false},
		{"USDT", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "btc:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "USDT", true},
		{"USDC", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "", "", false},
		{"", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "", "", false},
	}
	for _, tt := range tests {
		key, token, err := WalletKey(tt.currency, tt.addr)
		if (err == nil) != tt.ok || key != tt.key || token != tt.token {
			t.Errorf("WalletKey(%q, %q) = %q, %q, %v", tt.currency, tt.addr, key, token, err)
		}
	}
}

// TestPrepareNodeKnown: with the prepared IDs known, nodes come out as
// PrepareNode makes them, whether their key is the normalised one or not.
func TestPrepareNodeKnown(t *testing.T) {
	stored := map[string]bool{
		"wallet:eth:0x098b716b8aaf21512996dc57eb0615e2383e2f96": true,
		"threat_group:lazarus-group":                            true,
	}
	known := func(id string) bool { return stored[id] }
	for _, n := range []Node{
		{Kind: KindWallet, Key: "eth:0x098b716b8aaf21512996dc57eb0615e2383e2f96"},
		{Kind: KindWallet, Key: "ETH:0x098B716B8Aaf21512996dC57EB0615e2383E2f96"},
		{Kind: KindWallet, Key: "eth:0x098b716b8aaf21512996dc57eb0615e2383e2f96", ID: "wallet:eth:0x098b716b8aaf21512996dc57eb0615e2383e2f96"},
		{Kind: KindWallet, Key: "eth:0x098b716b8aaf21512996dc57eb0615e2383e2f96", ID: "wallet:eth:0xother"},
		{Kind: KindThreatGroup, Key: "lazarus-group", Label: " Lazarus Group "},
		{Kind: KindThreatGroup, Key: "Lazarus Group"},
		{Kind: KindPerson, Key: "kim"},
		{Kind: "NOPE", Key: "lazarus-group"},
	} {
		n.Sources = []Source{{Dataset: "d"}}
		a, b := n, n
		errA, errB := PrepareNode(&a), PrepareNodeKnown(&b, known)
		if fmt.Sprint(errA) != fmt.Sprint(errB) || fmt.Sprint(a) != fmt.Sprint(b) {
			t.Errorf("%s %q: PrepareNode %+v, %v; PrepareNodeKnown %+v, %v", n.Kind, n.Key, a, errA, b, errB)
		}
	}
}

func TestBech32PrefixAnyCase(t *testing.T) {
	for _, c := range []struct {
		a, hrp string
		want   bool
	}{
		{"bc1qar0", "bc", true}, {"BC1QAR0", "bc", true}, {"Bc1q", "bc", true},
		{"bc", "bc", false}, {"bc2q", "bc", false}, {"1A1z", "bc", false},
		{"ltc1q", "ltc", true}, {"LTC1Q", "ltc", true}, {"lt1q", "ltc", false}, {"\x02c1q", "bc", false},
	} {
		if got := hasBech32Prefix(c.a, c.hrp); got != c.want {
			t.Errorf("hasBech32Prefix(%q, %q) = %v, want %v", c.a, c.hrp, got, c.want)
		}
	}
}
