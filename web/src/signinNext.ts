/**
 * Where to go after signing in: `next` from the query string when it is a
 * path of this site, else the app. "//evil.example" or "https://…" would
 * send a freshly signed-in user elsewhere.
 */
export function safeNext(search: string): string {
  const next = new URLSearchParams(search).get("next");
  if (!next?.startsWith("/") || next.startsWith("//") || next.startsWith("/\\") || /[\r\n]/.test(next)) return "/";
  return next;
}
