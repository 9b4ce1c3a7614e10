package model

import (
	"time"

	"github.com/redthread-dev/redthread/cases"
	"github.com/redthread-dev/redthread/cases/shares"
	"github.com/redthread-dev/redthread/graph"
)

// Share is a share of a case (shares.Share) for the API.
type Share struct{ s shares.Share }

// NewShare wraps s.
func NewShare(s shares.Share) *Share { return &Share{s} }

func (s *Share) ID() string            { return s.s.ID }
func (s *Share) CaseID() string        { return s.s.Case }
func (s *Share) Agency() string        { return s.s.Agency }
func (s *Share) Owner() string         { return s.s.Owner }
func (s *Share) Users() []string       { return append([]string{}, s.s.Users...) }
func (s *Share) Cap() graph.Marking    { return s.s.Cap }
func (s *Share) AllowComments() bool   { return s.s.AllowComments }
func (s *Share) CreatedAt() time.Time  { return s.s.CreatedAt }
func (s *Share) CreatedBy() string     { return s.s.CreatedBy }
func (s *Share) ExpiresAt() time.Time  { return s.s.ExpiresAt }
func (s *Share) RevokedAt() *time.Time { return optTime(s.s.RevokedAt) }
func (s *Share) OpenedAt() *time.Time  { return optTime(s.s.OpenedAt) }

// CaseComment is a comment on a case (a cases.Change with a text).
type CaseComment struct{ c cases.Change }

// NewCaseComment wraps c.
func NewCaseComment(c cases.Change) *CaseComment { return &CaseComment{c} }

func (c *CaseComment) ID() string     { return c.c.ID }
func (c *CaseComment) By() string     { return c.c.By }
func (c *CaseComment) Agency() string { return c.c.Agency }
func (c *CaseComment) At() time.Time  { return c.c.At }
func (c *CaseComment) Text() string   { return c.c.Text }

// CaseChange is one entry of a case's history.
type CaseChange struct{ c cases.Change }

// NewCaseChange wraps c.
func NewCaseChange(c cases.Change) *CaseChange { return &CaseChange{c} }

func (c *CaseChange) At() time.Time   { return c.c.At }
func (c *CaseChange) By() string      { return c.c.By }
func (c *CaseChange) Agency() string  { return c.c.Agency }
func (c *CaseChange) Action() string  { return c.c.Action }
func (c *CaseChange) Detail() *string { return optString(c.c.Detail) }
