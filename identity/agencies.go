package identity

import (
	"context"
	"errors"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/state"
)

// MaxAgencies is how many agencies Agencies lists.
const MaxAgencies = 1000

type agencyRecord struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
}

func (r agencyRecord) agency() Agency { return Agency(r) }

// AddAgency creates agency id (a slug) named name (the ID when empty).
func (s *Service) AddAgency(ctx context.Context, id, name string) (Agency, error) {
	id, err := AgencyID(id)
	if err != nil {
		return Agency{}, err
	}
	if name == "" {
		name = id
	}
	if name, err = agencyName(name); err != nil {
		return Agency{}, err
	}
	rec := agencyRecord{ID: id, Name: name, CreatedAt: s.now()}
	_, err = s.put(ctx, colAgencies, id, rec, state.Absent)
	if errors.Is(err, state.ErrConflict) {
		return Agency{}, graph.Errorf(graph.CodeConflict, "agency %q already exists", id)
	}
	if err != nil {
		return Agency{}, err
	}
	s.opt.Logger.InfoContext(ctx, "agency added", "agency", id)
	return rec.agency(), nil
}

// Agency returns agency id.
func (s *Service) Agency(ctx context.Context, id string) (Agency, error) {
	id, err := AgencyID(id)
	if err != nil {
		return Agency{}, err
	}
	var rec agencyRecord
	_, ok, err := s.get(ctx, colAgencies, id, &rec)
	if err != nil {
		return Agency{}, err
	}
	if !ok {
		return Agency{}, graph.Errorf(graph.CodeNotFound, "agency %q not found", id)
	}
	return rec.agency(), nil
}

// Agencies lists the deployment's agencies (at most MaxAgencies) by ID.
func (s *Service) Agencies(ctx context.Context) ([]Agency, error) {
	recs, err := s.st.List(ctx, colAgencies, "", "", MaxAgencies)
	if err != nil {
		return nil, storeErr(err)
	}
	out := make([]Agency, 0, len(recs))
	for _, r := range recs {
		var a agencyRecord
		if err := decode(r, &a); err != nil {
			return nil, err
		}
		out = append(out, a.agency())
	}
	return out, nil
}
