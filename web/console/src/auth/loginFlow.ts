/**
 * The sign-in screen's calls: the configuration (`GET /assignment/v1/auth/config`, public) and the
 * identity provider's login, whose library (`oidc-client-ts`, in `oidcFlow.ts`) is loaded only when
 * the deployment uses it, so development and token sign-in do not download it.
 */
import type { LoginConfig, OidcLogin } from "../api/types";
import { configuredBase, serviceUrl } from "../config";
import { parseLoginConfig, TOKEN_LOGIN } from "./login";
import type { Claims } from "./session";

/** `GET /assignment/v1/auth/config` (public); the token form when it cannot be read. */
export async function fetchLoginConfig(): Promise<LoginConfig> {
  try {
    const response = await fetch(`${serviceUrl(configuredBase(), "assignment")}/v1/auth/config`);
    return response.ok ? parseLoginConfig(await response.json()) : TOKEN_LOGIN;
  } catch {
    return TOKEN_LOGIN;
  }
}

/** Go to the provider's login page (see `oidcFlow.ts`). */
export async function startLogin(config: OidcLogin): Promise<void> {
  await (await import("./oidcFlow")).startLogin(config);
}

/** Handle the provider's answer (`?code=...&state=...`): the bearer token and its claims, or why not. */
export async function finishLogin(config: OidcLogin): Promise<{ token: string; claims: Claims } | { error: string }> {
  return (await import("./oidcFlow")).finishLogin(config);
}
