import { describe, expect, it } from "vitest";
import { safeNext } from "./signinNext";

describe("safeNext", () => {
  it.each([
    ["", "/"],
    ["?next=%2Fcase%2F42%3Fx%3D1", "/case/42?x=1"],
    ["?next=%2F", "/"],
    ["?next=https%3A%2F%2Fevil.example%2F", "/"],
    ["?next=%2F%2Fevil.example", "/"],
    ["?next=%2F%5Cevil.example", "/"],
    ["?next=javascript%3Aalert(1)", "/"],
    ["?next=%2Fa%0D%0Ab", "/"],
  ])("%s → %s", (search, want) => {
    expect(safeNext(search)).toBe(want);
  });
});
