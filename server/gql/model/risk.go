package model

import "github.com/redthread-dev/redthread/graph/investigate"

// NewRisk maps one node's risk answer.
func NewRisk(r investigate.NodeRisk) *Risk {
	out := &Risk{Flags: []*RiskFlag{}, Truncated: r.Truncated, Reason: reason(r.Truncation), ReasonCode: reasonCode(r.Causes), ReasonCodes: reasonCodes(r.Causes)}
	for _, f := range r.Flags {
		rf := &RiskFlag{Kind: f.Kind, Reason: f.Reason, Via: f.Via, Nodes: nonNilStrings(f.Nodes), Edges: nonNilStrings(f.Edges)}
		if f.Category != "" {
			rf.Category = &f.Category
		}
		if f.Kind == investigate.RiskExposure {
			rf.Share, rf.Asset = &f.Share, &f.Asset
		}
		out.Flags = append(out.Flags, rf)
	}
	return out
}
