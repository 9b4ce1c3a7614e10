package graph

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/big"
	"slices"
	"strings"

	"golang.org/x/crypto/sha3"
)

// NormalizeChain returns the canonical ticker of a chain: upper-case, with
// the ISO-style XBT folded into BTC. Tokens (USDT, USDC) are not chains; the
// caller decides which chain a token transfer lives on.
func NormalizeChain(chain string) string {
	c := strings.ToUpper(strings.TrimSpace(chain))
	switch c {
	case "XBT":
		return "BTC"
	case "ETHEREUM":
		return "ETH"
	case "BITCOIN":
		return "BTC"
	case "TRON":
		return "TRX"
	}
	return c
}

// evmChains share Ethereum's 20-byte hex addresses.
var evmChains = map[string]bool{
	"ETH": true, "ETC": true, "BSC": true, "ARB": true, "POLYGON": true, "MATIC": true,
	"AVAX": true, "OP": true, "BASE": true, "FTM": true,
}

// base58Versions lists the version bytes accepted for base58check addresses,
// and bech32HRPs the human-readable parts, per chain (mainnet).
var base58Versions = map[string][]byte{
	"BTC":  {0x00, 0x05},
	"BCH":  {0x00, 0x05},
	"BSV":  {0x00, 0x05},
	"LTC":  {0x30, 0x32, 0x05},
	"DOGE": {0x1e, 0x16},
	"BTG":  {0x26, 0x17},
	"DASH": {0x4c, 0x10},
	"TRX":  {0x41},
}

var bech32HRPs = map[string]string{"BTC": "bc", "LTC": "ltc", "BTG": "btg"}

// NormalizeAddress validates addr for chain and returns its canonical form:
// EVM addresses lower-case hex (a mixed-case address must pass EIP-55),
// bech32 lower-case, base58check exactly as given (it is case-sensitive,
// so a lower-cased base58 address fails its checksum and is rejected
// rather than silently "fixed"). Chains Redthread has no validator for keep
// the address as given, trimmed.
func NormalizeAddress(chain, addr string) (string, error) {
	chain = NormalizeChain(chain)
	a := strings.TrimSpace(addr)
	if a == "" {
		return "", fmt.Errorf("empty address")
	}
	if strings.ContainsAny(a, " \t\r\n>#|") {
		return "", fmt.Errorf("address %q contains whitespace or a reserved character", a)
	}
	switch {
	case evmChains[chain]:
		return normalizeEVM(a)
	case chain == "BCH" && isCashAddr(a):
		return normalizeCashAddr(a)
	case base58Versions[chain] != nil:
		if hrp, ok := bech32HRPs[chain]; ok && hasBech32Prefix(a, hrp) {
			return normalizeBech32(hrp, a)
		}
		if err := checkBase58(a, base58Versions[chain]); err != nil {
			return "", err
		}
		return a, nil
	}
	return a, nil
}

// hasBech32Prefix reports whether a starts with hrp and the separator '1',
// in either case, without lower-casing a copy of every base58 address.
func hasBech32Prefix(a, hrp string) bool {
	if len(a) <= len(hrp) || a[len(hrp)] != '1' {
		return false
	}
	for i := range len(hrp) {
		if c := a[i] | 0x20; c != hrp[i] || a[i] < 'A' {
			return false
		}
	}
	return true
}

func normalizeEVM(a string) (string, error) {
	if len(a) != 42 || !strings.HasPrefix(a, "0x") && !strings.HasPrefix(a, "0X") {
		return "", fmt.Errorf("EVM address %q must be 0x followed by 40 hex digits", a)
	}
	body := a[2:]
	if _, err := hex.DecodeString(body); err != nil {
		return "", fmt.Errorf("EVM address %q is not hex", a)
	}
	lower := strings.ToLower(body)
	if body != lower && body != strings.ToUpper(body) {
		if eip55(lower) != body {
			return "", fmt.Errorf("EVM address %q fails its EIP-55 checksum", a)
		}
	}
	return "0x" + lower, nil
}

// eip55 returns the mixed-case checksum form of a lower-case hex body.
func eip55(lower string) string {
	h := sha3.NewLegacyKeccak256()
	h.Write([]byte(lower))
	sum := hex.EncodeToString(h.Sum(nil))
	out := []byte(lower)
	for i, c := range out {
		if c >= 'a' && c <= 'f' && sum[i] >= '8' {
			out[i] = c - 32
		}
	}
	return string(out)
}

const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

