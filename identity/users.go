package identity

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/state"
)

// MaxUsersListed is how many users one Users call returns at most.
const MaxUsersListed = state.MaxList

type userRecord struct {
	ID           string    `json:"id"`
	Agency       string    `json:"agency"`
	Email        string    `json:"email"`
	Role         Role      `json:"role"`
	PasswordHash string    `json:"passwordHash,omitempty"`
	Disabled     bool      `json:"disabled,omitempty"`
	CreatedAt    time.Time `json:"createdAt"`
	LastSignInAt time.Time `json:"lastSignInAt,omitzero"`
}

func (r userRecord) user() User {
	return User{ID: r.ID, Agency: r.Agency, Email: r.Email, Role: r.Role, Disabled: r.Disabled,
		CreatedAt: r.CreatedAt, HasPassword: r.PasswordHash != "", LastSignInAt: r.LastSignInAt}
}

// emailRecord claims an email for one user.
type emailRecord struct {
	Agency string    `json:"agency"`
	User   string    `json:"user"`
	At     time.Time `json:"at"`
}

// claimGrace is how old a claim naming no user must be before another
// AddUser may take it over: younger, its AddUser may still be writing the
// user record.
const claimGrace = time.Minute

// NewUser is what AddUser asks for.
type NewUser struct {
	Agency string
	Email  string
	Role   Role
	// Password, when set, is the user's password; when empty the user
	// gets a one-time sign-in link instead.
	Password string
}

// AddUser creates a user. Without a password it returns a one-time
// sign-in link code (rl_…) valid for Options.LinkLifetime, shown once.
func (s *Service) AddUser(ctx context.Context, nu NewUser) (User, string, error) {
	agency, err := AgencyID(nu.Agency)
	if err != nil {
		return User{}, "", err
	}
	email, err := NormaliseEmail(nu.Email)
	if err != nil {
		return User{}, "", err
	}
	role, err := ParseRole(string(nu.Role))
	if err != nil {
		return User{}, "", err
	}
	rec := userRecord{Agency: agency, Email: email, Role: role, CreatedAt: s.now()}
	if nu.Password != "" {
		if err := checkPassword(nu.Password); err != nil {
			return User{}, "", err
		}
	}
	if _, err := s.Agency(ctx, agency); err != nil {
		return User{}, "", err
	}
	if nu.Password != "" {
		if rec.PasswordHash, err = s.hash(nu.Password); err != nil {
			return User{}, "", err
		}
	}
	if rec.ID, err = random(idBytes); err != nil {
		return User{}, "", err
	}
	claim := emailRecord{Agency: agency, User: rec.ID, At: rec.CreatedAt}
	if err := s.claimEmail(ctx, email, claim); err != nil {
		return User{}, "", err
	}
	if _, err := s.put(ctx, colUsers, userKey(agency, rec.ID), rec, state.Absent); err != nil {
		if errors.Is(err, state.ErrConflict) { // 80 random bits collided
			return User{}, "", graph.WrapError(graph.CodeInternal, err, "user ID taken; try again")
		}
		return User{}, "", err
	}
	// A claim held past claimGrace may have been taken over meanwhile.
	var held emailRecord
	if _, ok, err := s.get(ctx, colUsersByEmail, email, &held); err != nil {
		return User{}, "", err
	} else if !ok || held.User != rec.ID {
		return User{}, "", errors.Join(graph.Errorf(graph.CodeConflict, "email %q is already a user", email),
			s.del(ctx, colUsers, userKey(agency, rec.ID)))
	}
	s.opt.Logger.InfoContext(ctx, "user added", "agency", agency, "user", rec.ID, "role", role)
	var link string
	if nu.Password == "" {
		if link, err = s.SignInLink(ctx, agency, rec.ID); err != nil {
			return User{}, "", err
		}
	}
	return rec.user(), link, nil
}

// claimEmail makes email point at claim, unless it names a user that
// exists. A claim whose user record is missing for longer than claimGrace
// (a crash between the two writes of AddUser) is taken over.
func (s *Service) claimEmail(ctx context.Context, email string, claim emailRecord) error {
	for range maxRetries {
		_, err := s.put(ctx, colUsersByEmail, email, claim, state.Absent)
		if !errors.Is(err, state.ErrConflict) {
			return err
		}
		var old emailRecord
		ver, ok, err := s.get(ctx, colUsersByEmail, email, &old)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		var u userRecord
		if _, exists, err := s.get(ctx, colUsers, userKey(old.Agency, old.User), &u); err != nil {
			return err
		} else if exists || claim.At.Sub(old.At) < claimGrace {
			return graph.Errorf(graph.CodeConflict, "email %q is already a user", email)
		}
		if _, err := s.put(ctx, colUsersByEmail, email, claim, ver); !errors.Is(err, state.ErrConflict) {
			return err
		}
	}
	return graph.Errorf(graph.CodeConflict, "email %q: too many concurrent updates; try again", email)
}

