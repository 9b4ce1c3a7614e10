package cli

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Every flag of every command is also set by the environment variable
// REDTHREAD_<NAME> (dashes as underscores) and by the key <name> of a
// configuration file (--config FILE or $REDTHREAD_CONFIG). The flag wins
// over the environment, which wins over the file, which wins over the
// default. A flag added to a command is picked up with no extra work.

// Bounds of a configuration file: it is edited by hand, so anything much
// larger is a mistake (or an attack) and is refused before it is parsed.
const (
	maxConfigBytes = 1 << 20
	maxConfigLine  = 64 << 10
)

// legacyEnv are the environment names flags had before every flag had its
// REDTHREAD_ one; they keep working, below the REDTHREAD_ name.
var legacyEnv = map[string]string{
	"neo4j-uri":      "NEO4J_URI",
	"neo4j-user":     "NEO4J_USER",
	"neo4j-password": "NEO4J_PASSWORD",
	"neo4j-database": "NEO4J_DATABASE",
	"base-url":       "REDTHREAD_URL",
}

// envName is the environment variable that sets flag name.
func envName(name string) string {
	return "REDTHREAD_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// envNames are the variables that set flag name, first the one that wins.
func envNames(name string) []string {
	if l, ok := legacyEnv[name]; ok {
		return []string{envName(name), l}
	}
	return []string{envName(name)}
}

// secret reports whether a flag's value must never be printed.
func secret(name string) bool {
	for _, s := range []string{"password", "token", "secret", "key"} {
		if strings.Contains(name, s) {
			return true
		}
	}
	return false
}

// configFlag is the value of --config. It also remembers where each flag
// of its flag set took its value from, for the start-up log.
type configFlag struct {
	path   string
	origin map[string]string // flag name → "flag", "env NAME", "file PATH:LINE"
}

func (c *configFlag) String() string {
	if c == nil {
		return ""
	}
	return c.path
}

func (c *configFlag) Set(v string) error { c.path = v; return nil }

// addConfigFlag gives fs its --config flag.
func addConfigFlag(fs *flag.FlagSet) {
	fs.Var(&configFlag{origin: map[string]string{}}, "config",
		"`FILE` of settings: one \"key = value\" a line, keys are flag names, # starts a comment (see README)")
}

func configOf(fs *flag.FlagSet) *configFlag {
	if f := fs.Lookup("config"); f != nil {
		if c, ok := f.Value.(*configFlag); ok {
			return c
		}
	}
	return nil
}

// setting is one flag's effective value and where it came from.
type setting struct {
	Name, Value, From string
}

// settings lists every flag of fs with its value (secrets masked) and
// origin, in name order.
func settings(fs *flag.FlagSet) []setting {
	c := configOf(fs)
	var out []setting
	fs.VisitAll(func(f *flag.Flag) {
		from := "default"
		if c != nil && c.origin[f.Name] != "" {
			from = c.origin[f.Name]
		}
		v := f.Value.String()
		if secret(f.Name) && v != "" {
			v = "****"
		}
		out = append(out, setting{Name: f.Name, Value: v, From: from})
	})
	return out
}

// configure applies the environment and the configuration file to the
// flags of fs that the command line left unset. known reports keys a file
// may hold for other commands (ignored here, so that serve and the admin
// commands share a file).
func (m Main) configure(fs *flag.FlagSet, explicit map[string]bool, known func(string) bool) error {
	c := configOf(fs)
	if c == nil {
		return nil
	}
	for name := range explicit {
		c.origin[name] = "flag"
	}
	if !explicit["config"] {
		if v := m.Getenv(envName("config")); v != "" {
			c.path = v
			c.origin["config"] = "env " + envName("config")
		}
	}
	var file map[string]configEntry
	if c.path != "" {
		var err error
		if file, err = readConfig(c.path); err != nil {
			return usageErrorf("%v", err)
		}
		for key, e := range file {
			if key == "config" {
				return usageErrorf("%s:%d: config cannot name another file", c.path, e.line)
			}
			if fs.Lookup(key) == nil && (known == nil || !known(key)) {
				return usageErrorf("%s:%d: unknown key %q: not a flag of %s", c.path, e.line, key, fs.Name())
			}
		}
	}
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if explicit[f.Name] || f.Name == "config" {
			return
		}
		for _, env := range envNames(f.Name) {
			if v := m.Getenv(env); v != "" {
				if err := f.Value.Set(v); err != nil {
					errs = append(errs, fmt.Errorf("$%s: invalid value for --%s: %w", env, f.Name, err))
				}
				c.origin[f.Name] = "env " + env
				return
			}
		}
		if e, ok := file[f.Name]; ok {
			if err := f.Value.Set(e.value); err != nil {
				errs = append(errs, fmt.Errorf("%s:%d: invalid value for %s: %w", c.path, e.line, f.Name, err))
			}
			c.origin[f.Name] = fmt.Sprintf("file %s:%d", c.path, e.line)
		}
	})
	if err := errors.Join(errs...); err != nil {
		return usageError{err}
	}
	return nil
}

