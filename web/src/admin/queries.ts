// The admin page's GraphQL documents (checked against the schema by codegen).
import { graphql } from "../gql";

export const USERS_QUERY = graphql(`
  query AdminUsers { users { id email role disabled hasPassword createdAt lastSignInAt } }
`);

export const ADD_USER = graphql(`
  mutation AdminAddUser($email: String!, $role: Role!) { addUser(email: $email, role: $role) { user { id email } signInPath } }
`);

export const SET_ROLE = graphql(`
  mutation AdminSetRole($id: ID!, $role: Role!) { setUserRole(id: $id, role: $role) { id role } }
`);

export const SET_DISABLED = graphql(`
  mutation AdminSetDisabled($id: ID!, $disabled: Boolean!) { setUserDisabled(id: $id, disabled: $disabled) { id disabled } }
`);

export const END_SESSIONS = graphql(`
  mutation AdminEndSessions($id: ID!) { endUserSessions(id: $id) }
`);

export const TOKENS_QUERY = graphql(`
  query AdminTokens { apiTokens { id userId user scopes createdAt expiresAt lastUsedAt revokedAt } users { id email role disabled } }
`);

export const CREATE_TOKEN = graphql(`
  mutation AdminCreateToken($userId: ID, $scopes: [Scope!]!, $expiresIn: String) {
    createApiToken(userId: $userId, scopes: $scopes, expiresIn: $expiresIn) { token { id user } secret }
  }
`);

export const REVOKE_TOKEN = graphql(`
  mutation AdminRevokeToken($id: ID!) { revokeApiToken(id: $id) { id revokedAt } }
`);

export const AUDIT_QUERY = graphql(`
  query AdminAudit($action: String, $actor: String, $outcome: AuditOutcome, $since: Time, $until: Time, $first: Int, $after: String) {
    auditLog(action: $action, actor: $actor, outcome: $outcome, since: $since, until: $until, first: $first, after: $after) {
      entries { seq at actor action target outcome detail addr }
      next
    }
  }
`);
