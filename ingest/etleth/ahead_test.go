package etleth_test

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// TestConvertAhead reads a file of several chunks, with rejections, skips
// and wallets met again, once converting on four CPUs and once on one:
// the records, rejections (lines and reasons) and skip counts are the same,
// in the same order.
func TestConvertAhead(t *testing.T) {
	addrs := []string{addrA, addrB, usdt, "0x0000000000000000000000000000000000000001", "0x52908400098527886E0F7030069857D2E4169EE7"}
	var b strings.Builder
	b.WriteString("hash,from_address,to_address,value,block_timestamp,receipt_status\n")
	for i := range 5000 {
		h := fmt.Sprintf("0x%064x", i+1)
		from, to := addrs[i%len(addrs)], addrs[(i*7+1)%len(addrs)]
		value, status := fmt.Sprint(i%13), "1"
		switch i % 97 {
		case 3:
			from = "0xnot-an-address"
		case 5:
			to = ""
		case 7:
			status = "0"
		case 11:
			value = "-4"
		case 13:
			h = "0x12"
		}
		if i%211 == 0 {
			fmt.Fprintf(&b, "%s,%s\n", h, from) // too few fields
			continue
		}
		fmt.Fprintf(&b, "%s,%s,%s,%s,%d,%s\n", h, from, to, value, 1_600_000_000+i, status)
	}
	data := []byte(b.String())
	prev := runtime.GOMAXPROCS(4)
	many := render(t, "dir/big.csv", data)
	runtime.GOMAXPROCS(1)
	one := render(t, "dir/big.csv", data)
	runtime.GOMAXPROCS(prev)
	if !bytes.Equal(many, one) {
		t.Fatalf("four CPUs and one differ:\n%s", firstDiff(many, one))
	}
	for _, want := range []string{"big.csv:5:", `"zero value"`, `"failed transaction (receipt_status 0)"`, "row has 2 fields"} {
		if !bytes.Contains(one, []byte(want)) {
			t.Errorf("the rendering lacks %q", want)
		}
	}
}

func firstDiff(a, b []byte) string {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			return fmt.Sprintf("line %d:\n%s\n%s", i+1, la[i], lb[i])
		}
	}
	return fmt.Sprintf("%d lines and %d", len(la), len(lb))
}
