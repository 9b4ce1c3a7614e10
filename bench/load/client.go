package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// runSpec is one run: closed-loop clients sending the mix and heavy
// clients sending only heavy money-flow queries beside them.
type runSpec struct{ clients, heavy int }

func (s runSpec) String() string {
	if s.heavy == 0 {
		return fmt.Sprintf("%d clients", s.clients)
	}
	return fmt.Sprintf("%d clients + %d heavy", s.clients, s.heavy)
}

// parseRuns reads "50,200,200+5": clients, and heavy clients after a +.
func parseRuns(s string) ([]runSpec, error) {
	var runs []runSpec
	for part := range strings.SplitSeq(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		c, h, hasHeavy := strings.Cut(part, "+")
		var spec runSpec
		var err error
		if spec.clients, err = strconv.Atoi(strings.TrimSpace(c)); err != nil || spec.clients < 0 {
			return nil, fmt.Errorf("run %q: want CLIENTS or CLIENTS+HEAVY", part)
		}
		if hasHeavy {
			if spec.heavy, err = strconv.Atoi(strings.TrimSpace(h)); err != nil || spec.heavy < 0 {
				return nil, fmt.Errorf("run %q: want CLIENTS or CLIENTS+HEAVY", part)
			}
		}
		if spec.clients+spec.heavy == 0 {
			return nil, fmt.Errorf("run %q: no clients", part)
		}
		runs = append(runs, spec)
	}
	if len(runs) == 0 {
		return nil, errors.New("no runs")
	}
	return runs, nil
}

// pacing is how clients send.
type pacing struct {
	warmup, duration time.Duration // requests started in the warm-up are not recorded
	think            time.Duration // pause after each answer
	retryAfterCap    time.Duration // honour Retry-After up to this; 0 ignores it
	requestTimeout   time.Duration
	seed             uint64
}

// loader sends GraphQL requests to one server.
type loader struct {
	client *http.Client // setup requests
	// clientFor returns the HTTP client of simulated investigator i: each
	// comes from its own loopback address, as investigators come from
	// their own machines, so the server's per-client admission sees them
	// apart. Nil: every investigator shares client.
	clientFor func(i int) *http.Client

	url     string // the /graphql endpoint
	targets *targets
	mix     picker
	caseID  string
}

// run drives spec's clients for p's warm-up and duration and returns their
// merged results. Requests started before the end are waited for, so the
// last ones of each client are counted.
func (l *loader) run(ctx context.Context, spec runSpec, p pacing) *recorder {
	start := time.Now()
	measureFrom, end := start.Add(p.warmup), start.Add(p.warmup+p.duration)
	recs := make([]*recorder, spec.clients+spec.heavy)
	var wg sync.WaitGroup
	for i := range recs {
		recs[i] = newRecorder()
		heavy := i >= spec.clients
		r := rand.New(rand.NewPCG(p.seed, uint64(i)))
		hc := l.client
		if l.clientFor != nil {
			hc = l.clientFor(i)
		}
		wg.Go(func() {
			var buf bytes.Buffer
			for ctx.Err() == nil && time.Now().Before(end) {
				op := opHeavy
				if !heavy {
					op = l.mix.pick(r)
				}
				began := time.Now()
				res, retryAfter := l.do(ctx, hc, l.targets.request(op, r, l.caseID), p.requestTimeout, &buf)
				if !began.Before(measureFrom) && ctx.Err() == nil {
					recs[i].add(res)
				}
				wait := p.think
				if p.retryAfterCap > 0 && retryAfter > 0 {
					wait = max(wait, min(retryAfter, p.retryAfterCap))
				}
				sleepUntil(ctx, time.Now().Add(wait), end)
			}
		})
	}
	wg.Wait()
	all := newRecorder()
	for _, rc := range recs {
		all.merge(rc)
	}
	return all
}

// sleepUntil sleeps until t, or the end, or ctx's, whichever comes first.
func sleepUntil(ctx context.Context, t, end time.Time) {
	d := time.Until(t)
	if e := time.Until(end); e < d {
		d = e
	}
	if d <= 0 {
		return
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
	case <-timer.C:
	}
}

