// Fakes for the controllers' external collaborators: notices that record
// what they were told, and Effects that record what was asked of the view.
// The graph, history and filters the controllers use in tests are the real ones.
import type { Effects, Notify } from "../controllers/ports";
import { createGraph, mergeSubgraph, type RGraph } from "../graphModel";
import { launderingCase } from "./fixtures";

export interface Told {
  kind: "loading" | "warn" | "error";
  text: string;
  testid?: string;
  retry?: () => void;
}

/** Notices that keep what they were told; `open` lists loading notices not yet dismissed. */
export function recordingNotify(): Notify & { told: Told[]; open: Set<string>; cleared: number } {
  const told: Told[] = [];
  const open = new Set<string>();
  const handle = { dismiss: () => undefined };
  const n = {
    told,
    open,
    cleared: 0,
    loading: (text: string) => {
      told.push({ kind: "loading", text });
      open.add(text);
      return { dismiss: () => { open.delete(text); } };
    },
    warn: (text: string, testid?: string) => {
      told.push({ kind: "warn", text, testid });
      return handle;
    },
    error: (what: string, err: unknown, retry?: () => void) => {
      told.push({ kind: "error", text: `${what}: ${err instanceof Error ? err.message : String(err)}`, retry });
      return handle;
    },
    clearAll: () => { n.cleared++; },
  };
  return n;
}

export type EffectName = keyof Effects;

/** Effects that record each call in order; `merged` may be given a real action. */
export function recordingEffects(on: Partial<Effects> = {}): Effects & { calls: EffectName[]; count(name: EffectName): number } {
  const calls: EffectName[] = [];
  const rec = (name: EffectName) => () => {
    calls.push(name);
    on[name]?.();
  };
  return {
    calls,
    count: (name) => calls.filter((c) => c === name).length,
    commit: rec("commit"),
    refresh: rec("refresh"),
    merged: rec("merged"),
    viewChanged: rec("viewChanged"),
    redraw: rec("redraw"),
  };
}

/** A real graph holding the laundering case. */
export function caseGraph(): RGraph {
  const g = createGraph();
  mergeSubgraph(g, launderingCase());
  return g;
}
