// The audit table's filter form as the auditLog query's variables. Pure, so
// it is unit-tested; the page renders what it returns.
import type { AuditOutcome } from "../gql/graphql";

export interface AuditFilterForm {
  action: string;
  actor: string;
  outcome: string;
  /** datetime-local values (the browser's zone) or empty. */
  since: string;
  until: string;
}

export interface AuditVariables {
  action?: string;
  actor?: string;
  outcome?: AuditOutcome;
  since?: string;
  until?: string;
  first: number;
}

export const AUDIT_PAGE = 25;

const OUTCOMES: readonly string[] = ["OK", "DENIED", "FAILED"];

/** The variables, or an error naming the field that is wrong. */
export function auditVariables(f: AuditFilterForm, zoneOffsetMinutes = new Date().getTimezoneOffset()): AuditVariables | { error: string } {
  const v: AuditVariables = { first: AUDIT_PAGE };
  const action = f.action.trim().toLowerCase();
  if (action) {
    if (!/^[a-z0-9._-]{1,64}$/.test(action)) return { error: "Action: letters, digits and . _ - only (such as signin or share.)" };
    v.action = action;
  }
  const actor = f.actor.trim();
  if (actor) v.actor = actor;
  if (f.outcome) {
    if (!OUTCOMES.includes(f.outcome)) return { error: "Outcome: ok, denied or failed" };
    v.outcome = f.outcome as AuditOutcome;
  }
  for (const key of ["since", "until"] as const) {
    if (!f[key]) continue;
    const iso = localToISO(f[key], zoneOffsetMinutes);
    if (!iso) return { error: `${key === "since" ? "Since" : "Until"}: not a date and time` };
    v[key] = iso;
  }
  if (v.since && v.until && v.until < v.since) return { error: "Until is before since" };
  return v;
}

/** A datetime-local value (YYYY-MM-DDTHH:MM[:SS]) in a zone as RFC 3339 UTC. */
export function localToISO(local: string, zoneOffsetMinutes: number): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(local);
  if (!m) return undefined;
  const n = (i: number): number => Number(m[i] ?? 0);
  const utc = Date.UTC(n(1), n(2) - 1, n(3), n(4), n(5), n(6)) + zoneOffsetMinutes * 60_000;
  if (Number.isNaN(utc)) return undefined;
  return new Date(utc).toISOString().replace(".000Z", "Z");
}
