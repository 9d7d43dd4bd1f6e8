/**
 * How the console signs in, as `GET /assignment/v1/auth/config` says: a pasted token (development)
 * or the identity provider's login (OpenID Connect Authorization Code flow with PKCE, run by
 * `oidc-client-ts` in `loginFlow.ts`). Pure logic only: reading the configuration, the redirect URI,
 * recognising the callback, and which of the provider's tokens becomes the bearer token.
 *
 * Which token: the services verify `aud` against `LIVECHAT_JWT_AUDIENCE` (published as `audience`).
 * An ID token's `aud` is always the console's client id, so when `audience` equals `client_id` the
 * **ID token** is used; otherwise the **access token** (the provider's token for the API, asked for
 * with `audience` when set). With no audience configured and an access token that is not a JWT
 * (opaque, as some providers issue), the ID token is used. Either way it must carry `sub` and `ws`.
 */
import type { LoginConfig, OidcLogin } from "../api/types";
import { isExpired, readClaims, type Claims } from "./session";

export const TOKEN_LOGIN: LoginConfig = { login: "token" };

function text(value: unknown): string | null {
  return typeof value === "string" && value.trim() ? value.trim() : null;
}

/** The sign-in configuration from the endpoint's body; anything unreadable means the token form. */
export function parseLoginConfig(body: unknown): LoginConfig {
  if (!body || typeof body !== "object") return TOKEN_LOGIN;
  const raw = body as Record<string, unknown>;
  if (raw["login"] !== "oidc") return TOKEN_LOGIN;
  const issuer = text(raw["issuer"]);
  const clientId = text(raw["client_id"]);
  if (!issuer || !clientId) return TOKEN_LOGIN;
  const scopes = (text(raw["scope"]) ?? "").split(/\s+/).filter(Boolean);
  if (!scopes.includes("openid")) scopes.unshift("openid");
  return { login: "oidc", issuer, client_id: clientId, scope: scopes.join(" "), audience: text(raw["audience"]) };
}

/** Where the provider sends the browser back: the console's origin and path (no query, no hash).
 * Register exactly this as the client's redirect URI. */
export function redirectUri(location: Pick<Location, "origin" | "pathname">): string {
  return `${location.origin}${location.pathname}`;
}

/** Whether the page was loaded as the provider's answer (`?code=...&state=...`, or `?error=...&state=...`). */
export function isCallback(search: string): boolean {
  const params = new URLSearchParams(search);
  return params.has("state") && (params.has("code") || params.has("error"));
}

/** Extra parameters of the authorization request: `audience` when the services expect one other
 * than the console's client id (providers such as Auth0 then issue a JWT access token for it). */
export function authorizeParams(config: OidcLogin): Record<string, string> {
  return config.audience && config.audience !== config.client_id ? { audience: config.audience } : {};
}

export interface ProviderTokens {
  access_token?: string | null | undefined;
  id_token?: string | null | undefined;
}

/** The bearer token to use from the provider's answer, with its claims, or why there is none. */
export function chooseToken(
  config: OidcLogin,
  tokens: ProviderTokens,
  nowMs: number,
): { token: string; claims: Claims } | { error: string } {
  const access = text(tokens.access_token);
  const id = text(tokens.id_token);
  let chosen: { token: string | null; kind: string };
  if (config.audience && config.audience === config.client_id) chosen = { token: id, kind: "ID token" };
  else if (!config.audience && access && "error" in readClaims(access) && id) chosen = { token: id, kind: "ID token" };
  else chosen = { token: access, kind: "access token" };
  if (!chosen.token) return { error: `The identity provider returned no ${chosen.kind}.` };
  const claims = readClaims(chosen.token);
  if ("error" in claims) {
    return { error: `The identity provider's ${chosen.kind} cannot be used: ${claims.error} Ask your administrator to add the sub and ws claims.` };
  }
  if (isExpired(claims, nowMs)) return { error: `The identity provider's ${chosen.kind} has already expired.` };
  return { token: chosen.token, claims };
}
