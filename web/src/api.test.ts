import { describe, expect, it } from "vitest";
import { ApiError, FLOW_QUERY, NEIGHBORS_QUERY, RedthreadClient, SAVE_CASE_MUTATION, type FetchFn } from "./api";

interface Call {
  url: string;
  init: RequestInit;
}

function fakeFetch(status: number, body: string, contentType = "application/graphql-response+json", headers: Record<string, string> = {}): { fetch: FetchFn; calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    fetch: (url, init) => {
      calls.push({ url, init });
      return Promise.resolve(new Response(body, { status, headers: { "Content-Type": contentType, ...headers } }));
    },
  };
}

describe("RedthreadClient", () => {
  it("POSTs the query and variables as JSON to /graphql and returns data", async () => {
    const f = fakeFetch(200, JSON.stringify({ data: { stats: { nodes: 7, edges: 9 } } }));
    const c = new RedthreadClient({ fetch: f.fetch });
    await expect(c.stats()).resolves.toEqual({ nodes: 7, edges: 9 });
    expect(f.calls).toHaveLength(1);
    const call = f.calls[0]!;
    expect(call.url).toBe("/graphql");
    expect(call.init.method).toBe("POST");
    expect((call.init.headers as Record<string, string>)["Content-Type"]).toBe("application/json");
    const sent = JSON.parse(call.init.body as string) as { query: string; variables: unknown };
    expect(sent.query.replace(/\s+/g, " ")).toContain("stats { nodes edges }");
    expect(sent.variables).toEqual({});
  });

  it("sends the session's CSRF token on every POST, and none without one", async () => {
    const f = fakeFetch(200, JSON.stringify({ data: { stats: { nodes: 7, edges: 9 } } }));
    await new RedthreadClient({ fetch: f.fetch, csrf: () => Promise.resolve("tok") }).stats();
    await new RedthreadClient({ fetch: f.fetch, csrf: () => Promise.resolve(undefined) }).stats();
    expect(f.calls.map((c) => (c.init.headers as Record<string, string>)["X-CSRF-Token"])).toEqual(["tok", undefined]);
  });

  it("tells the app about a 401 and rejects with its code", async () => {
    const f = fakeFetch(401, JSON.stringify({ errors: [{ message: "sign in, or send a token", extensions: { code: "UNAUTHENTICATED" } }] }));
    let away = 0;
    const c = new RedthreadClient({ fetch: f.fetch, unauthenticated: () => { away++; } });
    await expect(c.stats()).rejects.toMatchObject({ code: "UNAUTHENTICATED", status: 401 });
    expect(away).toBe(1);
  });

  it("sends the neighbour defaults the UI relies on", async () => {
    const f = fakeFetch(200, JSON.stringify({ data: { neighbors: { nodes: [], edges: [], truncated: true, reason: "limit" } } }));
    const c = new RedthreadClient({ fetch: f.fetch });
    const sub = await c.neighbors("threat_group:lazarus-group");
    expect(sub.truncated).toBe(true);
    const sent = JSON.parse(f.calls[0]!.init.body as string) as { query: string; variables: unknown };
    expect(sent.query).toBe(NEIGHBORS_QUERY.toString());
    expect(sent.variables).toEqual({ id: "threat_group:lazarus-group", depth: 1, direction: "BOTH", limit: 50 });
  });

  it("sends expansion filters and leaves unset ones to the server", async () => {
    const body = JSON.stringify({ data: { neighbors: { nodes: [], edges: [], truncated: false, reason: null } } });
    const tests: { name: string; opts: Parameters<RedthreadClient["neighbors"]>[1]; want: Record<string, unknown> }[] = [
      {
        name: "every filter",
        opts: { direction: "OUT", edgeKinds: ["TRANSFER"], nodeKinds: ["WALLET"], since: "2018-01-26T00:00:00Z", until: "2018-02-01T00:00:00Z", minAmount: 10000, limit: 500, depth: 2 },
        want: { id: "x", direction: "OUT", edgeKinds: ["TRANSFER"], nodeKinds: ["WALLET"], since: "2018-01-26T00:00:00Z", until: "2018-02-01T00:00:00Z", minAmount: 10000, limit: 500, depth: 2 },
      },
      { name: "empty lists dropped", opts: { edgeKinds: [], nodeKinds: [] }, want: { id: "x", depth: 1, direction: "BOTH", limit: 50 } },
      { name: "zero amount kept", opts: { minAmount: 0 }, want: { id: "x", depth: 1, direction: "BOTH", limit: 50, minAmount: 0 } },
    ];
    for (const tt of tests) {
      const f = fakeFetch(200, body);
      await new RedthreadClient({ fetch: f.fetch }).neighbors("x", tt.opts);
      const sent = JSON.parse(f.calls[0]!.init.body as string) as { variables: unknown };
      expect(sent.variables, tt.name).toEqual(tt.want);
    }
  });

  it("asks a money flow with its sources and options", async () => {
    const flow = { taint: "FIFO", sources: [], sourceValue: 0, stolen: null, sinks: [], routes: [], routeCount: 0, tainted: [], truncated: false, reason: null };
    const f = fakeFetch(200, JSON.stringify({ data: { moneyFlow: flow } }));
    await expect(new RedthreadClient({ fetch: f.fetch }).moneyFlow(["incident:coincheck-theft"], { taint: "FIFO", maxHops: 8 })).resolves.toEqual(flow);
    const sent = JSON.parse(f.calls[0]!.init.body as string) as { query: string; variables: unknown };
    expect(sent.query).toBe(FLOW_QUERY.toString());
    expect(sent.variables).toEqual({ from: ["incident:coincheck-theft"], taint: "FIFO", maxHops: 8 });
  });

  it("saves a case and reports a conflicting save with its code", async () => {
    const saved = { id: "abc", name: "Coincheck", version: 2, nodeCount: 1, createdAt: "", updatedAt: "", createdBy: null, updatedBy: null, view: {} };
    const ok = fakeFetch(200, JSON.stringify({ data: { saveCase: saved } }));
    await expect(new RedthreadClient({ fetch: ok.fetch }).saveCase({ id: "abc", name: "Coincheck", view: { v: 1 }, expectedVersion: 1 })).resolves.toEqual(saved);
    const sent = JSON.parse(ok.calls[0]!.init.body as string) as { query: string; variables: unknown };
    expect(sent.query).toBe(SAVE_CASE_MUTATION.toString());
    expect(sent.variables).toEqual({ id: "abc", name: "Coincheck", view: { v: 1 }, expectedVersion: 1 });
    const conflict = fakeFetch(200, JSON.stringify({ data: null, errors: [{ message: "case abc is at version 3, not 1", extensions: { code: "CONFLICT" } }] }));
    await expect(new RedthreadClient({ fetch: conflict.fetch }).saveCase({ name: "x", view: {} })).rejects.toMatchObject({ code: "CONFLICT" });
  });

  it("unwraps search hits and paths", async () => {
    const hit = { score: 1, node: { id: "a", kind: "WALLET", label: "A" } };
    const c1 = new RedthreadClient({ fetch: fakeFetch(200, JSON.stringify({ data: { search: { edges: [hit] } } })).fetch });
    await expect(c1.search("a")).resolves.toEqual([hit]);
    const f = fakeFetch(200, JSON.stringify({ data: { shortestPath: { nodes: [], edges: [], length: 0, truncated: false, reason: null } } }));
    const c2 = new RedthreadClient({ fetch: f.fetch });
    await expect(c2.shortestPath("a", "b", { direction: "OUT" })).resolves.toMatchObject({ length: 0 });
    expect(JSON.parse(f.calls[0]!.init.body as string)).toMatchObject({ variables: { from: "a", to: "b", direction: "OUT", maxHops: 6 } });
  });

  it("turns a GraphQL error into an ApiError with message and code", async () => {
    const body = { data: null, errors: [{ message: "node not found: x", path: ["neighbors"], extensions: { code: "NOT_FOUND" } }] };
    const c = new RedthreadClient({ fetch: fakeFetch(200, JSON.stringify(body)).fetch });
    const err = await c.neighbors("x").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ message: "node not found: x", code: "NOT_FOUND", status: 200, path: ["neighbors"] });
  });

  it("keeps the server's request ID on an error, from the header or the error, and only a well-formed one", async () => {
    const err = (id?: string) => JSON.stringify({ errors: [{ message: "no", extensions: { code: "NOT_FOUND", ...(id === undefined ? {} : { requestId: id }) } }] });
    const tests: { name: string; status: number; body: string; headers: Record<string, string>; want: string | undefined }[] = [
      { name: "header", status: 200, body: err(), headers: { "X-Request-Id": "01JZ7-abc" }, want: "01JZ7-abc" },
      { name: "extensions", status: 400, body: err("req.42"), headers: {}, want: "req.42" },
      { name: "header first", status: 200, body: err("other"), headers: { "X-Request-Id": "hdr" }, want: "hdr" },
      { name: "HTTP failure", status: 502, body: "bad gateway", headers: { "X-Request-Id": "gw1" }, want: "gw1" },
      { name: "markup refused", status: 200, body: err("<img src=x onerror=alert(1)>"), headers: {}, want: undefined },
      { name: "oversized refused", status: 200, body: err("x".repeat(65)), headers: {}, want: undefined },
      { name: "none", status: 200, body: err(), headers: {}, want: undefined },
    ];
    for (const tt of tests) {
      const f = fakeFetch(tt.status, tt.body, "application/graphql-response+json", tt.headers);
      const got = await new RedthreadClient({ fetch: f.fetch }).stats().catch((e: unknown) => e);
      expect(got, tt.name).toBeInstanceOf(ApiError);
      expect((got as ApiError).requestId, tt.name).toBe(tt.want);
    }
  });
  it("reads errors from non-2xx GraphQL responses (GraphQL over HTTP)", async () => {
    const body = { errors: [{ message: "limit must be at most 5000", extensions: { code: "INVALID_ARGUMENT" } }] };
    const c = new RedthreadClient({ fetch: fakeFetch(400, JSON.stringify(body)).fetch });
    await expect(c.stats()).rejects.toMatchObject({ code: "INVALID_ARGUMENT", status: 400 });
  });

  it("reports HTTP failures without a GraphQL body", async () => {
    const c = new RedthreadClient({ fetch: fakeFetch(502, "Bad Gateway", "text/plain").fetch });
    await expect(c.stats()).rejects.toMatchObject({ code: "HTTP", status: 502, message: expect.stringContaining("502") as unknown });
  });

  it("reports a 200 that is not GraphQL JSON", async () => {
    const c = new RedthreadClient({ fetch: fakeFetch(200, "<html>UI</html>", "text/html").fetch });
    await expect(c.stats()).rejects.toMatchObject({ code: "BAD_RESPONSE" });
  });

  it("reports network failures", async () => {
    const c = new RedthreadClient({ fetch: () => Promise.reject(new TypeError("Failed to fetch")) });
    await expect(c.stats()).rejects.toMatchObject({ code: "NETWORK", message: "Cannot reach the server: Failed to fetch" });
  });

  it("lets aborts through untouched", async () => {
    const c = new RedthreadClient({ fetch: () => Promise.reject(new DOMException("aborted", "AbortError")) });
    await expect(c.stats()).rejects.toMatchObject({ name: "AbortError" });
  });
});
