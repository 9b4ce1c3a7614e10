package e2e

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// neo4j is a Neo4j server of this test's own, started with the project's
// script in a state directory of its own, so that the test can kill it
// without disturbing the shared instance other packages test against.
type neo4j struct {
	t     *testing.T
	state string
	port  int
	uri   string
}

func startNeo4j(t *testing.T) *neo4j {
	t.Helper()
	if os.Getenv("REDTHREAD_SKIP_NEO4J") == "1" {
		t.Skip("REDTHREAD_SKIP_NEO4J=1: Neo4j tests explicitly disabled")
	}
	n := &neo4j{t: t, state: t.TempDir(), port: freePort(t)}
	n.start()
	t.Cleanup(func() {
		cmd := n.script("stop")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("neo4j stop: %v\n%s", err, out)
		}
	})
	return n
}

func (n *neo4j) script(arg string) *exec.Cmd {
	cmd := exec.Command(filepath.Join("..", "scripts", "neo4j.sh"), arg)
	cmd.Env = append(os.Environ(),
		"NEO4J_STATE_DIR="+n.state,
		"NEO4J_PORT="+strconv.Itoa(n.port),
		"NEO4J_HEAP=512m",
	)
	return cmd
}

// start runs `neo4j.sh start` and waits for the URI it prints.
func (n *neo4j) start() {
	n.t.Helper()
	cmd := n.script("start")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		n.t.Fatalf("neo4j start: %v\n%s", err, stderr.String())
	}
	for _, line := range strings.Split(string(out), "\n") {
		if uri, ok := strings.CutPrefix(line, "NEO4J_URI="); ok {
			n.uri = strings.TrimSpace(uri)
		}
	}
	if n.uri == "" {
		n.t.Fatalf("neo4j start printed no NEO4J_URI:\n%s\n%s", out, stderr.String())
	}
	if want := "bolt://127.0.0.1:" + strconv.Itoa(n.port); n.uri != want {
		n.t.Fatalf("neo4j started at %s, want %s (the restart must reuse the port)", n.uri, want)
	}
}

// kill9 kills the Neo4j JVM without warning and waits until its port is
// closed: a crash, not a shutdown.
func (n *neo4j) kill9() {
	n.t.Helper()
	raw, err := os.ReadFile(filepath.Join(n.state, "neo4j.pid"))
	if err != nil {
		n.t.Fatalf("neo4j pid file: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil {
		n.t.Fatalf("neo4j pid file: %v", err)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		n.t.Fatalf("kill -9 %d: %v", pid, err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(n.port), time.Second)
		if err != nil {
			return
		}
		c.Close()
		if time.Now().After(deadline) {
			n.t.Fatalf("Neo4j port %d still open 30s after kill -9", n.port)
		}
		time.Sleep(100 * time.Millisecond) //nolint:forbidigo // polling interval, bounded by the deadline
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// answers are the walking skeleton's questions, asked of one server.
type answers struct {
	stats       stats
	search      map[string][]string // query → IDs in rank order
	lazarusPath int                 // length of Lazarus → exchange (BOTH)
	personaPath map[string]int      // persona → length of its path to the Laos company
}

func ask(t *testing.T, s *server) answers {
	t.Helper()
	a := answers{stats: s.stats(), search: map[string][]string{}, personaPath: map[string]int{}}
	for _, q := range []string{"Lazarus", "Russian", "Laos", "persona", "wallet", "coincheck"} {
		for _, n := range s.search(q) {
			a.search[q] = append(a.search[q], n.ID)
		}
	}
	lazarus := "threat_group:lazarus-group"
	exchange := first(t, s.search("Russian"), "SERVICE").ID
	p := s.shortestPath(lazarus, exchange, "BOTH")
	checkPath(t, p, lazarus, exchange)
	a.lazarusPath = p.Length
	laos := first(t, s.search("Laos", "ORGANIZATION"), "ORGANIZATION").ID
	for _, persona := range s.search("persona", "PERSON") {
		p := s.shortestPath(persona.ID, laos, "BOTH")
		checkPath(t, p, persona.ID, laos)
		a.personaPath[persona.ID] = p.Length
	}
	if len(a.personaPath) == 0 {
		t.Fatal("no personas found")
	}
	return a
}

func sameAnswers(t *testing.T, what string, got, want answers) {
	t.Helper()
	if got.stats != want.stats {
		t.Errorf("%s: stats %+v, embedded %+v", what, got.stats, want.stats)
	}
	if got.lazarusPath != want.lazarusPath {
		t.Errorf("%s: Lazarus → exchange in %d hops, embedded %d", what, got.lazarusPath, want.lazarusPath)
	}
	for id, l := range want.personaPath {
		if got.personaPath[id] != l {
			t.Errorf("%s: %s → Laos company in %d hops, embedded %d", what, id, got.personaPath[id], l)
		}
	}
	for q, ids := range want.search {
		if strings.Join(got.search[q], " ") != strings.Join(ids, " ") {
			t.Errorf("%s: search %q gave %v, embedded %v", what, q, got.search[q], ids)
		}
	}
}

// TestNeo4jServeMatchesEmbeddedAndSurvivesACrash runs `serve --store neo4j
// --demo` against a real Neo4j, checks it answers as the embedded store
// does, kills Neo4j with SIGKILL under the running server, checks that the
// API answers with coded errors meanwhile, restarts Neo4j and checks that the
// same server answers correctly again.
func TestNeo4jServeMatchesEmbeddedAndSurvivesACrash(t *testing.T) {
	db := startNeo4j(t)
	bin := binary(t)

	emb := serve(t, bin, t.TempDir(), "--demo")
	want := ask(t, emb)
	emb.stop()

	s := serve(t, bin, t.TempDir(), "--demo", "--store", "neo4j", "--neo4j-uri", db.uri, "--query-timeout", "5s")
	sameAnswers(t, "neo4j", ask(t, s), want)

	db.kill9()
	t.Run("while Neo4j is down", func(t *testing.T) {
		_, errs := s.try(`{ stats { nodes edges } }`, nil)
		if len(errs) == 0 {
			t.Fatal("stats answered with Neo4j down")
		}
		if code := errs[0].Extensions["code"]; code != "UNAVAILABLE" {
			t.Fatalf("error code %v (%s), want UNAVAILABLE", code, errs[0].Message)
		}
		resp, err := http.Get(s.url + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("healthz answered %d with Neo4j down, want 503", resp.StatusCode)
		}
	})

	db.start()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for {
		data, errs := s.try(`{ stats { nodes edges } }`, nil)
		if len(errs) == 0 && strings.Contains(string(data), `"nodes":`+strconv.Itoa(want.stats.Nodes)) {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("server did not recover within 2 minutes of Neo4j's restart: %s %+v\n%s", data, errs, s.logs)
		}
		time.Sleep(200 * time.Millisecond) //nolint:forbidigo // polling interval, bounded by the deadline
	}
	sameAnswers(t, "neo4j after restart", ask(t, s), want)
}
