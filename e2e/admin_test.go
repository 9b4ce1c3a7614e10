package e2e

import (
	"bytes"
	"errors"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph/boltstore"
	"github.com/redthread-dev/redthread/identity"
)

// admin runs an admin command of the real binary on the embedded store in
// data, with stdin, and returns its exit status, stdout and stderr.
func admin(t *testing.T, bin, data, stdin string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(bin, append(args, "--data", data)...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("%v: %v", args, err)
	}
	return cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
}

var (
	tokenLine = regexp.MustCompile(`^rt_[a-z2-7]{16}_[a-z2-7]{52}\n$`)
	linkLine  = regexp.MustCompile(`^https://rt\.example/signin#link=rl_[a-z2-7]{52}\n$`)
)

// TestAdminCommands drives agency, user and token commands of the real
// binary, then checks with the identity service over the same store that
// what they printed works.
func TestAdminCommands(t *testing.T) {
	bin := binary(t)
	data := t.TempDir()
	type step struct {
		name   string
		stdin  string
		args   []string
		code   int
		stdout *regexp.Regexp // nil: not checked
		stderr string         // a part of it; "" not checked
	}
	var token, link string
	for _, s := range []step{
		{"add agency", "", []string{"agency", "add", "--name", "Financial Intelligence Unit", "fiu"}, 0, regexp.MustCompile(`^agency fiu added \(Financial Intelligence Unit\)\n$`), ""},
		{"flags after the name", "", []string{"agency", "add", "police", "--name", "Police cyber unit"}, 0, nil, ""},
		{"agency again", "", []string{"agency", "add", "fiu"}, 1, regexp.MustCompile(`^$`), `redthread agency: add: CONFLICT: agency "fiu" already exists`},
		{"agency not a slug", "", []string{"agency", "add", "Big Agency"}, 2, nil, "INVALID_ARGUMENT: agency \"Big Agency\""},
		{"agency with a control character", "", []string{"agency", "add", "fi\x1bu"}, 2, nil, `agency "fi?u"`},
		{"two agencies at once", "", []string{"agency", "add", "a", "b"}, 2, nil, "want one AGENCY"},
		{"agency list", "", []string{"agency", "list"}, 0, regexp.MustCompile(`(?s)^AGENCY +NAME +CREATED\nfiu +Financial Intelligence Unit .*\npolice +Police cyber unit`), ""},
		{"user with a piped password", "a long piped password\n", []string{"user", "add", "--agency", "fiu", "--role", "analyst", "Ana@FIU.example"}, 0, regexp.MustCompile(`^$`), "user ana@fiu.example"},
		{"user with a link", "", []string{"user", "add", "--agency", "fiu", "--role", "viewer", "--base-url", "https://rt.example/", "vic@fiu.example"}, 0, linkLine, "one-time sign-in link, valid for 24 hours"},
		{"user twice, other case", "", []string{"user", "add", "--agency", "police", "--role", "viewer", "ANA@fiu.example"}, 1, nil, `CONFLICT: email "ana@fiu.example" is already a user`},
		{"user without role", "", []string{"user", "add", "--agency", "fiu", "x@fiu.example"}, 2, nil, "--agency and --role are required"},
		{"user with a bad role", "", []string{"user", "add", "--agency", "fiu", "--role", "root", "x@fiu.example"}, 2, nil, `role "root": want viewer, analyst or admin`},
		{"user with a short password", "short\n", []string{"user", "add", "--agency", "fiu", "--role", "viewer", "x@fiu.example"}, 2, nil, "password: shorter than 12"},
		{"user in no agency", "", []string{"user", "add", "--agency", "nope", "--role", "viewer", "x@fiu.example"}, 1, nil, `NOT_FOUND: agency "nope" not found`},
		{"user with a bad email", "", []string{"user", "add", "--agency", "fiu", "--role", "viewer", strings.Repeat("x", 300) + "@fiu.example"}, 2, nil, "email: longer than 254"},
		{"user list", "", []string{"user", "list", "--agency", "fiu"}, 0, regexp.MustCompile(`(?s)ana@fiu\.example +analyst +active.*vic@fiu\.example +viewer +no password`), ""},
		{"role of a user", "", []string{"user", "role", "--agency", "fiu", "--role", "admin", "vic@fiu.example"}, 0, regexp.MustCompile(`^user vic@fiu\.example: role admin, disabled false\n$`), ""},
		{"role back", "", []string{"user", "role", "vic@fiu.example", "--agency", "fiu", "--role", "viewer"}, 0, nil, ""},
		{"role without --role", "", []string{"user", "role", "--agency", "fiu", "vic@fiu.example"}, 2, nil, "--agency and --role are required"},
		{"role of another agency's user", "", []string{"user", "role", "--agency", "police", "--role", "admin", "vic@fiu.example"}, 1, nil, `NOT_FOUND: user "vic@fiu.example" not found in agency "police"`},
		{"disable", "", []string{"user", "disable", "--agency", "fiu", "vic@fiu.example"}, 0, regexp.MustCompile(`disabled true`), ""},
		{"enable", "", []string{"user", "enable", "--agency", "fiu", "vic@fiu.example"}, 0, regexp.MustCompile(`disabled false`), ""},
		{"enable without agency", "", []string{"user", "enable", "vic@fiu.example"}, 2, nil, "--agency is required"},
		{"new link", "", []string{"user", "link", "--agency", "fiu", "--base-url", "https://rt.example", "vic@fiu.example"}, 0, linkLine, "valid for 24 hours"},
		{"token create", "", []string{"token", "create", "--agency", "fiu", "--user", "ANA@fiu.example", "--scope", "read,ingest", "--expires", "48h"}, 0, tokenLine, "(shown once)"},
		{"token for a viewer asking write", "", []string{"token", "create", "--agency", "fiu", "--user", "vic@fiu.example", "--scope", "write"}, 2, regexp.MustCompile(`^$`), `scope "write": a viewer may not hold it`},
		{"token past the maximum", "", []string{"token", "create", "--agency", "fiu", "--user", "ana@fiu.example", "--expires", "9000h"}, 2, nil, "expires: want between 1m and 8760h, got 9000h"},
		{"token with a bad duration", "", []string{"token", "create", "--agency", "fiu", "--user", "ana@fiu.example", "--expires", "soon"}, 2, nil, `invalid value "soon" for flag -expires`},
		{"token with a bad scope", "", []string{"token", "create", "--agency", "fiu", "--user", "ana@fiu.example", "--scope", "root"}, 2, nil, `scope "root"`},
		{"token in the wrong agency", "", []string{"token", "create", "--agency", "police", "--user", "ana@fiu.example"}, 1, nil, `NOT_FOUND: user "ana@fiu.example" not found in agency "police"`},
		{"token of nobody", "", []string{"token", "create", "--agency", "fiu", "--user", "ghost@fiu.example"}, 1, nil, `NOT_FOUND: user "ghost@fiu.example" not found`},
		{"unknown verb", "", []string{"token", "mint"}, 2, nil, `unknown command "token mint"`},
		{"unknown flag", "", []string{"token", "list", "--agency", "fiu", "--all"}, 2, nil, "flag provided but not defined: -all"},
	} {
		t.Run(s.name, func(t *testing.T) {
			code, stdout, stderr := admin(t, bin, data, s.stdin, s.args...)
			if code != s.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, s.code, stdout, stderr)
			}
			if s.stdout != nil && !s.stdout.MatchString(stdout) {
				t.Fatalf("stdout %q does not match %s", stdout, s.stdout)
			}
			if !strings.Contains(stderr, s.stderr) {
				t.Fatalf("stderr %q does not say %q", stderr, s.stderr)
			}
			switch s.name {
			case "token create":
				token = strings.TrimSpace(stdout)
			case "user with a link":
				link = strings.TrimSpace(stdout[strings.Index(stdout, "#link=")+len("#link="):])
			}
		})
	}
	if token == "" || link == "" {
		t.Fatal("no token or link printed")
	}
	id := strings.Split(token, "_")[1]

	code, stdout, _ := admin(t, bin, data, "", "token", "list", "--agency", "fiu", "--user", "ana@fiu.example")
	if code != 0 || !regexp.MustCompile(id+` +ana@fiu\.example +read,ingest .* - +-\n`).MatchString(stdout) {
		t.Fatalf("token list: exit %d\n%s", code, stdout)
	}
	if strings.Contains(stdout, token[len("rt_"+id+"_"):]) {
		t.Fatal("token list shows the secret")
	}

	// What the commands printed works, read by the identity service over
	// the same store; then revoke, and the token stops working.
	check := func(wantToken bool) {
		t.Helper()
		st, err := boltstore.Open(t.Context(), data, boltstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		svc, err := identity.New(st.State(), identity.Options{})
		if err != nil {
			t.Fatal(err)
		}
		p, err := svc.Authenticate(t.Context(), token)
		if wantToken != (err == nil) {
			t.Fatalf("Authenticate: %+v, %v (want it to work: %v)", p, err, wantToken)
		}
		if !wantToken {
			return
		}
		if p.Agency != "fiu" || p.Email != "ana@fiu.example" || !p.Can(identity.ScopeIngest) || p.Can(identity.ScopeWrite) {
			t.Fatalf("token principal %+v", p)
		}
		if _, _, err := svc.SignIn(t.Context(), "ana@fiu.example", "a long piped password", "127.0.0.1"); err != nil {
			t.Fatalf("the piped password: %v", err)
		}
		if s, _, err := svc.SignInWithLink(t.Context(), link, "127.0.0.1"); err != nil || s.Agency != "fiu" {
			t.Fatalf("the printed link: %+v, %v", s, err)
		}
	}
	check(true)
	code, stdout, _ = admin(t, bin, data, "", "token", "revoke", id)
	if code != 0 || !strings.HasPrefix(stdout, "token "+id+" revoked at ") {
		t.Fatalf("revoke: exit %d, %q", code, stdout)
	}
	check(false)
	if code, _, stderr := admin(t, bin, data, "", "token", "revoke", "not-an-id"); code != 2 || !strings.Contains(stderr, "not a token ID") {
		t.Fatalf("revoke a bad ID: exit %d, %s", code, stderr)
	}
	code, stdout, _ = admin(t, bin, data, "", "token", "list", "--agency", "fiu")
	if code != 0 || !regexp.MustCompile(id+` .* \d{4}-\d\d-\d\dT[0-9:]+Z\n`).MatchString(stdout) {
		t.Fatalf("token list after the revocation shows no revocation time:\n%s", stdout)
	}
}

// TestAdminCommandsWhileServing: a running server holds the embedded
// store's file; an admin command says so instead of waiting for ever.
func TestAdminCommandsWhileServing(t *testing.T) {
	bin := binary(t)
	data := t.TempDir()
	serve(t, bin, data)
	start := time.Now()
	code, _, stderr := admin(t, bin, data, "", "agency", "list")
	if code != 1 || !strings.Contains(stderr, "redthread agency:") || time.Since(start) > time.Minute {
		t.Fatalf("exit %d after %v: %s", code, time.Since(start), stderr)
	}
	t.Logf("while serving: %s", strings.TrimSpace(stderr))
}
