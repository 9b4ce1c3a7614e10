// Pure formatting helpers for the panels.
import type { JSONValue, Marking } from "./types";

/** `TLP_AMBER_STRICT` → `TLP:AMBER+STRICT`, as TLP 2.0 writes it. */
export function markingLabel(m: Marking): string {
  return m.replace(/^TLP_/, "TLP:").replace(/_STRICT$/, "+STRICT");
}

/** An RFC 3339 time as `2018-01-26 03:00 UTC` (seconds when not zero); other strings as given. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const s = d.toISOString(); // 2018-01-26T03:00:00.000Z
  const date = s.slice(0, 10);
  const hms = s.slice(11, 19);
  if (hms === "00:00:00") return date;
  return `${date} ${hms.endsWith(":00") ? hms.slice(0, 5) : hms} UTC`;
}

/** A JSON property value as one readable line. */
export function formatValue(v: JSONValue | undefined): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "string") return v;
  if (typeof v === "number") return Number.isInteger(v) ? v.toLocaleString("en-US") : String(v);
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (Array.isArray(v)) return v.map((x) => formatValue(x)).join(", ");
  return JSON.stringify(v);
}

/** Only http(s) links are made clickable; anything else is shown as text. */
export function safeUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
  } catch {
    return null;
  }
}

export function formatUSD(v: number | null | undefined): string {
  if (v === null || v === undefined) return "";
  return v.toLocaleString("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 0 });
}

/** "1 node", "2 nodes". */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? word : many}`;
}

/** `ATTRIBUTED_TO` → `attributed to`. */
export function kindWords(kind: string): string {
  return kind.replace(/_/g, " ").toLowerCase();
}
