package e2e

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/cases/shares"
	"github.com/redthread-dev/redthread/graph/boltstore"
)

// TestShareKeyRotate: `redthread sharekey rotate` on the store serve uses
// makes a new key sign new links, and a link signed before still verifies.
func TestShareKeyRotate(t *testing.T) {
	bin := binary(t)
	data := t.TempDir()
	keyring := func(f func(k *shares.Keyring)) {
		st, err := boltstore.Open(t.Context(), data, boltstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		f(shares.NewKeyring(st.State(), nil))
	}
	exp := time.Now().Add(time.Hour)
	var before string
	keyring(func(k *shares.Keyring) {
		var err error
		if before, err = k.Sign(t.Context(), "sabc", exp); err != nil {
			t.Fatal(err)
		}
	})
	code, out, errOut := admin(t, bin, data, "", "sharekey", "rotate")
	m := regexp.MustCompile(`^share key (k[a-z0-9]+) now signs new links`).FindStringSubmatch(out)
	if code != 0 || m == nil {
		t.Fatalf("rotate: %d %q %q", code, out, errOut)
	}
	newKey := m[1]
	code, out, _ = admin(t, bin, data, "", "sharekey", "list")
	if code != 0 || strings.Count(out, "\n") != 3 || !regexp.MustCompile(`(?m)^`+newKey+` +\S+ +true$`).MatchString(out) {
		t.Fatalf("list: %d\n%s", code, out)
	}
	keyring(func(k *shares.Keyring) {
		if id, err := k.Verify(t.Context(), before); err != nil || id != "sabc" {
			t.Errorf("a link signed before the rotation: %q %v", id, err)
		}
		after, err := k.Sign(t.Context(), "sdef", exp)
		if err != nil || strings.Split(after, ".")[1] != newKey {
			t.Errorf("a link signed after the rotation: %q %v, want key %s", after, err, newKey)
		}
	})
	if code, _, errOut := admin(t, bin, data, "", "sharekey", "spin"); code != 2 || !strings.Contains(errOut, "unknown command") {
		t.Errorf("unknown verb: %d %s", code, errOut)
	}
}
