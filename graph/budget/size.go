package budget

import (
	"unsafe"

	"github.com/redthread-dev/redthread/graph"
)

// Sizes are estimates of the memory a loaded node or edge holds: its
// struct, its strings and its properties. They need not be exact, only
// proportional, so that one 300 MB property costs 300 MB and a thousand
// plain wallets cost little.
const (
	nodeStruct   = int64(unsafe.Sizeof(graph.Node{}))
	edgeStruct   = int64(unsafe.Sizeof(graph.Edge{}))
	sourceStruct = int64(unsafe.Sizeof(graph.Source{}))
	stringHeader = int64(unsafe.Sizeof(""))
	ifaceSize    = int64(unsafe.Sizeof(any(nil)))
	sliceHeader  = int64(unsafe.Sizeof([]any{}))
	mapEntry     = 48 // a Go map's per-entry overhead, roughly
)

// NodeBytes estimates the memory n holds; 0 for nil.
func NodeBytes(n *graph.Node) int64 {
	if n == nil {
		return 0
	}
	s := nodeStruct + int64(len(n.ID)+len(n.Kind)+len(n.Key)+len(n.Label)+len(n.Marking))
	for _, a := range n.Aliases {
		s += stringHeader + int64(len(a))
	}
	return s + propsBytes(n.Props) + sourcesBytes(n.Sources)
}

// EdgeBytes estimates the memory e holds; 0 for nil.
func EdgeBytes(e *graph.Edge) int64 {
	if e == nil {
		return 0
	}
	s := edgeStruct + int64(len(e.ID)+len(e.Kind)+len(e.From)+len(e.To)+len(e.Key)+len(e.Asset)+len(e.TxHash)+len(e.Marking))
	return s + propsBytes(e.Props) + sourcesBytes(e.Sources)
}

func sourcesBytes(ss []graph.Source) int64 {
	var s int64
	for i := range ss {
		x := &ss[i]
		s += sourceStruct + int64(len(x.Dataset)+len(x.Record)+len(x.Job)+len(x.URL)+len(x.Excerpt)+len(x.Marking)+len(x.Agency))
	}
	return s
}

func propsBytes(p graph.Props) int64 {
	var s int64
	for k, v := range p {
		s += mapEntry + stringHeader + int64(len(k)) + valueBytes(v)
	}
	return s
}

// valueBytes estimates a JSON-compatible value.
func valueBytes(v any) int64 {
	switch x := v.(type) {
	case string:
		return ifaceSize + stringHeader + int64(len(x))
	case []byte:
		return ifaceSize + sliceHeader + int64(len(x))
	case []string:
		s := ifaceSize + sliceHeader
		for _, e := range x {
			s += stringHeader + int64(len(e))
		}
		return s
	case []any:
		s := ifaceSize + sliceHeader
		for _, e := range x {
			s += valueBytes(e)
		}
		return s
	case map[string]any:
		s := ifaceSize
		for k, e := range x {
			s += mapEntry + stringHeader + int64(len(k)) + valueBytes(e)
		}
		return s
	case graph.Props:
		return ifaceSize + propsBytes(x)
	}
	return 2 * ifaceSize // numbers, booleans, nil
}

// ChargeNodes charges the nodes of an answer (nil entries, for IDs that
// do not exist, cost nothing) and their estimated bytes.
func (o *Operation) ChargeNodes(ns []*graph.Node) error {
	if o == nil {
		return nil
	}
	var n int
	var b int64
	for _, x := range ns {
		if x != nil {
			n++
			b += NodeBytes(x)
		}
	}
	if err := o.Nodes(n); err != nil {
		return err
	}
	return o.Bytes(b)
}

// ChargeEdges charges the edges of an answer and their estimated bytes.
func (o *Operation) ChargeEdges(es []*graph.Edge) error {
	if o == nil {
		return nil
	}
	var n int
	var b int64
	for _, x := range es {
		if x != nil {
			n++
			b += EdgeBytes(x)
		}
	}
	if err := o.Edges(n); err != nil {
		return err
	}
	return o.Bytes(b)
}