// userByEmail returns the user of a normalised email, if any.
func (s *Service) userByEmail(ctx context.Context, email string) (userRecord, bool, error) {
	var claim emailRecord
	_, ok, err := s.get(ctx, colUsersByEmail, email, &claim)
	if err != nil || !ok {
		return userRecord{}, false, err
	}
	var u userRecord
	_, ok, err = s.get(ctx, colUsers, userKey(claim.Agency, claim.User), &u)
	if err != nil || !ok || u.Email != email {
		return userRecord{}, false, err
	}
	return u, true, nil
}

// UserByEmail returns the user with that email.
func (s *Service) UserByEmail(ctx context.Context, email string) (User, error) {
	e, err := NormaliseEmail(email)
	if err != nil {
		return User{}, err
	}
	u, ok, err := s.userByEmail(ctx, e)
	if err != nil {
		return User{}, err
	}
	if !ok {
		return User{}, graph.Errorf(graph.CodeNotFound, "user %q not found", e)
	}
	return u.user(), nil
}

// User returns user id of agency.
func (s *Service) User(ctx context.Context, agency, id string) (User, error) {
	u, err := s.userRecord(ctx, agency, id)
	return u.user(), err
}

func (s *Service) userRecord(ctx context.Context, agency, id string) (userRecord, error) {
	key, err := checkUserRef(agency, id)
	if err != nil {
		return userRecord{}, err
	}
	var u userRecord
	_, ok, err := s.get(ctx, colUsers, key, &u)
	if err != nil {
		return userRecord{}, err
	}
	if !ok {
		return userRecord{}, userNotFound(agency, id)
	}
	return u, nil
}

func userNotFound(agency, id string) error {
	return graph.Errorf(graph.CodeNotFound, "user %q not found in agency %q", id, agency)
}

// checkUserRef checks an (agency, user ID) pair and returns its key.
func checkUserRef(agency, id string) (string, error) {
	if _, err := AgencyID(agency); err != nil {
		return "", err
	}
	if !isBase32(id, idLen) {
		return "", invalid("user %q: not a user ID", printable(id))
	}
	return userKey(agency, id), nil
}

// Users lists agency's users by email, at most MaxUsersListed.
func (s *Service) Users(ctx context.Context, agency string) ([]User, error) {
	if _, err := s.Agency(ctx, agency); err != nil {
		return nil, err
	}
	recs, err := s.st.List(ctx, colUsers, agency+"/", "", MaxUsersListed)
	if err != nil {
		return nil, storeErr(err)
	}
	out := make([]User, 0, len(recs))
	for _, r := range recs {
		var u userRecord
		if err := decode(r, &u); err != nil {
			return nil, err
		}
		out = append(out, u.user())
	}
	slices.SortFunc(out, func(a, b User) int { return strings.Compare(a.Email, b.Email) })
	return out, nil
}

// modifyUser applies change to user id of agency with compare-and-set.
func (s *Service) modifyUser(ctx context.Context, agency, id string, change func(*userRecord) (bool, error)) (User, error) {
	key, err := checkUserRef(agency, id)
	if err != nil {
		return User{}, err
	}
	u, err := update(ctx, s, colUsers, key, func() error { return userNotFound(agency, id) }, change)
	return u.user(), err
}

// SetRole changes a user's role; their sessions and tokens follow at once
// (the principal is built from the user record on every request).
func (s *Service) SetRole(ctx context.Context, agency, id string, role Role) (User, error) {
	role, err := ParseRole(string(role))
	if err != nil {
		return User{}, err
	}
	u, err := s.modifyUser(ctx, agency, id, func(u *userRecord) (bool, error) {
		changed := u.Role != role
		u.Role = role
		return changed, nil
	})
	if err == nil {
		s.opt.Logger.InfoContext(ctx, "user role set", "agency", agency, "user", id, "role", role)
	}
	return u, err
}

// Disable stops a user: their password, sessions and tokens stop working
// at once (kept, so that Enable restores them).
func (s *Service) Disable(ctx context.Context, agency, id string) (User, error) {
	return s.setDisabled(ctx, agency, id, true)
}

// Enable lets a disabled user in again.
func (s *Service) Enable(ctx context.Context, agency, id string) (User, error) {
	return s.setDisabled(ctx, agency, id, false)
}

func (s *Service) setDisabled(ctx context.Context, agency, id string, disabled bool) (User, error) {
	u, err := s.modifyUser(ctx, agency, id, func(u *userRecord) (bool, error) {
		changed := u.Disabled != disabled
		u.Disabled = disabled
		return changed, nil
	})
	if err == nil {
		s.opt.Logger.InfoContext(ctx, "user disabled set", "agency", agency, "user", id, "disabled", disabled)
	}
	return u, err
}

// SetPassword sets a user's password.
func (s *Service) SetPassword(ctx context.Context, agency, id, password string) error {
	if err := checkPassword(password); err != nil {
		return err
	}
	if _, err := s.userRecord(ctx, agency, id); err != nil {
		return err
	}
	h, err := s.hash(password)
	if err != nil {
		return err
	}
	_, err = s.modifyUser(ctx, agency, id, func(u *userRecord) (bool, error) {
		u.PasswordHash = h
		return true, nil
	})
	return err
}
