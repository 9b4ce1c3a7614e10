package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"github.com/redthread-dev/redthread/audit"
	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/state"
	"github.com/redthread-dev/redthread/identity"
)

const adminUsage = `Usage:
  redthread agency add  [--name TEXT] [store flags] AGENCY
  redthread agency list [store flags]
  redthread user add    --agency AGENCY --role viewer|analyst|admin [--base-url URL] [store flags] EMAIL
  redthread user list   --agency AGENCY [store flags]
  redthread user role   --agency AGENCY --role viewer|analyst|admin [store flags] EMAIL
  redthread user disable|enable --agency AGENCY [store flags] EMAIL
  redthread user link   --agency AGENCY [--base-url URL] [store flags] EMAIL   (a new one-time sign-in link)
  redthread token create --agency AGENCY --user EMAIL [--scope read[,write,ingest]] [--expires 720h] [store flags]
  redthread token revoke [store flags] ID
  redthread token list  --agency AGENCY [--user EMAIL] [store flags]

They work on the store serve uses (the same --store, --data and --neo4j-*
flags); the embedded store's file is locked by a running server, so stop
it first (Neo4j can be shared). AGENCY is a slug: a-z, 0-9 and '-'.
user add reads the password from stdin when stdin is not a terminal
(echo "$PW" | redthread user add ...); otherwise, or when stdin
is empty, it prints a one-time sign-in link valid for 24 hours.
token create prints the token alone on stdout: it is shown only once.
`

// admin runs the agency, user and token commands.
func (m Main) admin(ctx context.Context, noun string, args []string) (err error) {
	if len(args) == 0 {
		fmt.Fprint(m.Stderr, adminUsage)
		return exitCode(ExitUsage)
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(m.Stdout, adminUsage)
		return nil
	}
	verb := args[0]
	run, ok := map[string]func(context.Context, *adminCmd) error{
		"agency add": m.agencyAdd, "agency list": m.agencyList,
		"user add": m.userAdd, "user list": m.userList, "user role": m.userChange, "user disable": m.userChange,
		"user enable": m.userChange, "user link": m.userChange,
		"token create": m.tokenCreate, "token revoke": m.tokenRevoke, "token list": m.tokenList,
	}[noun+" "+verb]
	if !ok {
		return usageErrorf("unknown command %q\n\n%s", noun+" "+verb, adminUsage)
	}
	c := &adminCmd{fs: m.newFlagSet(noun + " " + verb), verb: verb}
	c.sf = m.storeFlags(c.fs)
	c.logLevel = c.fs.String("log-level", "warn", "debug, info, warn or error")
	c.args = args[1:]
	return codedError(verb, run(ctx, c))
}

// adminCmd is one admin command being set up and run.
type adminCmd struct {
	verb     string
	fs       *flag.FlagSet
	sf       *storeFlags
	logLevel *string
	args     []string
	svc      *identity.Service
	audit    *audit.Log
}

// record audits an admin change made on the command line: the actor is
// "cli" (whoever can open the store), in the changed agency's log. A
// failed write is logged, never failing the command.
func (c *adminCmd) record(ctx context.Context, agency, action, target, detail string) {
	_ = c.audit.Record(ctx, audit.Entry{Agency: agency, Actor: "cli", Action: action, Target: target, Detail: detail})
}

// parse parses flags before and after the positional arguments (so that
// "agency add fiu --name X" works) and wants exactly n positional ones.
func (m Main) adminParse(c *adminCmd, n int, what string) ([]string, error) {
	var pos []string
	rest := c.args
	for {
		if err := m.parse(c.fs, rest); err != nil {
			return nil, err
		}
		rest = c.fs.Args()
		if len(rest) == 0 {
			break
		}
		pos = append(pos, rest[0])
		rest = rest[1:]
	}
	if len(pos) != n {
		if n == 0 {
			return nil, usageErrorf("unexpected arguments %q", pos)
		}
		return nil, usageErrorf("want %s, got %d arguments", what, len(pos))
	}
	return pos, nil
}

