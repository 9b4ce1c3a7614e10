package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// genFile is one file `redthread generate` wrote, with the ingest format
// it names for it ("-" for none).
type genFile struct{ name, format string }

// generateLine is a line of generate's listing: NAME FORMAT BYTES bytes RECORDS records.
var generateLine = regexp.MustCompile(`^(\S+)\s+(\S+)\s+[\d,]+ bytes`)

// generate runs `redthread generate` into dir and returns the files it
// lists.
func generate(ctx context.Context, bin, scale string, seed uint64, dir string) ([]genFile, error) {
	out, err := exec.CommandContext(ctx, bin, "generate", "--scale", scale, "--seed", strconv.FormatUint(seed, 10), "--out", dir).Output()
	if err != nil {
		return nil, fmt.Errorf("generate: %w", cmdErr(err))
	}
	var files []genFile
	for line := range strings.SplitSeq(string(out), "\n") {
		if m := generateLine.FindStringSubmatch(line); m != nil {
			files = append(files, genFile{m[1], m[2]})
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("generate listed no files:\n%s", out)
	}
	return files, nil
}

// ingest loads the generated files into a store with `redthread ingest`,
// each in its format.
func ingest(ctx context.Context, bin string, storeArgs []string, dir string, files []genFile) error {
	for _, f := range files {
		if f.format == "-" {
			continue
		}
		args := append(append([]string{"ingest"}, storeArgs...), "--format", f.format, filepath.Join(dir, f.name))
		if out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput(); err != nil {
			return fmt.Errorf("ingest %s: %w\n%s", f.name, err, tail(out, 2000))
		}
	}
	return nil
}

func cmdErr(err error) error {
	var ee *exec.ExitError
	if errors.As(err, &ee) && len(ee.Stderr) > 0 {
		return fmt.Errorf("%w: %s", err, tail(ee.Stderr, 2000))
	}
	return err
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// serverProc is a running `redthread serve`.
type serverProc struct {
	cmd     *exec.Cmd
	url     string // http://HOST:PORT
	varsURL string // the debug listener's /debug/vars
	logPath string
	done    chan struct{} // closed when the process has exited
	exitErr error         // set before done closes
}

var (
	listeningLine = regexp.MustCompile(`listening on (http://\S+)`)
	debugLine     = regexp.MustCompile(`debug listener on (http://\S+)`)
)

// startServer starts `redthread serve` on free loopback ports, the debug
// listener on, with args (store flags and any extra), logging to logPath;
// it returns once /healthz answers.
// adminToken is the REDTHREAD_ADMIN_TOKEN of the servers the load starts.
const adminToken = "load-admin-token-0123456789abcdef"

func startServer(ctx context.Context, bin string, args []string, logPath string) (*serverProc, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	full := append([]string{"serve", "--addr", "127.0.0.1:0", "--debug-addr", "127.0.0.1:0", "--log-level", "warn"}, args...)
	cmd := exec.Command(bin, full...)
	// Every request needs credentials: the load sends this token.
	cmd.Env = append(os.Environ(), "REDTHREAD_ADMIN_TOKEN="+adminToken)
	cmd.Stderr = logf
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		_ = logf.Close() // nothing written yet
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		_ = logf.Close() // nothing written yet
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	s := &serverProc{cmd: cmd, logPath: logPath, done: make(chan struct{})}
	addrs := make(chan [2]string, 1)
	var copying sync.WaitGroup
	copying.Go(func() {
		// Read the addresses, then pass the rest of stdout to the log.
		var found [2]string
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(logf, line)
			if m := debugLine.FindStringSubmatch(line); m != nil {
				found[1] = m[1]
			}
			if m := listeningLine.FindStringSubmatch(line); m != nil {
				found[0] = m[1]
				addrs <- found
				break
			}
		}
		_, _ = io.Copy(logf, stdout)
	})
	go func() {
		copying.Wait() // Wait closes stdout: read it all first
		s.exitErr = cmd.Wait()
		_ = logf.Close() // the server's log, for people: the run's answer does not depend on it
		close(s.done)
	}()
	select {
	case a := <-addrs:
		s.url, s.varsURL = a[0], a[1]
	case <-s.done:
		return nil, fmt.Errorf("serve exited before listening (%v): %s", s.exitErr, s.logTail())
	case <-time.After(2 * time.Minute):
		s.kill()
		return nil, fmt.Errorf("serve did not listen within 2 minutes: %s", s.logTail())
	case <-ctx.Done():
		s.kill()
		return nil, ctx.Err()
	}
	if s.varsURL == "" {
		s.kill()
		return nil, errors.New("serve printed no debug listener: a binary without --debug-addr? (make build)")
	}
	if err := waitHealthy(ctx, s.url+"/healthz", s.done); err != nil {
		s.kill()
		return nil, fmt.Errorf("%w: %s", err, s.logTail())
	}
	return s, nil
}

func waitHealthy(ctx context.Context, url string, done <-chan struct{}) error {
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if res, err := http.Get(url); err == nil {
			_ = res.Body.Close() // the status is the answer
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-done:
			return errors.New("serve exited")
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s did not answer 200 within a minute", url)
}

// exited reports whether the server has exited, and how.
func (s *serverProc) exited() (bool, error) {
	select {
	case <-s.done:
		return true, s.exitErr
	default:
		return false, nil
	}
}

// stop asks the server to shut down (SIGTERM, as an operator would) and
// kills it when it has not within 30 s.
func (s *serverProc) stop() error {
	if done, err := s.exited(); done {
		return fmt.Errorf("the server had exited: %v", err)
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
		return nil
	case <-time.After(30 * time.Second):
		s.kill()
		return errors.New("the server did not stop within 30 s of SIGTERM: killed")
	}
}

func (s *serverProc) kill() {
	_ = s.cmd.Process.Kill()
	<-s.done
}

func (s *serverProc) logTail() string {
	b, _ := os.ReadFile(s.logPath)
	return string(tail(b, 3000))
}

// startNeo4j starts a Neo4j of its own with scripts/neo4j.sh (temporary
// data under dir, a free port) and returns its URI, its process ID (0 when
// unknown) and how to stop it.
func startNeo4j(ctx context.Context, script, dir string) (uri string, pid int, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", 0, nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if err := ln.Close(); err != nil { // free the port for Neo4j
		return "", 0, nil, err
	}
	// The caller's NEO4J_HEAP and NEO4J_PAGECACHE win over these.
	env := append(append([]string{"NEO4J_HEAP=1g", "NEO4J_PAGECACHE=512m"}, os.Environ()...),
		"NEO4J_STATE_DIR="+dir, "NEO4J_TMP_DATA=1", "NEO4J_PORT="+strconv.Itoa(port))
	cmd := exec.CommandContext(ctx, script, "start")
	cmd.Env, cmd.Stderr = env, os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return "", 0, nil, fmt.Errorf("start Neo4j with %s: %w", script, err)
	}
	for line := range strings.SplitSeq(string(out), "\n") {
		if u, ok := strings.CutPrefix(line, "NEO4J_URI="); ok {
			uri = strings.TrimSpace(u)
		}
	}
	stop = func() {
		cmd := exec.Command(script, "stop")
		cmd.Env, cmd.Stderr = env, os.Stderr
		_ = cmd.Run()
	}
	if uri == "" {
		stop()
		return "", 0, nil, fmt.Errorf("%s start printed no NEO4J_URI: %s", script, bytes.TrimSpace(out))
	}
	// The script keeps the JVM's process ID in its state directory.
	if b, err := os.ReadFile(filepath.Join(dir, "neo4j.pid")); err == nil {
		pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
	}
	return uri, pid, stop, nil
}
