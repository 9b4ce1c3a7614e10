package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph"
)

// Ingest over the API: the job's agency owns what it loads (a file cannot
// give its facts to another agency), a RED source without a user goes to
// the ingesting user, jobs and their same-actor pairs are their agency's.

const accessJobFields = `id state error path format rejected sameActors { candidates toReview summary pairs { a b labelA labelB } truncated reason }`

// writeIngestFiles puts a's and c's files into dir and returns their names.
func (f *accessFixture) writeIngestFiles(t *testing.T, dir string) (aFile, cFile string) {
	t.Helper()
	sfx, S := f.g.sfx, strings.ToUpper(f.g.sfx[:1])+f.g.sfx[1:]
	aFile, cFile = "a-"+sfx+".jsonl", "c-"+sfx+".jsonl"
	files := map[string]string{
		// Claims b's ownership, and a RED source with no user.
		aFile: `{"type":"node","kind":"ORGANIZATION","key":"` + sfx + `-ingested","label":"Ingestedco` + S + ` Claimed","props":{"note":"ingestprop-` + sfx + `"},"sources":[{"dataset":"mx-ingest-` + sfx + `","marking":"TLP:AMBER","agency":"` + f.agency["b"] + `"}]}
{"type":"node","kind":"ORGANIZATION","key":"` + sfx + `-ingestedred","label":"Ingestred` + S + ` Mine","sources":[{"dataset":"mx-ingestred-` + sfx + `","marking":"TLP:RED"}]}
`,
		// An organisation whose name folds as acme1's and acme2's do.
		cFile: `{"type":"node","kind":"ORGANIZATION","key":"` + sfx + `-acme-inc","label":"Acme` + S + ` Group Inc","sources":[{"dataset":"mx-cjob-` + sfx + `"}]}
`,
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// What the jobs should write, for the oracle.
	a, c := f.agency["a"], f.agency["c"]
	f.g.sources["ingA"] = graph.Source{Dataset: "mx-ingest-" + sfx, Marking: graph.TLPAmber, Agency: a}
	f.g.sources["ingRed"] = graph.Source{Dataset: "mx-ingestred-" + sfx, Marking: graph.TLPRed, Agency: a, User: f.who["a.analyst"].user}
	f.g.sources["ingC"] = graph.Source{Dataset: "mx-cjob-" + sfx, Marking: graph.TLPAmber, Agency: c} // startIngest defaults to AMBER
	f.g.node("ing", "ingA", graph.Node{Kind: graph.KindOrganization, Key: sfx + "-ingested", Label: "Ingestedco" + S + " Claimed", Props: graph.Props{"note": "ingestprop-" + sfx}})
	f.g.node("ingred", "ingRed", graph.Node{Kind: graph.KindOrganization, Key: sfx + "-ingestedred", Label: "Ingestred" + S + " Mine"})
	f.g.node("ingc", "ingC", graph.Node{Kind: graph.KindOrganization, Key: sfx + "-acme-inc", Label: "Acme" + S + " Group Inc"})
	return aFile, cFile
}

// ingest runs a job as principal as and waits for its end.
func (f *accessFixture) ingest(t *testing.T, as, path string) string {
	t.Helper()
	_, body := f.gql(t, as, `mutation($p: String!) { startIngest(format: "native", path: $p) { id state } }`, map[string]any{"p": path})
	var d struct{ StartIngest, IngestJob struct{ ID, State string } }
	data(t, body, &d)
	j := d.StartIngest
	for deadline := time.Now().Add(60 * time.Second); j.State == "QUEUED" || j.State == "RUNNING"; {
		if time.Now().After(deadline) {
			t.Fatalf("job %s still %s after 60 s", j.ID, j.State)
		}
		time.Sleep(20 * time.Millisecond) //nolint:forbidigo // polling interval, bounded by the deadline
		_, body := f.gql(t, as, `query($id: ID!) { ingestJob(id: $id) { id state } }`, map[string]any{"id": j.ID})
		data(t, body, &d)
		j = d.IngestJob
	}
	if j.State != "SUCCEEDED" {
		t.Fatalf("job %s: %s", j.ID, j.State)
	}
	return j.ID
}

// ingestCases runs a's and c's jobs, then asks about them.
func ingestCases(t *testing.T, f *accessFixture) []accessCase {
	aFile, cFile := f.writeIngestFiles(t, f.importDir)
	f.g.id["jobA"] = f.ingest(t, "a.analyst", aFile)
	f.g.id["jobC"] = f.ingest(t, "c.analyst", cFile)
	f.g.id["fileA"] = aFile
	v := func(k string, x any) map[string]any { return map[string]any{k: x} }
	job := `query($id: ID!) { ingestJob(id: $id) { ` + accessJobFields + ` } }`
	return []accessCase{
		{name: "ingest: a file cannot give its facts to another agency", as: "b.analyst", query: qNode, vars: v("id", f.id("ing")), twin: "ing", check: wantNull("node")},
		{name: "ingest: the job's agency owns what it loads (control)", as: "a.viewer", query: qNode, vars: v("id", f.id("ing")), check: wantLabel("node", "Ingestedco")},
		{name: "ingest: RED without a user goes to the ingesting user only", as: "a.viewer", query: qNode, vars: v("id", f.id("ingred")), twin: "ingred", check: wantNull("node")},
		{name: "ingest: RED, the ingesting user (control)", as: "a.analyst", query: qNode, vars: v("id", f.id("ingred")), check: wantLabel("node", "Ingestred")},
		{name: "ingest: another agency's job", as: "b.analyst", query: job, vars: v("id", f.id("jobA")), twin: "jobA", absent: []string{"fileA"}, check: wantNull("ingestJob")},
		{name: "ingest: another agency's jobs", as: "b.admin", query: `{ ingestJobs { ` + accessJobFields + ` } }`, absent: []string{"jobA", "fileA"}},
		{name: "ingest: the agency's jobs (control)", as: "a.viewer", query: `{ ingestJobs { id path } }`, check: wantContains(f.id("jobA"))},
		{name: "ingest: another agency's job's progress", as: "b.analyst", send: progress("b.analyst"), status: -1, code: "*", twin: "jobA", absent: []string{"fileA"}},
		{name: "ingest: same-actor pairs of a job name no hidden entity", as: "c.analyst", query: job, vars: v("id", f.id("jobC")), check: wantContains(f.id("acme1"))},
	}
}

// progress subscribes to a's job's progress over server-sent events as
// principal as, for at most a few seconds.
func progress(as string) func(t *testing.T, f *accessFixture, _ *strings.Replacer) (int, string) {
	return func(t *testing.T, f *accessFixture, r *strings.Replacer) (int, string) {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		b, _ := json.Marshal(map[string]any{"query": `subscription($id: ID!) { ingestProgress(id: $id) { id state path } }`, "variables": map[string]any{"id": rewrite(r, f.id("jobA"))}})
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.ts.URL+"/graphql", strings.NewReader(string(b)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "text/event-stream")
		req.Header.Set("Authorization", "Bearer "+f.tok[as])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := resp.Body.Read(buf)
			out.Write(buf[:n])
			if err != nil {
				break
			}
		}
		return resp.StatusCode, withoutRequestID(resp, out.String())
	}
}
