import { describe, expect, it } from "vitest";
import { recordingNotify } from "../testing/controllers";
import { Requests } from "./ports";

describe("Requests", () => {
  it("shows a loading notice while a request runs and counts it", async () => {
    const notify = recordingNotify();
    const r = new Requests(notify);
    let release!: () => void;
    const running = r.run("Expanding X", () => new Promise<void>((res) => { release = res; }));
    expect(r.pending).toBe(1);
    expect([...notify.open]).toEqual(["Expanding X…"]);
    release();
    await running;
    expect(r.pending).toBe(0);
    expect(notify.open.size).toBe(0);
  });

  it("shows a failure with a retry that runs the request again", async () => {
    const notify = recordingNotify();
    const r = new Requests(notify);
    let calls = 0;
    await r.run("Finding a path", () => (++calls === 1 ? Promise.reject(new Error("timeout")) : Promise.resolve()));
    const err = notify.told.find((t) => t.kind === "error")!;
    expect(err.text).toBe("Finding a path: timeout");
    expect(r.pending).toBe(0);
    err.retry!();
    await new Promise((res) => setTimeout(res, 0));
    expect(calls).toBe(2);
    expect(notify.told.filter((t) => t.kind === "error").length).toBe(1);
  });

  it("counts a quiet request without a notice and passes its failure on", async () => {
    const notify = recordingNotify();
    const r = new Requests(notify);
    await expect(r.quiet(() => Promise.resolve(7))).resolves.toBe(7);
    await expect(r.quiet(() => Promise.reject(new Error("x")))).rejects.toThrow("x");
    expect(r.pending).toBe(0);
    expect(notify.told).toEqual([]);
  });
});
