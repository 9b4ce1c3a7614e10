package stix

import (
	"errors"
	"fmt"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/ingest"
)

// bufferRelationship keeps a relationship until both endpoints are known.
func (r *Reader) bufferRelationship(o *object, pos ingest.Pos) {
	for _, f := range []struct{ field, v string }{{"relationship_type", o.RelationshipType}, {"source_ref", o.SourceRef}, {"target_ref", o.TargetRef}} {
		if f.v == "" {
			r.reject(pos, o.ID, f.field, errors.New("missing"))
			return
		}
	}
	conf, err := confidence(o.Confidence)
	if err != nil {
		r.reject(pos, o.ID, "confidence", err)
		return
	}
	r.rels = append(r.rels, relationship{
		id: o.ID, typ: o.RelationshipType, from: o.SourceRef, to: o.TargetRef,
		markings: o.Markings, url: sourceURL(o.ExternalRefs), excerpt: truncate(o.Description, maxExcerpt),
		confidence: conf, pos: pos,
	})
}

// relationship maps a buffered relationship that fold did not consume, once
// the whole bundle is read:
//   - attributed-to → ATTRIBUTED_TO; indicates a group → ATTRIBUTED_TO
//     (key "indicates"); uses an identifier → USES; a campaign targets →
//     TARGETED; any other → ASSOCIATED_WITH keyed by its type.
//
// Every edge has props.relation, the STIX relationship_type.
func (r *Reader) relationship(rel relationship) {
	if _, ok := r.caps[rel.to]; ok {
		r.count("relationship to an attack-pattern, malware or tool from other than a group or campaign")
		return
	}
	if _, ok := r.caps[rel.from]; ok {
		r.count("relationship from an attack-pattern, malware or tool")
		return
	}
	froms, tos := r.refs[rel.from], r.refs[rel.to]
	for _, end := range []struct {
		field, ref string
		ids        []string
	}{{"source_ref", rel.from, froms}, {"target_ref", rel.to, tos}} {
		if len(end.ids) > 0 {
			continue
		}
		if _, skipped := r.skipped[end.ref]; skipped {
			r.count("relationship to a skipped object")
			return
		}
		r.reject(rel.pos, rel.id, end.field, fmt.Errorf("%s is not in the bundle", end.ref))
		return
	}
	mark, unknown := r.marking(rel.markings)
	if unknown != "" {
		r.reject(rel.pos, rel.id, "object_marking_refs", fmt.Errorf("marking definition %s is not in the bundle: refusing to guess how far the relationship may be shared", unknown))
		return
	}
	src := graph.Source{Dataset: r.dataset, Record: rel.id, URL: rel.url, Excerpt: rel.excerpt, Confidence: rel.confidence, Marking: mark}
	for _, from := range froms {
		for _, to := range tos {
			kind, key := edgeKind(rel.typ, kindOf(from), kindOf(to))
			e := &graph.Edge{Kind: kind, From: from, To: to, Key: key, Props: graph.Props{"relation": rel.typ}, Sources: []graph.Source{src}}
			r.emitEdge(e, rel.pos, rel.id)
		}
	}
}

// fold folds a relationship into a held node when it says that a group or
// campaign uses a capability, or that a group was revoked by another; it
// reports whether it did.
func (r *Reader) fold(rel relationship) bool {
	if rel.typ == "revoked-by" {
		if name, ok := r.revoked[rel.from]; ok {
			if h := r.heldByID[rel.to]; h != nil && name != "" {
				h.node.Aliases = append(h.node.Aliases, name)
				r.count("revoked-by relationship folded into the new group's aliases")
				return true
			}
		}
	}
	c, ok := r.caps[rel.to]
	h := r.heldByID[rel.from]
	if !ok || h == nil || rel.typ != "uses" {
		return false
	}
	if h.caps[c.prop] == nil {
		h.caps[c.prop] = map[string]bool{}
	}
	h.caps[c.prop][c.text] = true
	c.used = true
	r.caps[rel.to] = c
	r.count("uses of malware, tools and attack patterns folded into the user's props")
	return true
}

// edgeKind maps a relationship type between nodes of the given kinds. The
// key is empty where the STIX type is the edge kind's own meaning, so that
// the same attribution from STIX and from a TagPack is one edge.
func edgeKind(typ string, from, to graph.NodeKind) (graph.EdgeKind, string) {
	switch {
	case typ == "attributed-to":
		return graph.EdgeAttributedTo, ""
	case typ == "indicates" && to == graph.KindThreatGroup:
		return graph.EdgeAttributedTo, typ
	case typ == "uses" && to == graph.KindIdentifier &&
		(from == graph.KindPerson || from == graph.KindOrganization || from == graph.KindThreatGroup):
		return graph.EdgeUses, ""
	case typ == "targets" && from == graph.KindIncident:
		return graph.EdgeTargeted, ""
	}
	return graph.EdgeAssociatedWith, typ
}

func kindOf(id string) graph.NodeKind {
	k, _, _ := graph.ParseNodeID(id)
	return k
}
