// The client's error: what failed, its code, and the server's request ID.
import type { ErrorCode } from "./api";

/**
 * A failed request: the first GraphQL error's message and code, or a
 * transport failure. requestId is the server's ID of the request (its
 * X-Request-Id), which its logs carry: what an investigator quotes to the
 * operators.
 */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number | undefined;
  readonly path: readonly (string | number)[] | undefined;
  readonly requestId: string | undefined;

  constructor(message: string, code: ErrorCode, status?: number, path?: readonly (string | number)[], requestId?: string) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.status = status;
    this.path = path;
    this.requestId = requestId;
  }
}

export interface GraphQLErrorBody {
  message?: unknown;
  path?: unknown;
  extensions?: { code?: unknown; requestId?: unknown } | null;
}

/** The server's request IDs are short tokens; anything else is not shown. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export function requestIdOf(res: Response, err: GraphQLErrorBody | undefined): string | undefined {
  const fromErr = err?.extensions?.requestId;
  const id = res.headers.get("X-Request-Id") ?? (typeof fromErr === "string" ? fromErr : null);
  return id !== null && REQUEST_ID.test(id) ? id : undefined;
}

