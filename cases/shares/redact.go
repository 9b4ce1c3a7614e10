package shares

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/visibility"
)

// Redacted is a case as its recipient sees it.
type Redacted struct {
	// View is the case's view without the withheld facts: their nodes
	// (with their notes), edges, group memberships, selection, focus, and
	// the traced path or flow when it starts or ends at one.
	View json.RawMessage
	// Nodes and Edges are the visible facts, each redacted to what the
	// recipient sees of it (visibility.Node, visibility.Edge).
	Nodes []*graph.Node
	Edges []*graph.Edge
	// Withheld counts the case's facts the recipient does not see.
	Withheld int
}

// Notice is what the recipient reads about withheld facts, without what
// they were; empty when nothing is withheld.
func Notice(withheld int) string {
	switch withheld {
	case 0:
		return ""
	case 1:
		return "1 fact withheld under the sharing agency's markings"
	}
	return fmt.Sprintf("%d facts withheld under the sharing agency's markings", withheld)
}

// Redact evaluates the visibility rules for v (the recipient's viewer, the
// share's grant included) on the facts of a case, read by a trusted caller
// (unfiltered), and rewrites the view to what v sees. It does not depend on
// the stores' own filter. An edge is shown only when v sees it and both of
// its ends (in the case). Facts of the view gone from the store are left
// out and not counted.
func Redact(view json.RawMessage, nodes []*graph.Node, edges []*graph.Edge, v visibility.Viewer) (Redacted, error) {
	var out Redacted
	seen := map[string]bool{}
	for _, n := range nodes {
		if r := visibility.Node(v, n); r != nil {
			out.Nodes = append(out.Nodes, r)
			seen[n.ID] = true
		} else {
			out.Withheld++
		}
	}
	shownEdges := map[string]bool{}
	for _, e := range edges {
		if r := visibility.Edge(v, e); r != nil && seen[e.From] && seen[e.To] {
			out.Edges = append(out.Edges, r)
			shownEdges[e.ID] = true
		} else {
			out.Withheld++
		}
	}
	var err error
	out.View, err = redactView(view, func(id string) bool {
		norm, _, err := graph.NormalizeNodeID(id)
		return err == nil && seen[norm]
	}, func(id string) bool { return shownEdges[id] })
	return out, err
}

// redactView rewrites a case view (web/src/caseView.ts) keeping only what
// node and edge accept; keys it does not know are kept as they are.
func redactView(raw json.RawMessage, node, edge func(string) bool) (json.RawMessage, error) {
	var v map[string]json.RawMessage
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, graph.Errorf(graph.CodeInvalid, "case view: not a JSON object")
	}
	var err error
	keep := func(key string, f func(json.RawMessage) (json.RawMessage, bool, error)) {
		if err != nil || v[key] == nil {
			return
		}
		var out json.RawMessage
		var ok bool
		if out, ok, err = f(v[key]); ok {
			v[key] = out
		} else {
			delete(v, key)
		}
	}
	keep("nodes", func(m json.RawMessage) (json.RawMessage, bool, error) {
		var ns []map[string]any
		if err := json.Unmarshal(m, &ns); err != nil {
			return nil, false, graph.Errorf(graph.CodeInvalid, "case view: nodes: not an array of objects")
		}
		ns = slices.DeleteFunc(ns, func(n map[string]any) bool { id, _ := n["id"].(string); return !node(id) })
		return marshal(ns)
	})
	keep("edges", func(m json.RawMessage) (json.RawMessage, bool, error) {
		var es []string
		if err := json.Unmarshal(m, &es); err != nil {
			return nil, false, graph.Errorf(graph.CodeInvalid, "case view: edges: not an array of IDs")
		}
		return marshal(slices.DeleteFunc(es, func(id string) bool { return !edge(id) }))
	})
	keep("groups", func(m json.RawMessage) (json.RawMessage, bool, error) {
		var gs []map[string]any
		if err := json.Unmarshal(m, &gs); err != nil {
			return nil, false, graph.Errorf(graph.CodeInvalid, "case view: groups: not an array of objects")
		}
		gs = slices.DeleteFunc(gs, func(g map[string]any) bool {
			members, _ := g["members"].([]any)
			members = slices.DeleteFunc(members, func(m any) bool { id, _ := m.(string); return !node(id) })
			g["members"] = members
			return len(members) == 0
		})
		return marshal(gs)
	})
	keep("path", func(m json.RawMessage) (json.RawMessage, bool, error) {
		var p struct{ From, To []string }
		if json.Unmarshal(m, &p) != nil || !slices.ContainsFunc(append(p.From, p.To...), func(id string) bool { return !node(id) }) {
			return m, true, nil
		}
		return nil, false, nil // it starts or ends at a withheld node
	})
	keep("selected", func(m json.RawMessage) (json.RawMessage, bool, error) {
		var ids []string
		if json.Unmarshal(m, &ids) != nil {
			return nil, false, nil
		}
		return marshal(slices.DeleteFunc(ids, func(id string) bool { return !node(id) && !edge(id) }))
	})
	keep("focus", func(m json.RawMessage) (json.RawMessage, bool, error) {
		var id string
		if json.Unmarshal(m, &id) != nil || !node(id) {
			return nil, false, nil
		}
		return m, true, nil
	})
	if err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

func marshal(x any) (json.RawMessage, bool, error) {
	b, err := json.Marshal(x)
	return b, true, err
}
