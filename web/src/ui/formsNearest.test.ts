import { describe, expect, it } from "vitest";
import { DEFAULT_PATH_PARAMS, checkPathParams, describeTarget, parseTarget, readPathParams } from "./forms";

describe("nearest targets", () => {
  it.each([
    ["sanctioned", { sanctioned: true }],
    ["attributed", { attributed: true }],
    ["program: dprk3 ", { program: "DPRK3" }],
    ["category:Mixer", { category: "mixer" }],
    ["kind:threat group", { kind: "THREAT_GROUP" }],
    ["group:threat_group:lazarus-group", { threatGroup: "threat_group:lazarus-group" }],
  ])("%s", (target, want) => {
    expect(parseTarget(target)).toEqual({ ok: true, value: want });
  });
  it.each([["program:"], ["category: "], ["kind:dragon"], ["group:"], ["anything"], [""]])("refuses %j", (target) => {
    expect(parseTarget(target).ok).toBe(false);
  });
  it("is checked in nearest mode only", () => {
    const p = { ...DEFAULT_PATH_PARAMS, target: "program:" };
    expect(checkPathParams("nearest", p).errors.target).toMatch(/program/);
    expect(checkPathParams("k", p).errors.target).toBeUndefined();
  });
  it("survives a saved case", () => {
    expect(readPathParams({ target: "category:mixer" }).target).toBe("category:mixer");
    expect(readPathParams({}).target).toBe("sanctioned");
  });
  it("reads as words", () => {
    expect(describeTarget("sanctioned")).toBe("sanctioned entity");
    expect(describeTarget("program:DPRK3")).toBe("designation under DPRK3");
  });
});
