package gql

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
)

// WarningArgumentClamped is the code of a warning that an argument was
// answered with another value than the one asked (clamped to a limit, or
// a default put in its place).
const WarningArgumentClamped = "ARGUMENT_CLAMPED"

// Warning is one entry of a response's extensions.warnings: something the
// answer did differently from what the operation asked, which the client
// should know to read it right.
type Warning struct {
	Code     string `json:"code"`
	Path     []any  `json:"path"` // the field's response path, aliases as written
	Argument string `json:"argument"`
	Asked    any    `json:"asked"`
	Used     any    `json:"used"`
	Message  string `json:"message"`
}

// Warnings collects the warnings of one operation. Fields resolve
// concurrently, so adding is locked.
type Warnings struct {
	mu   sync.Mutex
	list []Warning
}

type warningsKey struct{}

// WithWarnings returns ctx carrying a new collector for one operation.
func WithWarnings(ctx context.Context) (context.Context, *Warnings) {
	w := &Warnings{}
	return context.WithValue(ctx, warningsKey{}, w), w
}

// warn adds a warning to the operation's collector, if it has one.
func warn(ctx context.Context, w Warning) {
	if c, _ := ctx.Value(warningsKey{}).(*Warnings); c != nil {
		c.mu.Lock()
		c.list = append(c.list, w)
		c.mu.Unlock()
	}
}

// List returns the warnings in response order (by path, then argument),
// whatever order the fields resolved in; nil when there are none.
func (c *Warnings) List() []Warning {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.list) == 0 {
		return nil
	}
	out := slices.Clone(c.list)
	slices.SortStableFunc(out, func(a, b Warning) int {
		return cmp.Or(comparePaths(a.Path, b.Path), cmp.Compare(a.Argument, b.Argument))
	})
	return out
}

func comparePaths(a, b []any) int {
	for i := range min(len(a), len(b)) {
		x, y := fmt.Sprint(a[i]), fmt.Sprint(b[i])
		if xi, ok := a[i].(int); ok {
			if yi, ok := b[i].(int); ok {
				if c := cmp.Compare(xi, yi); c != 0 {
					return c
				}
				continue
			}
		}
		if c := cmp.Compare(x, y); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(a), len(b))
}