// open opens the store and the identity service over its record store.
func (m Main) adminOpen(ctx context.Context, c *adminCmd) (io.Closer, error) {
	logger, err := m.logger(*c.logLevel, "text")
	if err != nil {
		return nil, err
	}
	store, err := c.sf.open(ctx, logger)
	if err != nil {
		return nil, err
	}
	p, ok := store.(state.Provider)
	if !ok {
		return nil, errors.Join(fmt.Errorf("the %s store keeps no records", c.sf.kind), store.Close())
	}
	c.svc, err = identity.New(p.State(), identity.Options{Logger: logger})
	if err != nil {
		return nil, errors.Join(err, store.Close())
	}
	c.audit = audit.New(p.State(), nil, logger)
	return store, nil
}

// codedError prefixes an identity error with the verb and its code; a bad
// argument is a usage error (exit status 2).
func codedError(verb string, err error) error {
	var ge *graph.Error
	if err == nil || !errors.As(err, &ge) {
		return err
	}
	coded := fmt.Errorf("%s: %s: %s", verb, ge.Code, graph.ErrorMessage(err))
	if ge.Code == graph.CodeInvalid {
		return usageError{coded}
	}
	return coded
}

func (m Main) agencyAdd(ctx context.Context, c *adminCmd) (err error) {
	name := c.fs.String("name", "", "display name (default: the slug)")
	pos, err := m.adminParse(c, 1, "one AGENCY (a slug such as fiu)")
	if err != nil {
		return err
	}
	closer, err := m.adminOpen(ctx, c)
	if err != nil {
		return err
	}
	defer closeInto(&err, "store", closer)
	a, err := c.svc.AddAgency(ctx, pos[0], *name)
	if err != nil {
		return err
	}
	c.record(ctx, a.ID, "agency.add", a.ID, "")
	fmt.Fprintf(m.Stdout, "agency %s added (%s)\n", a.ID, a.Name)
	return nil
}

func (m Main) agencyList(ctx context.Context, c *adminCmd) (err error) {
	if _, err := m.adminParse(c, 0, ""); err != nil {
		return err
	}
	closer, err := m.adminOpen(ctx, c)
	if err != nil {
		return err
	}
	defer closeInto(&err, "store", closer)
	list, err := c.svc.Agencies(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "AGENCY\tNAME\tCREATED")
	for _, a := range list {
		fmt.Fprintf(w, "%s\t%s\t%s\n", a.ID, a.Name, a.CreatedAt.Format(time.RFC3339))
	}
	return w.Flush()
}

func (m Main) userAdd(ctx context.Context, c *adminCmd) (err error) {
	agency := c.fs.String("agency", "", "the user's agency (required)")
	role := c.fs.String("role", "", "viewer, analyst or admin (required)")
	base := c.fs.String("base-url", "http://127.0.0.1:8080", "the server's address, for the sign-in link")
	pos, err := m.adminParse(c, 1, "one EMAIL")
	if err != nil {
		return err
	}
	if *agency == "" || *role == "" {
		return usageErrorf("--agency and --role are required")
	}
	password, err := m.readPassword()
	if err != nil {
		return err
	}
	closer, err := m.adminOpen(ctx, c)
	if err != nil {
		return err
	}
	defer closeInto(&err, "store", closer)
	u, link, err := c.svc.AddUser(ctx, identity.NewUser{Agency: *agency, Email: pos[0], Role: identity.Role(*role), Password: password})
	if err != nil {
		return err
	}
	c.record(ctx, u.Agency, "user.add", u.Email, "role "+string(u.Role))
	fmt.Fprintf(m.Stderr, "user %s (%s) added to agency %s as %s\n", u.Email, u.ID, u.Agency, u.Role)
	if link != "" {
		fmt.Fprintf(m.Stderr, "one-time sign-in link, valid for %d hours (pass it to %s only):\n", int(identity.DefaultLinkLifetime.Hours()), u.Email)
		fmt.Fprintf(m.Stdout, "%s/signin#link=%s\n", strings.TrimSuffix(*base, "/"), link)
	}
	return nil
}