// gqlErrors is what the load reads of an answer: its errors' codes.
type gqlErrors struct {
	Errors []struct {
		Extensions struct {
			Code string `json:"code"`
		} `json:"extensions"`
	} `json:"errors"`
}

// do sends one request and reads the whole answer (the latency is to its
// last byte) into buf. It returns the result and the Retry-After delay the
// server asked for, if any.
func (l *loader) do(ctx context.Context, hc *http.Client, rq request, timeout time.Duration, buf *bytes.Buffer) (result, time.Duration) {
	res := result{op: rq.op}
	body, err := json.Marshal(map[string]any{"query": rq.query, "variables": rq.vars})
	if err != nil {
		panic(err) // the load's own values always marshal
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	began := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.url, bytes.NewReader(body))
	if err != nil {
		panic(err) // a fixed, valid URL
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/graphql-response+json, application/json")
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := hc.Do(req)
	if err != nil {
		res.latency, res.codes = time.Since(began), []string{"TRANSPORT"}
		return res, 0
	}
	defer func() { _ = resp.Body.Close() }() // read to the end: nothing left to report
	buf.Reset()
	_, err = buf.ReadFrom(resp.Body)
	res.latency, res.status = time.Since(began), resp.StatusCode
	if err != nil {
		res.codes = []string{"TRANSPORT"}
		return res, 0
	}
	res.codes = errorCodes(resp.StatusCode, buf.Bytes())
	return res, retryAfter(resp.Header.Get("Retry-After"))
}

// errorCodes returns the distinct codes of an answer's GraphQL errors. Most answers
// have none: only those that mention errors are decoded.
func errorCodes(status int, body []byte) []string {
	if !bytes.Contains(body, []byte(`"errors"`)) {
		if status == http.StatusOK && !json.Valid(body) {
			return []string{"BAD_JSON"}
		}
		return nil
	}
	var e gqlErrors
	if err := json.Unmarshal(body, &e); err != nil {
		if status == http.StatusOK {
			return []string{"BAD_JSON"}
		}
		return nil // a plain-text rejection: its status says it
	}
	codes := make([]string, 0, len(e.Errors))
	for _, x := range e.Errors {
		codes = append(codes, cmp.Or(x.Extensions.Code, "NO_CODE"))
	}
	// An answer counts once per code: a deadline hit inside a list reports
	// one error per element.
	slices.Sort(codes)
	return slices.Compact(codes)
}

// retryAfter reads a Retry-After header given in seconds (the HTTP-date
// form is not one a server under load sends for a sub-minute wait).
func retryAfter(h string) time.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(h))
	if err != nil || n < 0 {
		return 0
	}
	return time.Duration(n) * time.Second
}

// post sends one GraphQL request and decodes its data into out; for the
// setup requests (saving the case, counting the graph), which must work.
func (l *loader) post(ctx context.Context, query string, vars map[string]any, out any) error {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := l.client.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }() // read to the end: nothing left to report
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var env struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(b, &env); err != nil || resp.StatusCode != http.StatusOK || len(env.Errors) > 0 {
		return fmt.Errorf("%s: %.300s", resp.Status, b)
	}
	return json.Unmarshal(env.Data, out)
}

// saveCase saves the case the case-load requests read, built from targets.
func (l *loader) saveCase(ctx context.Context) error {
	var out struct{ SaveCase struct{ ID string } }
	vars := map[string]any{"name": "load test", "view": l.targets.caseView(150)}
	if err := l.post(ctx, saveCaseMutation, vars, &out); err != nil {
		return fmt.Errorf("save the case: %w", err)
	}
	l.caseID = out.SaveCase.ID
	return nil
}

// graphSize is the served graph's node and edge counts.
type graphSize struct{ Nodes, Edges int }

func (l *loader) graphSize(ctx context.Context) (graphSize, error) {
	var out struct{ Stats graphSize }
	if err := l.post(ctx, statsQuery, nil, &out); err != nil {
		return graphSize{}, fmt.Errorf("stats: %w", err)
	}
	return out.Stats, nil
}
