package cli

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/redthread-dev/redthread/cases/shares"
	"github.com/redthread-dev/redthread/graph/state"
)

const shareKeyUsage = `Usage:
  redthread sharekey rotate [store flags]   make a new key sign new share links
  redthread sharekey list   [store flags]   the keys, and which one signs

Share links are signed with HMAC-SHA-256 under keys kept in the store
(the same --store, --data and --neo4j-* flags as serve), so every server
over one store verifies them. Rotating keeps the old keys: links signed
before still open until they expire or are revoked. Running servers pick
the new key on their next share.
`

// shareKey runs the sharekey commands.
func (m Main) shareKey(ctx context.Context, args []string) (err error) {
	if len(args) == 0 {
		fmt.Fprint(m.Stderr, shareKeyUsage)
		return exitCode(ExitUsage)
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(m.Stdout, shareKeyUsage)
		return nil
	}
	verb := args[0]
	if verb != "rotate" && verb != "list" {
		return usageErrorf("unknown command %q\n\n%s", "sharekey "+verb, shareKeyUsage)
	}
	c := &adminCmd{fs: m.newFlagSet("sharekey " + verb), verb: verb}
	c.sf = m.storeFlags(c.fs)
	c.logLevel = c.fs.String("log-level", "warn", "debug, info, warn or error")
	c.args = args[1:]
	if _, err := m.adminParse(c, 0, ""); err != nil {
		return err
	}
	logger, err := m.logger(*c.logLevel, "text")
	if err != nil {
		return err
	}
	store, err := c.sf.open(ctx, logger)
	if err != nil {
		return err
	}
	defer closeInto(&err, "store", store)
	p, ok := store.(state.Provider)
	if !ok {
		return errors.New("the store keeps no records")
	}
	keys := shares.NewKeyring(p.State(), nil)
	if verb == "rotate" {
		id, err := keys.Rotate(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "share key %s now signs new links; links signed before still open\n", id)
		return nil
	}
	ids, made, current, err := keys.Keys(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "KEY\tCREATED\tSIGNS")
	for i, id := range ids {
		fmt.Fprintf(w, "%s\t%s\t%v\n", id, made[i].Format(time.RFC3339), id == current)
	}
	return w.Flush()
}
