package cli

import (
	"context"
	"fmt"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/state"
	"github.com/redthread-dev/redthread/identity"
	"github.com/redthread-dev/redthread/ingest"
)

// stampFlags are ingest's --agency, --user and --marking, checked before
// the store opens (checkStamp) and resolved against it (resolveStamp).
type stampFlags struct {
	agency, user, marking *string
}

func (m Main) stampFlags(fs interface {
	String(name, value, usage string) *string
}) stampFlags {
	return stampFlags{
		agency:  fs.String("agency", "", "agency that owns what is loaded: stamped into every source, replacing any the input names (an agency of the store: `redthread agency add`); default: none, whose restricted sources belong to agency local"),
		user:    fs.String("user", "", "email of the user of --agency the job loads for: stamped into every source, the named recipient of its TLP:RED facts"),
		marking: fs.String("marking", "", "default TLP marking of sources the input leaves unmarked (CLEAR, GREEN, AMBER, AMBER+STRICT, RED); formats that mark their sources keep theirs: STIX its markings, public datasets TLP:CLEAR (default: AMBER with --agency, else none, which reads as CLEAR)"),
	}
}

// check validates the flags' syntax: usage errors naming the flag.
func (f stampFlags) check() (ingest.Stamp, error) {
	var st ingest.Stamp
	if *f.marking != "" {
		m, err := ingest.ParseMarking(*f.marking)
		if err != nil {
			return st, usageErrorf("--marking: %s", graph.ErrorMessage(err))
		}
		st.Marking = m
	}
	if *f.agency != "" {
		a, err := identity.AgencyID(*f.agency)
		if err != nil {
			return st, usageErrorf("--agency: %s", graph.ErrorMessage(err))
		}
		st.Agency = a
	}
	if *f.user != "" && st.Agency == "" {
		return st, usageErrorf("--user needs --agency: a user loads for their agency")
	}
	if st.Agency != "" && st.Marking == "" {
		// An agency's own data stays within it unless it says otherwise.
		st.Marking = graph.TLPAmber
	}
	return st, nil
}

// resolve checks that the agency exists in the store and the user is one
// of its users, and stamps the user's ID.
func (f stampFlags) resolve(ctx context.Context, store graph.Store, st ingest.Stamp) (ingest.Stamp, error) {
	if st.Agency == "" {
		return st, nil
	}
	p, ok := store.(state.Provider)
	if !ok {
		return st, usageErrorf("--agency: this store keeps no agencies")
	}
	ids, err := identity.New(p.State(), identity.Options{})
	if err != nil {
		return st, fmt.Errorf("identity: %w", err)
	}
	if _, err := ids.Agency(ctx, st.Agency); err != nil {
		if graph.ErrorCode(err) == graph.CodeNotFound {
			return st, usageErrorf("--agency %q: no such agency in this store (add it with `redthread agency add %s`)", st.Agency, st.Agency)
		}
		return st, fmt.Errorf("--agency: %w", err)
	}
	if *f.user == "" {
		return st, nil
	}
	u, err := ids.UserByEmail(ctx, *f.user)
	if err != nil && graph.ErrorCode(err) != graph.CodeNotFound && graph.ErrorCode(err) != graph.CodeInvalid {
		return st, fmt.Errorf("--user: %w", err)
	}
	if err != nil || u.Agency != st.Agency {
		return st, usageErrorf("--user: no user with that email in agency %q", st.Agency)
	}
	st.User = u.ID
	return st, nil
}