func checkBase58(a string, versions []byte) error {
	raw, err := base58Decode(a)
	if err != nil {
		return fmt.Errorf("address %q: %w", a, err)
	}
	if len(raw) < 5 {
		return fmt.Errorf("address %q is too short for base58check", a)
	}
	payload, sum := raw[:len(raw)-4], raw[len(raw)-4:]
	h1 := sha256.Sum256(payload)
	h2 := sha256.Sum256(h1[:])
	if !bytes.Equal(h2[:4], sum) {
		return fmt.Errorf("address %q fails its base58check checksum (wrong case or a typo?)", a)
	}
	if len(payload) != 21 || !bytes.Contains(versions, payload[:1]) {
		return fmt.Errorf("address %q has version byte 0x%02x, not one this chain uses", a, payload[0])
	}
	return nil
}

// base58Decode decodes s with schoolbook base conversion on 32-bit limbs:
// ingest validates every address it sees, and a byte at a time (math/big
// before that) made this the hottest function of an ingest profile.
func base58Decode(s string) ([]byte, error) {
	zeros := 0
	for zeros < len(s) && s[zeros] == '1' {
		zeros++
	}
	// log(58)/log(256) ≈ 0.733 bytes per character, in big-endian limbs;
	// an address fits the array, a longer input gets a slice.
	var buf [8]uint32
	limbs := buf[:]
	if n := (len(s)*733/1000 + 4) / 4; n > len(buf) {
		limbs = make([]uint32, n)
	}
	high := len(limbs) - 1 // the first limb written so far; lower ones are 0
	for i := zeros; i < len(s); i++ {
		c := uint64(base58Index[s[i]])
		if base58Index[s[i]] < 0 {
			return nil, fmt.Errorf("character %q is not base58", rune(s[i]))
		}
		j := len(limbs) - 1
		for ; j >= high || c != 0; j-- {
			c += 58 * uint64(limbs[j])
			limbs[j] = uint32(c)
			c >>= 32
		}
		high = j + 1
	}
	out := make([]byte, 0, zeros+4*len(limbs))
	out = append(out, make([]byte, zeros)...)
	lead := true
	for _, l := range limbs {
		for shift := 24; shift >= 0; shift -= 8 {
			b := byte(l >> shift)
			if lead && b == 0 {
				continue
			}
			lead = false
			out = append(out, b)
		}
	}
	return out, nil
}

// base58Index maps a byte to its base58 digit, or -1.
var base58Index = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(base58Alphabet); i++ {
		t[base58Alphabet[i]] = int8(i)
	}
	return t
}()

// base58Encode is the inverse of base58Decode; used by generators to write
// valid addresses.
func base58Encode(b []byte) string {
	n := new(big.Int).SetBytes(b)
	radix := big.NewInt(58)
	mod := new(big.Int)
	var out []byte
	for n.Sign() > 0 {
		n.DivMod(n, radix, mod)
		out = append(out, base58Alphabet[mod.Int64()])
	}
	for _, c := range b {
		if c != 0 {
			break
		}
		out = append(out, '1')
	}
	slices.Reverse(out)
	return string(out)
}

// Base58CheckAddress encodes a 20-byte hash with a version byte, as a P2PKH or
// P2SH address. Generators use it to make addresses that pass validation.
func Base58CheckAddress(version byte, hash20 []byte) string {
	payload := append([]byte{version}, hash20...)
	h1 := sha256.Sum256(payload)
	h2 := sha256.Sum256(h1[:])
	return base58Encode(append(payload, h2[:4]...))
}

const bech32Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

func normalizeBech32(hrp, a string) (string, error) {
	lower := strings.ToLower(a)
	if a != lower && a != strings.ToUpper(a) {
		return "", fmt.Errorf("bech32 address %q mixes upper and lower case", a)
	}
	pos := strings.LastIndexByte(lower, '1')
	if pos != len(hrp) || len(lower)-pos-1 < 6 || len(lower) > 90 {
		return "", fmt.Errorf("bech32 address %q is malformed", a)
	}
	data := make([]byte, 0, len(lower)-pos-1)
	for _, r := range lower[pos+1:] {
		i := strings.IndexRune(bech32Charset, r)
		if i < 0 {
			return "", fmt.Errorf("bech32 address %q has invalid character %q", a, r)
		}
		data = append(data, byte(i))
	}
	c := bech32Polymod(append(bech32HRPExpand(hrp), data...))
	witnessVersion := data[0]
	switch {
	case witnessVersion == 0 && c == 1: // bech32 (BIP-173)
	case witnessVersion > 0 && c == 0x2bc830a3: // bech32m (BIP-350)
	default:
		return "", fmt.Errorf("bech32 address %q fails its checksum", a)
	}
	return lower, nil
}

