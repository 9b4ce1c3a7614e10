import { describe, expect, it } from "vitest";
import { overflowsRight } from "./labelSide";

describe("label side", () => {
  it("keeps labels on the right while they fit", () => {
    expect(overflowsRight(100, 5, 80, 900)).toBe(false);
  });
  it("moves a label that would leave the canvas to the left", () => {
    expect(overflowsRight(850, 5, 120, 900)).toBe(true);
  });
  it("keeps it on the right when it fits on neither side", () => {
    expect(overflowsRight(50, 5, 880, 900)).toBe(false);
  });
});
