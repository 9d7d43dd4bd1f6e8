/**
 * The identity provider's login in the browser, with `oidc-client-ts`: the Authorization Code flow
 * with PKCE for a public client. `startLogin` sends the browser to the provider (its endpoints come
 * from `<issuer>/.well-known/openid-configuration`); the provider sends it back to the console's
 * origin and path with `?code=...&state=...`, which `finishLogin` exchanges for tokens. The chosen
 * token (`chooseToken` in `login.ts`) is then used exactly like a pasted one; oidc-client-ts keeps
 * nothing once the login is finished (its state and user live in sessionStorage meanwhile).
 * Loaded only when the provider's login is used (`loginFlow.ts` imports it on demand).
 */
import { UserManager, WebStorageStateStore } from "oidc-client-ts";
import type { OidcLogin } from "../api/types";
import { authorizeParams, chooseToken, redirectUri } from "./login";
import type { Claims } from "./session";

function manager(config: OidcLogin): UserManager {
  const store = new WebStorageStateStore({ store: window.sessionStorage });
  return new UserManager({
    authority: config.issuer,
    client_id: config.client_id,
    redirect_uri: redirectUri(window.location),
    response_type: "code",
    scope: config.scope,
    extraQueryParams: authorizeParams(config),
    loadUserInfo: false,
    automaticSilentRenew: false,
    monitorSession: false,
    stateStore: store,
    userStore: store,
  });
}

/** Go to the provider's login page; the console's route (the hash) comes back with the answer. */
export async function startLogin(config: OidcLogin): Promise<void> {
  await manager(config).signinRedirect({ state: { hash: window.location.hash } });
}

let finishing: Promise<{ token: string; claims: Claims } | { error: string }> | null = null;

/** Exchange the callback's code for tokens (once, even if asked twice), remove `?code=...&state=...`
 * from the address and put the route back. */
export function finishLogin(config: OidcLogin): Promise<{ token: string; claims: Claims } | { error: string }> {
  finishing ??= (async () => {
    const users = manager(config);
    try {
      const user = await users.signinRedirectCallback();
      await users.removeUser();
      const state = user.state as { hash?: unknown } | undefined;
      cleanAddress(typeof state?.hash === "string" ? state.hash : "");
      return chooseToken(config, user, Date.now());
    } catch (e: unknown) {
      cleanAddress(window.location.hash);
      return { error: `The identity provider's sign-in failed: ${e instanceof Error ? e.message : String(e)}` };
    } finally {
      finishing = null;
    }
  })();
  return finishing;
}

function cleanAddress(hash: string): void {
  window.history.replaceState(null, "", `${window.location.pathname}${hash}`);
}
