package boltstore

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"github.com/redthread-dev/redthread/graph"
)

// Claims (graph/claims.go) follow a record's sources in its value, under
// the body flag fClaims: a count, then one claim per source in the order
// of the sources, each its own flags (the body's bits: fAmount ... fValidTo)
// and the fields they announce. Schema 4 sets fClaims on every record with
// two sources or more, with a count of 0 when every source claims the
// whole record (graph's nil Claims), so a record with several sources and
// no fClaims was written by schema 3, before claims: who said what is
// unknown, and it reads with graph.LegacyNodeClaims / LegacyEdgeClaims.
// A record with one source never has claims.
const fClaims = fTxHashIsKey << 1

// hasClaims reports whether a record with n sources carries fClaims.
func hasClaims(n int) bool { return n >= 2 }

func appendOptProps(b []byte, scratch *[]byte, p graph.Props) ([]byte, error) {
	if len(p) == 0 {
		return b, nil
	}
	var err error
	if *scratch, err = appendProps((*scratch)[:0], p); err != nil {
		return nil, fmt.Errorf("claim props: %w", err)
	}
	b = binary.AppendUvarint(b, uint64(len(*scratch)))
	return append(b, *scratch...), nil
}

func readOptProps(r *reader, flags uint64) (p graph.Props) {
	if flags&fProps != 0 {
		if err := json.Unmarshal(r.bytes(), &p); err != nil && r.err == nil {
			r.err = fmt.Errorf("%w: claim props: %w", errCorrupt, err)
		}
	}
	return p
}

// appendNodeClaims encodes n's claims when it has sources enough.
func (e *encoder) appendNodeClaims(b []byte, n *graph.Node) ([]byte, error) {
	if !hasClaims(len(n.Sources)) {
		return b, nil
	}
	b = binary.AppendUvarint(b, uint64(len(n.Claims)))
	for _, c := range n.Claims {
		b = binary.AppendUvarint(b, bodyFlags(c.Props, c.ValidFrom, c.ValidTo))
		b = appendStr(b, c.Label)
		b = binary.AppendUvarint(b, uint64(len(c.Aliases)))
		for _, a := range c.Aliases {
			b = appendStr(b, a)
		}
		var err error
		if b, err = e.appendClaimTail(b, c.Props, c.ValidFrom, c.ValidTo); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// readNodeClaims decodes appendNodeClaims' bytes into n.
func readNodeClaims(r *reader, flags uint64, n *graph.Node) {
	if flags&fClaims == 0 {
		n.Claims = graph.LegacyNodeClaims(n)
		return
	}
	count, ok := claimCount(r, len(n.Sources))
	if !ok {
		return
	}
	n.Claims = make([]graph.NodeClaim, count)
	for i := range n.Claims {
		c := &n.Claims[i]
		cf := r.uvarint()
		c.Label = r.str()
		na := r.uvarint()
		if na > uint64(len(r.b)) {
			r.fail()
			return
		}
		for range na {
			c.Aliases = append(c.Aliases, r.str())
		}
		c.Props, c.ValidFrom, c.ValidTo = readClaimTail(r, cf)
	}
}

// appendEdgeClaims encodes ed's claims when it has sources enough.
func (e *encoder) appendEdgeClaims(b []byte, ed *graph.Edge) ([]byte, error) {
	if !hasClaims(len(ed.Sources)) {
		return b, nil
	}
	b = binary.AppendUvarint(b, uint64(len(ed.Claims)))
	for _, c := range ed.Claims {
		flags := bodyFlags(c.Props, c.ValidFrom, c.ValidTo)
		for bit, set := range map[uint64]bool{fAmount: c.Amount != 0, fAsset: c.Asset != "", fValueUSD: c.ValueUSD != 0, fTime: !c.Time.IsZero(), fTxHash: c.TxHash != ""} {
			if set {
				flags |= bit
			}
		}
		b = binary.AppendUvarint(b, flags)
		if flags&fAmount != 0 {
			b = appendFloat(b, c.Amount)
		}
		if flags&fAsset != 0 {
			b = appendStr(b, c.Asset)
		}
		if flags&fValueUSD != 0 {
			b = appendFloat(b, c.ValueUSD)
		}
		if flags&fTime != 0 {
			b = appendTime(b, c.Time)
		}
		if flags&fTxHash != 0 {
			b = appendStr(b, c.TxHash)
		}
		var err error
		if b, err = e.appendClaimTail(b, c.Props, c.ValidFrom, c.ValidTo); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// readEdgeClaims decodes appendEdgeClaims' bytes into ed.
func readEdgeClaims(r *reader, flags uint64, ed *graph.Edge) {
	if flags&fClaims == 0 {
		ed.Claims = graph.LegacyEdgeClaims(ed)
		return
	}
	count, ok := claimCount(r, len(ed.Sources))
	if !ok {
		return
	}
	ed.Claims = make([]graph.EdgeClaim, count)
	for i := range ed.Claims {
		c := &ed.Claims[i]
		cf := r.uvarint()
		if cf&fAmount != 0 {
			c.Amount = r.float()
		}
		if cf&fAsset != 0 {
			c.Asset = r.str()
		}
		if cf&fValueUSD != 0 {
			c.ValueUSD = r.float()
		}
		if cf&fTime != 0 {
			c.Time = r.time()
		}
		if cf&fTxHash != 0 {
			c.TxHash = r.str()
		}
		c.Props, c.ValidFrom, c.ValidTo = readClaimTail(r, cf)
	}
}

// claimCount reads how many claims follow: none (nil claims) or one per
// source; another number is corrupt.
func claimCount(r *reader, sources int) (int, bool) {
	count := r.uvarint()
	switch {
	case count == 0:
		return 0, false
	case count != uint64(sources):
		r.fail()
		return 0, false
	}
	return sources, true
}

// appendClaimTail encodes what node and edge claims end with alike: the
// properties and validity their flags announce.
func (e *encoder) appendClaimTail(b []byte, p graph.Props, from, to time.Time) ([]byte, error) {
	b, err := appendOptProps(b, &e.scratch, p)
	if err != nil {
		return nil, err
	}
	if !from.IsZero() {
		b = appendTime(b, from)
	}
	if !to.IsZero() {
		b = appendTime(b, to)
	}
	return b, nil
}

// readClaimTail decodes appendClaimTail's bytes under flags cf.
func readClaimTail(r *reader, cf uint64) (p graph.Props, from, to time.Time) {
	p = readOptProps(r, cf)
	if cf&fValidFrom != 0 {
		from = r.time()
	}
	if cf&fValidTo != 0 {
		to = r.time()
	}
	return p, from, to
}