type configEntry struct {
	value string
	line  int
}

// readConfig reads a configuration file: `key = value` lines, blank lines
// and # comments; a value may be a double-quoted string (Go/TOML escapes),
// else it runs to the end of the line or to a " #" comment. It is a subset
// of TOML for flat files, so editors highlight it.
func readConfig(path string) (map[string]configEntry, error) {
	// Checked before opening: opening a FIFO blocks until a writer comes.
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("config %s: not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	defer func() { _ = f.Close() }() // read-only
	if opened, err := f.Stat(); err != nil || !os.SameFile(fi, opened) {
		return nil, fmt.Errorf("config %s: changed while opened", path)
	}
	b, err := io.ReadAll(io.LimitReader(f, maxConfigBytes+1))
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if len(b) > maxConfigBytes {
		return nil, fmt.Errorf("config %s: larger than %d bytes", path, maxConfigBytes)
	}
	return parseConfig(path, b)
}

func parseConfig(path string, b []byte) (map[string]configEntry, error) {
	out := map[string]configEntry{}
	for i, line := range bytes.Split(b, []byte("\n")) {
		n := i + 1
		if len(line) > maxConfigLine {
			return nil, fmt.Errorf("%s:%d: line longer than %d bytes", path, n, maxConfigLine)
		}
		if !utf8.Valid(line) || bytes.IndexByte(line, 0) >= 0 {
			return nil, fmt.Errorf("%s:%d: not text (a configuration file is UTF-8 text)", path, n)
		}
		s := strings.TrimSpace(strings.TrimSuffix(string(line), "\r"))
		if s == "" || s[0] == '#' {
			continue
		}
		if s[0] == '[' {
			return nil, fmt.Errorf("%s:%d: sections are not supported: every key is a flag name", path, n)
		}
		key, raw, ok := strings.Cut(s, "=")
		key = strings.Trim(strings.TrimSpace(key), `"`)
		if !ok || key == "" || strings.ContainsAny(key, " \t") {
			return nil, fmt.Errorf("%s:%d: want key = value", path, n)
		}
		value, err := configValue(strings.TrimSpace(raw))
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %s: %w", path, n, key, err)
		}
		if prev, dup := out[key]; dup {
			return nil, fmt.Errorf("%s:%d: %s set again (first on line %d)", path, n, key, prev.line)
		}
		out[key] = configEntry{value: value, line: n}
	}
	return out, nil
}

// configValue is a value as written: a quoted string unquoted, else the
// bare text before any comment.
func configValue(raw string) (string, error) {
	if strings.HasPrefix(raw, `"`) {
		end := closingQuote(raw)
		if end < 0 {
			return "", errors.New("unterminated string")
		}
		v, err := strconv.Unquote(raw[:end+1])
		if err != nil {
			return "", fmt.Errorf("bad string: %w", err)
		}
		if rest := strings.TrimSpace(raw[end+1:]); rest != "" && rest[0] != '#' {
			return "", fmt.Errorf("unexpected %q after the string", rest)
		}
		return v, nil
	}
	if i := strings.Index(raw, " #"); i >= 0 {
		raw = raw[:i]
	}
	if strings.HasPrefix(raw, "[") || strings.HasPrefix(raw, "{") {
		return "", errors.New("lists and tables are not supported: write a comma-separated string")
	}
	return strings.TrimSpace(raw), nil
}

// closingQuote is the index of the quote that ends the string s opens.
func closingQuote(s string) int {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}

// serveKeys reports whether key is a flag of serve: a file made for serve
// may be given to the admin commands, which ignore serve's other keys.
func (m Main) serveKeys() func(string) bool {
	fs := m.newFlagSet("serve")
	m.serveFlags(fs)
	return func(key string) bool { return fs.Lookup(key) != nil }
}
