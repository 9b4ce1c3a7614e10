package model

import (
	"encoding/json"
	"time"

	"github.com/redthread-dev/redthread/cases"
)

// Case is a saved view (cases.Case) for the API.
type Case struct{ c cases.Case }

// NewCase wraps c.
func NewCase(c cases.Case) *Case { return &Case{c} }

func (c *Case) ID() string           { return c.c.ID }
func (c *Case) Name() string         { return c.c.Name }
func (c *Case) Version() int         { return c.c.Version }
func (c *Case) NodeCount() int       { return c.c.Nodes }
func (c *Case) CreatedAt() time.Time { return c.c.CreatedAt }
func (c *Case) UpdatedAt() time.Time { return c.c.UpdatedAt }
func (c *Case) CreatedBy() *string   { return optString(c.c.CreatedBy) }
func (c *Case) UpdatedBy() *string   { return optString(c.c.UpdatedBy) }

// View is the saved document, passed through as raw JSON; nil in lists.
func (c *Case) View() any {
	if c.c.View == nil {
		return nil
	}
	return json.RawMessage(c.c.View)
}

// Agency owns the case.
func (c *Case) Agency() string { return c.c.Agency }

// Raw returns the wrapped case.
func (c *Case) Raw() cases.Case { return c.c }