// readPassword reads a password from stdin when stdin is not a terminal:
// its first line, without the line end. Empty means none.
func (m Main) readPassword() (string, error) {
	if m.Stdin == nil {
		return "", nil
	}
	if f, ok := m.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return "", nil
	}
	b, err := io.ReadAll(io.LimitReader(m.Stdin, 4*identity.MaxPassword+2))
	if err != nil {
		return "", fmt.Errorf("read the password from stdin: %w", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSuffix(line, "\r"), nil
}

// userChange runs user role, disable, enable and link: one user, found by
// email within --agency.
func (m Main) userChange(ctx context.Context, c *adminCmd) (err error) {
	agency := c.fs.String("agency", "", "the user's agency (required)")
	var role, base *string
	switch c.verb {
	case "role":
		role = c.fs.String("role", "", "viewer, analyst or admin (required)")
	case "link":
		base = c.fs.String("base-url", "http://127.0.0.1:8080", "the server's address, for the sign-in link")
	}
	pos, err := m.adminParse(c, 1, "one EMAIL")
	if err != nil {
		return err
	}
	if *agency == "" || role != nil && *role == "" {
		return usageErrorf("--agency%s required", map[bool]string{true: " and --role are", false: " is"}[role != nil])
	}
	closer, err := m.adminOpen(ctx, c)
	if err != nil {
		return err
	}
	defer closeInto(&err, "store", closer)
	u, err := m.agencyUser(ctx, c.svc, *agency, pos[0])
	if err != nil {
		return err
	}
	switch c.verb {
	case "role":
		u, err = c.svc.SetRole(ctx, u.Agency, u.ID, identity.Role(*role))
	case "disable":
		u, err = c.svc.Disable(ctx, u.Agency, u.ID)
	case "enable":
		u, err = c.svc.Enable(ctx, u.Agency, u.ID)
	case "link":
		var link string
		if link, err = c.svc.SignInLink(ctx, u.Agency, u.ID); err == nil {
			c.record(ctx, u.Agency, "user.link", u.Email, "")
			fmt.Fprintf(m.Stderr, "one-time sign-in link, valid for %d hours (pass it to %s only):\n", int(identity.DefaultLinkLifetime.Hours()), u.Email)
			fmt.Fprintf(m.Stdout, "%s/signin#link=%s\n", strings.TrimSuffix(*base, "/"), link)
		}
		return err
	}
	if err != nil {
		return err
	}
	c.record(ctx, u.Agency, "user."+c.verb, u.Email, map[bool]string{true: "role " + string(u.Role)}[c.verb == "role"])
	fmt.Fprintf(m.Stdout, "user %s: role %s, disabled %v\n", u.Email, u.Role, u.Disabled)
	return nil
}

func (m Main) userList(ctx context.Context, c *adminCmd) (err error) {
	agency := c.fs.String("agency", "", "the agency (required)")
	if _, err := m.adminParse(c, 0, ""); err != nil {
		return err
	}
	if *agency == "" {
		return usageErrorf("--agency is required")
	}
	closer, err := m.adminOpen(ctx, c)
	if err != nil {
		return err
	}
	defer closeInto(&err, "store", closer)
	users, err := c.svc.Users(ctx, *agency)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tEMAIL\tROLE\tSTATUS\tCREATED")
	for _, u := range users {
		status := "active"
		switch {
		case u.Disabled:
			status = "disabled"
		case !u.HasPassword:
			status = "no password"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", u.ID, u.Email, u.Role, status, u.CreatedAt.Format(time.RFC3339))
	}
	return w.Flush()
}

func (m Main) tokenCreate(ctx context.Context, c *adminCmd) (err error) {
	agency := c.fs.String("agency", "", "the user's agency (required)")
	email := c.fs.String("user", "", "the user's email (required)")
	scopes := c.fs.String("scope", "read", "comma-separated scopes: read, write, ingest")
	expires := c.fs.Duration("expires", identity.DefaultTokenLifetime, "lifetime, at most 8760h (a year)")
	if _, err := m.adminParse(c, 0, ""); err != nil {
		return err
	}
	if *agency == "" || *email == "" {
		return usageErrorf("--agency and --user are required")
	}
	var names []string
	for s := range strings.SplitSeq(*scopes, ",") {
		names = append(names, strings.TrimSpace(s))
	}
	sc, err := identity.ParseScopes(names)
	if err != nil {
		return err
	}
	closer, err := m.adminOpen(ctx, c)
	if err != nil {
		return err
	}
	defer closeInto(&err, "store", closer)
	u, err := m.agencyUser(ctx, c.svc, *agency, *email)
	if err != nil {
		return err
	}
	tok, secret, err := c.svc.CreateToken(ctx, u.Agency, u.ID, sc, *expires)
	if err != nil {
		return err
	}
	c.record(ctx, u.Agency, "token.create", "token:"+tok.ID, "for "+u.Email)
	fmt.Fprintf(m.Stderr, "token %s for %s, scopes %v, expires %s (shown once)\n", tok.ID, u.Email, tok.Scopes, tok.ExpiresAt.Format(time.RFC3339))
	fmt.Fprintln(m.Stdout, secret)
	return nil
}

// agencyUser finds a user by email within agency; a user of another
// agency is not found.
func (m Main) agencyUser(ctx context.Context, svc *identity.Service, agency, email string) (identity.User, error) {
	if _, err := svc.Agency(ctx, agency); err != nil {
		return identity.User{}, err
	}
	u, err := svc.UserByEmail(ctx, email)
	if err != nil {
		return identity.User{}, err
	}
	if u.Agency != agency {
		return identity.User{}, graph.Errorf(graph.CodeNotFound, "user %q not found in agency %q", u.Email, agency)
	}
	return u, nil
}

func (m Main) tokenRevoke(ctx context.Context, c *adminCmd) (err error) {
	pos, err := m.adminParse(c, 1, "one token ID")
	if err != nil {
		return err
	}
	closer, err := m.adminOpen(ctx, c)
	if err != nil {
		return err
	}
	defer closeInto(&err, "store", closer)
	tok, err := c.svc.RevokeToken(ctx, pos[0])
	if err != nil {
		return err
	}
	c.record(ctx, tok.Agency, "token.revoke", "token:"+tok.ID, "")
	fmt.Fprintf(m.Stdout, "token %s revoked at %s\n", tok.ID, tok.RevokedAt.Format(time.RFC3339))
	return nil
}

func (m Main) tokenList(ctx context.Context, c *adminCmd) (err error) {
	agency := c.fs.String("agency", "", "the agency (required)")
	email := c.fs.String("user", "", "only this user's tokens")
	if _, err := m.adminParse(c, 0, ""); err != nil {
		return err
	}
	if *agency == "" {
		return usageErrorf("--agency is required")
	}
	closer, err := m.adminOpen(ctx, c)
	if err != nil {
		return err
	}
	defer closeInto(&err, "store", closer)
	userID := ""
	if *email != "" {
		u, err := m.agencyUser(ctx, c.svc, *agency, *email)
		if err != nil {
			return err
		}
		userID = u.ID
	}
	toks, err := c.svc.Tokens(ctx, *agency, userID)
	if err != nil {
		return err
	}
	return m.printTokens(ctx, c.svc, *agency, toks)
}

func (m Main) printTokens(ctx context.Context, svc *identity.Service, agency string, toks []identity.Token) error {
	users, err := svc.Users(ctx, agency)
	if err != nil {
		return err
	}
	emails := map[string]string{}
	for _, u := range users {
		emails[u.ID] = u.Email
	}
	stamp := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.Format(time.RFC3339)
	}
	w := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tUSER\tSCOPES\tCREATED\tEXPIRES\tLAST USED\tREVOKED")
	for _, t := range toks {
		scopes := make([]string, len(t.Scopes))
		for i, s := range t.Scopes {
			scopes[i] = string(s)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, emails[t.User], strings.Join(scopes, ","),
			stamp(t.CreatedAt), stamp(t.ExpiresAt), stamp(t.LastUsedAt), stamp(t.RevokedAt))
	}
	return w.Flush()
}
