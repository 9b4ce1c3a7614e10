import { describe, expect, it } from "vitest";
import { linkToken, shareLive } from "./shareApi";

describe("linkToken", () => {
  it.each([
    ["#link=rts1.kabc.cGF5bG9hZA.bWFj", "rts1.kabc.cGF5bG9hZA.bWFj"],
    ["link=rts1.k.p.m", "rts1.k.p.m"],
    ["#case=abc", null],
    ["#link=", null],
    ["#link=a b", null],
    ["#link=<script>", null],
    [`#link=${"a".repeat(513)}`, null],
  ])("%s", (hash, want) => {
    expect(linkToken(hash)).toBe(want);
  });
});

describe("shareLive", () => {
  const now = Date.parse("2026-12-07T12:00:00Z");
  it.each([
    [{ expiresAt: "2026-12-08T00:00:00Z", revokedAt: null }, true],
    [{ expiresAt: "2026-12-07T11:59:59Z", revokedAt: null }, false],
    [{ expiresAt: "2026-12-08T00:00:00Z", revokedAt: "2026-12-07T10:00:00Z" }, false],
  ])("%o", (s, want) => {
    expect(shareLive(s, now)).toBe(want);
  });
});
