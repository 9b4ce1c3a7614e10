import { describe, expect, it } from "vitest";
import { auditVariables, localToISO } from "./auditFilters";

const empty = { action: "", actor: "", outcome: "", since: "", until: "" };

describe("auditVariables", () => {
  it.each([
    ["nothing", empty, { first: 25 }],
    ["action lower-cased", { ...empty, action: " Share. " }, { first: 25, action: "share." }],
    ["actor kept", { ...empty, actor: " ana@fiu.example " }, { first: 25, actor: "ana@fiu.example" }],
    ["outcome", { ...empty, outcome: "DENIED" }, { first: 25, outcome: "DENIED" }],
    ["window in UTC+2", { ...empty, since: "2026-12-07T10:00", until: "2026-12-07T11:30" }, { first: 25, since: "2026-12-07T08:00:00Z", until: "2026-12-07T09:30:00Z" }],
  ])("%s", (_name, form, want) => {
    expect(auditVariables(form, -120)).toEqual(want);
  });

  it.each([
    ["action", { ...empty, action: "sign in" }, "Action"],
    ["outcome", { ...empty, outcome: "MAYBE" }, "Outcome"],
    ["since", { ...empty, since: "yesterday" }, "Since"],
    ["window", { ...empty, since: "2026-12-07T10:00", until: "2026-12-07T09:00" }, "Until is before since"],
  ])("refuses a bad %s", (_name, form, word) => {
    const got = auditVariables(form, 0);
    expect("error" in got && got.error).toContain(word);
  });
});

describe("localToISO", () => {
  it("reads seconds and refuses other text", () => {
    expect(localToISO("2026-01-02T03:04:05", 0)).toBe("2026-01-02T03:04:05Z");
    expect(localToISO("2026-01-02", 0)).toBeUndefined();
  });
});
