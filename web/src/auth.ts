// Who is signed in, from the server's /auth/session: the top bar shows it,
// and the API client sends its CSRF token on every POST (a cookie session's
// state-changing requests need it). A 401 sends the browser to sign in.
import type { FetchFn } from "./api";

/** The signed-in principal, as /auth/session answers. */
export interface SessionInfo {
  email: string;
  agency: string;
  agencyName: string;
  role: string;
  scopes: string[];
  via: string;
  /** Absent for a bearer token (no cookie, no CSRF). */
  csrf?: string;
}

/** The sign-in page, coming back to where the browser is. */
export function signInURL(loc: Pick<Location, "pathname" | "search" | "hash">): string {
  return `/signin?next=${encodeURIComponent(loc.pathname + loc.search + loc.hash)}`;
}

export class Account {
  private loading: Promise<SessionInfo | undefined> | undefined;

  constructor(
    private readonly fetchFn: FetchFn,
    /** Goes to the sign-in page (window.location.assign in the page). */
    private readonly toSignIn: () => void,
  ) {}

  /** The session, fetched once; undefined (and off to sign in) without one. */
  session(): Promise<SessionInfo | undefined> {
    this.loading ??= this.fetchSession();
    return this.loading;
  }

  /** The CSRF token to send on POSTs. */
  async csrf(): Promise<string | undefined> {
    return (await this.session())?.csrf;
  }

  /** Ends the session, then goes to the sign-in page. */
  async signOut(): Promise<void> {
    const csrf = await this.csrf();
    await this.fetchFn("/auth/signout", { method: "POST", headers: csrf ? { "X-CSRF-Token": csrf } : {}, credentials: "same-origin" }).catch(() => undefined);
    this.loading = undefined;
    this.toSignIn();
  }

  private async fetchSession(): Promise<SessionInfo | undefined> {
    let res: Response;
    try {
      res = await this.fetchFn("/auth/session", { credentials: "same-origin", headers: { Accept: "application/json" } });
    } catch {
      this.loading = undefined; // try again with the next request
      return undefined;
    }
    if (res.status === 401) {
      this.toSignIn();
      return undefined;
    }
    if (!res.ok) {
      this.loading = undefined;
      return undefined;
    }
    return (await res.json()) as SessionInfo;
  }
}
