import { describe, expect, it } from "vitest";
import type { MoneyFlow } from "../types";
import { assetAmount, hopValue, rankValue, unnamedRouteIds } from "./flowResults";

describe("flow results", () => {
  it.each([
    { name: "whole transfer, unpriced", hop: { amount: { asset: "ETH", amount: 40 }, taintedAmount: { asset: "ETH", amount: 40 }, value: null, tainted: null }, want: "40 ETH tainted" },
    {
      name: "part of a priced transfer",
      hop: { amount: { asset: "BTC", amount: 2 }, taintedAmount: { asset: "BTC", amount: 0.5 }, value: 60000, tainted: 15000 },
      want: "0.5 BTC tainted ($15,000) of 2 BTC",
    },
    {
      name: "priced from the price table, naming the close",
      hop: { amount: { asset: "ETH", amount: 2 }, taintedAmount: { asset: "ETH", amount: 2 }, value: 4000, tainted: 4000, price: { asset: "ETH", day: "2024-01-02", usdClose: 2000 } },
      want: "2 ETH tainted ($4,000 at the 2024-01-02 close of $2,000)",
    },
    { name: "a crossing has no value", hop: { amount: null, taintedAmount: null, value: null, tainted: null }, want: "" },
  ])("writes a hop's value with its unit: $name", ({ hop, want }) => {
    expect(hopValue(hop)).toBe(want);
  });

  it("names amounts with their asset and the ranking chosen", () => {
    expect(assetAmount({ asset: "ETH", amount: 963.8 })).toBe("963.8 ETH");
    expect(assetAmount(null)).toBe("");
    expect(rankValue({ rankedBy: "USD", assetOrder: ["ETH", "BTC"] })).toBe("USD");
    expect(rankValue({ rankedBy: "ASSET", assetOrder: ["BTC", "ETH"] })).toBe("ASSET:BTC");
  });

  it("lists the route IDs the answer has no node for, once each", () => {
    const node = (id: string) => ({ id, kind: "WALLET", key: id, label: id }) as MoneyFlow["sources"][number];
    const hop = (from: string, to: string, service: string | null = null) =>
      ({ from, to, service, edge: null, time: null, value: null, tainted: null, amount: null, taintedAmount: null }) as MoneyFlow["routes"][number]["hops"][number];
    const f = {
      sources: [node("a")],
      sinks: [{ node: node("x") }],
      tainted: [],
      routes: [
        { sink: "x", hops: [hop("a", "b"), hop("b", "c", "service:bridge"), hop("c", "x")] },
        { sink: "x", hops: [hop("a", "b"), hop("b", "x")] },
      ],
    } as unknown as MoneyFlow;
    expect(unnamedRouteIds(f).sort()).toEqual(["b", "c", "service:bridge"]);
  });
});
