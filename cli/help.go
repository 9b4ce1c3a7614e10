package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
)

// command is a command's help: its usage line and what it does.
type command struct {
	usage, about string
}

// commands are the help of every command with flags, by flag set name.
var commands = map[string]command{
	"serve": {"redthread serve [flags]",
		"Serves the GraphQL API at /graphql, the web UI at /, /healthz and /metrics. It opens the graph store (embedded or Neo4j), runs ingest jobs started over the API (resuming those a stop interrupted), and shuts down gracefully on SIGINT or SIGTERM: requests in flight finish (up to --shutdown-timeout), running ingest jobs stop at a checkpoint and resume at the next start; a second signal exits at once."},
	"ingest": {"redthread ingest --format FORMAT [flags] FILE...",
		"Loads evidence files into the graph store, in batches, saving a checkpoint after every committed batch: a job killed or interrupted resumes where it stopped when run again on the same inputs. Exit status 3 when some records were rejected (they are listed on stderr)."},
	"generate": {"redthread generate --scale S|M|L [--seed N] --out DIR",
		"Writes a synthetic investigation scenario (wallets, transfers in blockchain-etl format, incidents, attributions) for tests and benchmarks; the same seed gives byte-identical files."},
	"neo4j-import": {"redthread neo4j-import --format FORMAT --out DIR FILE...",
		"Reads input files like ingest does and writes CSV files for Neo4j's offline importer, the fast way to load a new Neo4j database (scripts/neo4j.sh import DIR)."},
	"sharekey rotate": {"redthread sharekey rotate [store flags]",
		"Makes a new key sign new share links; links signed under the old keys keep opening until they expire or are revoked."},
	"sharekey list": {"redthread sharekey list [store flags]",
		"Lists the share-link signing keys and which one signs."},
	"agency add":   {"redthread agency add [--name TEXT] [store flags] AGENCY", "Adds an agency (a slug: a-z, 0-9 and '-')."},
	"agency list":  {"redthread agency list [store flags]", "Lists the agencies of the store, with their display names. Like every admin command it opens the store serve uses; the embedded store is locked by a running server, so stop it first (Neo4j can be shared)."},
	"user add":     {"redthread user add --agency AGENCY --role viewer|analyst|admin [--base-url URL] [store flags] EMAIL", "Adds a user; the password is read from stdin when it is not a terminal, else a one-time sign-in link is printed."},
	"user list":    {"redthread user list --agency AGENCY [store flags]", "Lists the users of an agency with their roles and whether they are disabled, in email order."},
	"user role":    {"redthread user role --agency AGENCY --role viewer|analyst|admin [store flags] EMAIL", "Changes a user's role (viewer, analyst or admin); their tokens keep only the scopes the new role allows."},
	"user disable": {"redthread user disable --agency AGENCY [store flags] EMAIL", "Disables a user: their password, sessions and tokens stop working at once (they are kept, so that user enable restores them)."},
	"user enable":  {"redthread user enable --agency AGENCY [store flags] EMAIL", "Lets a disabled user in again: their password, unexpired sessions and tokens work again."},
	"user link":    {"redthread user link --agency AGENCY [--base-url URL] [store flags] EMAIL", "Prints a new one-time sign-in link for a user."},
	"token create": {"redthread token create --agency AGENCY --user EMAIL [--scope read[,write,ingest]] [--expires 720h] [store flags]", "Creates an API token and prints it alone on stdout: it is shown only once."},
	"token revoke": {"redthread token revoke [store flags] ID", "Revokes an API token at once: the next request that sends it is refused. Revoking it again changes nothing."},
	"token list":   {"redthread token list --agency AGENCY [--user EMAIL] [store flags]", "Lists an agency's (or a user's) API tokens."},
}

// printHelp writes fs's command help: usage line, description and every
// flag with its default and environment variable.
func (m Main) printHelp(w io.Writer, fs *flag.FlagSet) {
	name := strings.TrimPrefix(fs.Name(), "redthread ")
	c, ok := commands[name]
	if !ok {
		c = command{usage: fs.Name() + " [flags]"}
	}
	fmt.Fprintf(w, "Usage: %s\n\n", c.usage)
	if c.about != "" {
		fmt.Fprintf(w, "%s\n\n", wrap(c.about, 76, ""))
	}
	fmt.Fprintf(w, "Flags (each also set by the environment variable shown, or by its name\nas a key of the --config file; a flag wins over the environment, which\nwins over the file):\n")
	fs.VisitAll(func(f *flag.Flag) {
		typ, usage := flag.UnquoteUsage(f)
		head := "  --" + f.Name
		if typ != "" {
			head += " " + typ
		}
		fmt.Fprintln(w, head)
		text := usage
		if d := f.DefValue; d != "" && d != "false" && d != "0" && d != "0s" {
			text += fmt.Sprintf(" (default %q)", d)
		}
		text += " [$" + strings.Join(envNames(f.Name), ", $") + "]"
		fmt.Fprintln(w, wrap(text, 76, "      "))
	})
}

// wrap folds text into lines of at most width, each after indent.
func wrap(text string, width int, indent string) string {
	var b strings.Builder
	line := indent
	for _, word := range strings.Fields(text) {
		if len(line) > len(indent) && len(line)+1+len(word) > width {
			b.WriteString(line + "\n")
			line = indent
		}
		if len(line) > len(indent) {
			line += " "
		}
		line += word
	}
	b.WriteString(line)
	return b.String()
}

// help runs `redthread help [COMMAND [VERB]]`: the command's own help.
func (m Main) help(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(m.Stdout, usage)
		return nil
	}
	switch args[0] {
	case "serve", "ingest", "generate", "neo4j-import":
		return m.dispatch(ctx, args[0], []string{"--help"})
	case "agency", "user", "token", "sharekey":
		if len(args) > 1 {
			return m.dispatch(ctx, args[0], []string{args[1], "--help"})
		}
		return m.dispatch(ctx, args[0], []string{"--help"})
	case "version", "help":
		fmt.Fprint(m.Stdout, usage)
		return nil
	}
	return usageErrorf("unknown command %q: run \"redthread help\" for the list", args[0])
}
