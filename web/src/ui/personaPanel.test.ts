import { describe, expect, it } from "vitest";
import { judgementLine, linkKey, typeWords, weight } from "./personaPanel";

describe("persona panel wording", () => {
  it.each([
    ["wallet", "payout wallet"],
    ["ip", "IP address"],
    ["email", "e-mail"],
    ["photo", "photo hash"],
    ["judgement", "analyst judgement"],
    ["carrier-pigeon", "carrier-pigeon"],
  ])("names evidence of type %s as %s", (t, words) => {
    expect(typeWords(t)).toBe(words);
  });

  it.each([
    [0.85, "0.85"],
    [0.3, "0.30"],
    [0.895, "0.90"],
    [1, "1.00"],
    [0, "0.00"],
  ])("writes weight %d as %s", (w, text) => {
    expect(weight(w)).toBe(text);
  });

  it("says who judged what, when and why", () => {
    const at = "2026-12-07T05:52:00Z";
    expect(judgementLine({ decision: "DIFFERENT", by: "ann", reason: "two people", at, edge: "e" })).toMatch(/^Rejected by ann on .+: two people$/);
    expect(judgementLine({ decision: "SAME", by: "bo", reason: "same inbox", at, edge: "e" })).toMatch(/^Confirmed by bo on .+: same inbox$/);
  });

  it("keys a link by its pair, whatever the order", () => {
    expect(linkKey({ a: "person:b", b: "person:a" })).toBe(linkKey({ a: "person:a", b: "person:b" }));
  });
});
