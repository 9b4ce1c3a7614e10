// Saving exports as files: an object URL on a temporary <a download>, and
// file names that say what was exported and when.

// Some browsers read the object URL after click() returns; revoke it once the
// download has surely started.
const REVOKE_AFTER_MS = 30_000;

/** Offers a Blob as a file download. */
export function downloadBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.rel = "noopener";
  a.hidden = true;
  document.body.append(a);
  try {
    a.click();
  } finally {
    a.remove();
    setTimeout(() => { URL.revokeObjectURL(url); }, REVOKE_AFTER_MS);
  }
}

/** Offers text as a UTF-8 file download with the given MIME type ("text/csv", "image/svg+xml"…). */
export function downloadText(text: string, filename: string, mime: string): void {
  downloadBlob(new Blob([text], { type: `${mime};charset=utf-8` }), filename);
}

/** A case or view name as a file-name part: letters (with their marks) and digits of any script, joined by "-", at most 60 characters. */
export function fileSlug(name: string): string {
  const slug = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]+/g, "") // Latin, Greek and Cyrillic accents: "Café" → "Cafe"
    .normalize("NFC") // Hangul and other scripts decomposed above come back whole
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}]+/gu, "-")
    .replace(/^-+|-+$/g, "");
  return Array.from(slug).slice(0, 60).join("").replace(/-+$/, "") || "view";
}

/**
 * "redthread-<name>-2026-11-21T1530.png": the case (or "view") and the local
 * time of the export, sortable and valid on every file system (no colons).
 * `suffix` tells apart files of one export ("nodes", "edges").
 */
export function exportFileName(name: string, ext: string, now: Date = new Date(), suffix?: string): string {
  const p = (n: number) => String(n).padStart(2, "0");
  const stamp = `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}T${p(now.getHours())}${p(now.getMinutes())}`;
  return `redthread-${fileSlug(name)}-${stamp}${suffix ? `-${suffix}` : ""}.${ext.replace(/^\./, "")}`;
}