func bech32Polymod(values []byte) uint32 {
	gen := [5]uint32{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3}
	chk := uint32(1)
	for _, v := range values {
		b := chk >> 25
		chk = (chk&0x1ffffff)<<5 ^ uint32(v)
		for i := 0; i < 5; i++ {
			if (b>>uint(i))&1 == 1 {
				chk ^= gen[i]
			}
		}
	}
	return chk
}

func bech32HRPExpand(hrp string) []byte {
	out := make([]byte, 0, len(hrp)*2+1)
	for i := 0; i < len(hrp); i++ {
		out = append(out, hrp[i]>>5)
	}
	out = append(out, 0)
	for i := 0; i < len(hrp); i++ {
		out = append(out, hrp[i]&31)
	}
	return out
}

// isCashAddr reports whether a looks like a Bitcoin Cash CashAddr (with or
// without its "bitcoincash:" prefix) rather than a legacy base58 address.
func isCashAddr(a string) bool {
	l := strings.ToLower(a)
	l = strings.TrimPrefix(l, "bitcoincash:")
	return len(l) == 42 && (l[0] == 'q' || l[0] == 'p')
}

// normalizeCashAddr validates a CashAddr checksum and returns the address
// lower-case without its prefix, as block explorers and OFAC list it.
func normalizeCashAddr(a string) (string, error) {
	if a != strings.ToLower(a) && a != strings.ToUpper(a) {
		return "", fmt.Errorf("CashAddr %q mixes upper and lower case", a)
	}
	l := strings.TrimPrefix(strings.ToLower(a), "bitcoincash:")
	values := make([]byte, 0, 12+len(l))
	for i := 0; i < len("bitcoincash"); i++ {
		values = append(values, "bitcoincash"[i]&31)
	}
	values = append(values, 0)
	for _, r := range l {
		i := strings.IndexRune(bech32Charset, r)
		if i < 0 {
			return "", fmt.Errorf("CashAddr %q has invalid character %q", a, r)
		}
		values = append(values, byte(i))
	}
	if cashAddrPolymod(values) != 0 {
		return "", fmt.Errorf("CashAddr %q fails its checksum", a)
	}
	return l, nil
}

func cashAddrPolymod(v []byte) uint64 {
	c := uint64(1)
	for _, d := range v {
		c0 := byte(c >> 35)
		c = ((c & 0x07ffffffff) << 5) ^ uint64(d)
		for i, g := range [5]uint64{0x98f2bc8e61, 0x79b76d99e2, 0xf33e5fb3c4, 0xae2eabe2a8, 0x1e4f43e470} {
			if c0&(1<<uint(i)) != 0 {
				c ^= g
			}
		}
	}
	return c ^ 1
}

// tokens are assets that live on another chain; a wallet's key names the
// chain, so a token ticker must be resolved to one.
var tokens = map[string]bool{
	"USDT": true, "USDC": true, "DAI": true, "BUSD": true, "TUSD": true, "WBTC": true, "WETH": true,
}

// WalletKey returns the natural key ("chain:address", normalised) of a
// wallet that a source lists under currency, which may be a chain ticker
// (BTC, XBT, ETH, TRX) or a token (USDT). A token's chain is inferred from
// the address: 0x… is Ethereum, T… is Tron, a USDT 1…/3… address is Omni on
// Bitcoin; anything else is an error, since
// guessing would merge wallets of different chains. token is the token
// ticker, or "" when currency is a chain.
func WalletKey(currency, address string) (key, token string, err error) {
	cur := NormalizeChain(currency)
	chain := cur
	if tokens[cur] {
		token = cur
		a := strings.TrimSpace(address)
		switch {
		case strings.HasPrefix(a, "0x") || strings.HasPrefix(a, "0X"):
			chain = "ETH"
		case strings.HasPrefix(a, "T"):
			chain = "TRX"
		case cur == "USDT" && (strings.HasPrefix(a, "1") || strings.HasPrefix(a, "3")):
			// Tether's first issue lives on the Omni Layer, on Bitcoin
			// addresses; OFAC lists some of them.
			chain = "BTC"
		default:
			return "", "", Errorf(CodeInvalid, "cannot tell the chain of %s address %q", cur, address)
		}
	}
	if chain == "" {
		return "", "", Errorf(CodeInvalid, "no currency given for address %q", address)
	}
	norm, err := NormalizeAddress(chain, address)
	if err != nil {
		return "", "", Errorf(CodeInvalid, "%s address: %v", chain, err)
	}
	return strings.ToLower(chain) + ":" + norm, token, nil
}
