// The API of share links between agencies (issue 17): share the open case,
// preview it as its recipient, list and revoke its links, open a shared
// case from its link, comment on it. Beside api.ts, through its request().
import type { RedthreadClient } from "./api";
import { graphql } from "./gql";
import type { Marking } from "./gql/graphql";
import type { GEdge, GNode } from "./types";

export const SHARE_FRAGMENT = graphql(`
  fragment ShareFields on Share {
    id caseId agency owner users cap allowComments createdAt createdBy expiresAt revokedAt openedAt
  }
`);

export const SHARED_CASE_FRAGMENT = graphql(`
  fragment SharedCaseFields on SharedCase {
    share { ...ShareFields }
    case { id name agency view version }
    withheld notice
    comments { id by agency at text }
    nodes { ...NodeFields }
    edges { ...EdgeFields }
  }
`);

export const PREVIEW_SHARE_QUERY = graphql(`
  query PreviewShare($caseId: ID!, $agency: String!, $users: [String!], $cap: Marking) {
    previewShare(caseId: $caseId, agency: $agency, users: $users, cap: $cap) { ...SharedCaseFields }
  }
`);

export const OPEN_SHARE_QUERY = graphql(`
  query OpenShare($token: String!) { openShare(token: $token) { ...SharedCaseFields } }
`);

export const CASE_SHARING_QUERY = graphql(`
  query CaseSharing($id: ID!) {
    case(id: $id) { id agency shares { ...ShareFields } comments { id by agency at text } }
  }
`);

export const SHARE_CASE_MUTATION = graphql(`
  mutation ShareCase($caseId: ID!, $agency: String!, $users: [String!], $cap: Marking, $expiresIn: String, $allowComments: Boolean) {
    shareCase(caseId: $caseId, agency: $agency, users: $users, cap: $cap, expiresIn: $expiresIn, allowComments: $allowComments) {
      token url share { ...ShareFields }
    }
  }
`);

export const REVOKE_SHARE_MUTATION = graphql(`
  mutation RevokeShare($id: ID!) { revokeShare(id: $id) { ...ShareFields } }
`);

export const COMMENT_ON_SHARE_MUTATION = graphql(`
  mutation CommentOnShare($token: String!, $text: String!) { commentOnShare(token: $token, text: $text) { id by agency at text } }
`);

export interface Share {
  id: string;
  caseId: string;
  agency: string;
  owner: string;
  users: string[];
  cap: Marking;
  allowComments: boolean;
  createdAt: string;
  createdBy: string;
  expiresAt: string;
  revokedAt?: string | null;
  openedAt?: string | null;
}

export interface CaseComment {
  id: string;
  by: string;
  agency: string;
  at: string;
  text: string;
}

/** A case as its recipient sees it. */
export interface SharedCase {
  share: Share;
  case: { id: string; name: string; agency: string; view: unknown; version: number };
  withheld: number;
  notice?: string | null;
  comments: CaseComment[];
  nodes: GNode[];
  edges: GEdge[];
}

/** What the owner asks for. */
export interface ShareRequest {
  caseId: string;
  agency: string;
  users: string[];
  cap: Marking;
  expiresIn: string;
  allowComments: boolean;
}

type Client = Pick<RedthreadClient, "request">;

/** The calls of the share dialog and the shared view. */
export class ShareApi {
  constructor(private readonly client: Client) {}

  async preview(r: Pick<ShareRequest, "caseId" | "agency" | "users" | "cap">, signal?: AbortSignal): Promise<SharedCase> {
    const d = await this.client.request(PREVIEW_SHARE_QUERY, { caseId: r.caseId, agency: r.agency, users: r.users, cap: r.cap }, signal);
    return d.previewShare;
  }

  async open(token: string, signal?: AbortSignal): Promise<SharedCase> {
    const d = await this.client.request(OPEN_SHARE_QUERY, { token }, signal);
    return d.openShare;
  }

  /** The open case's shares (newest first) and comments; null when the case is not the caller's agency's. */
  async sharing(caseId: string, signal?: AbortSignal): Promise<{ shares: Share[]; comments: CaseComment[] } | null> {
    const d = await this.client.request(CASE_SHARING_QUERY, { id: caseId }, signal);
    return d.case ? { shares: d.case.shares, comments: d.case.comments } : null;
  }

  async share(r: ShareRequest, signal?: AbortSignal): Promise<{ token: string; url: string; share: Share }> {
    const d = await this.client.request(SHARE_CASE_MUTATION, { ...r }, signal);
    return d.shareCase;
  }

  async revoke(id: string, signal?: AbortSignal): Promise<Share> {
    const d = await this.client.request(REVOKE_SHARE_MUTATION, { id }, signal);
    return d.revokeShare;
  }

  async comment(token: string, text: string, signal?: AbortSignal): Promise<CaseComment> {
    const d = await this.client.request(COMMENT_ON_SHARE_MUTATION, { token, text }, signal);
    return d.commentOnShare;
  }
}

/** Whether a share still opens at `now`. */
export function shareLive(s: Pick<Share, "revokedAt" | "expiresAt">, now = Date.now()): boolean {
  return !s.revokedAt && Date.parse(s.expiresAt) > now;
}

/** The link token in a `/shared#link=TOKEN` fragment, or null. */
export function linkToken(hash: string): string | null {
  const m = /^#?link=([A-Za-z0-9._-]{1,512})$/.exec(hash);
  return m?.[1] ?? null;
}
