import { describe, expect, it } from "vitest";
import type { OidcLogin } from "../api/types";
import { authorizeParams, chooseToken, isCallback, parseLoginConfig, redirectUri } from "./login";

function jwt(payload: Record<string, unknown>): string {
  const part = (value: unknown) => btoa(JSON.stringify(value)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  return `${part({ alg: "RS256", typ: "JWT" })}.${part(payload)}.signature`;
}

const NOW = Date.UTC(2026, 0, 1);
const LATER = NOW / 1000 + 3600;
const oidc = (audience: string | null): OidcLogin => ({
  login: "oidc",
  issuer: "https://id.example.com/realms/acme",
  client_id: "livechat-console",
  scope: "openid",
  audience,
});

describe("the sign-in configuration", () => {
  it("is the token form unless the provider's login is fully described", () => {
    for (const body of [null, "oidc", {}, { login: "token" }, { login: "oidc" }, { login: "oidc", issuer: "https://id" }, { login: "oidc", issuer: " ", client_id: "c" }]) {
      expect(parseLoginConfig(body)).toEqual({ login: "token" });
    }
  });

  it("reads the provider's login and always asks for openid", () => {
    expect(parseLoginConfig({ login: "oidc", issuer: "https://id.example.com", client_id: "console", scope: "email profile", audience: "api" })).toEqual({
      login: "oidc",
      issuer: "https://id.example.com",
      client_id: "console",
      scope: "openid email profile",
      audience: "api",
    });
    expect(parseLoginConfig({ login: "oidc", issuer: "https://id.example.com", client_id: "console" })).toMatchObject({ scope: "openid", audience: null });
  });
});

describe("the redirect", () => {
  it("comes back to the console's origin and path", () => {
    expect(redirectUri({ origin: "https://chat.example.com", pathname: "/console/" })).toBe("https://chat.example.com/console/");
  });

  it("recognises the provider's answer", () => {
    expect(isCallback("?code=abc&state=xyz")).toBe(true);
    expect(isCallback("?error=access_denied&state=xyz")).toBe(true);
    expect(isCallback("?code=abc")).toBe(false);
    expect(isCallback("")).toBe(false);
  });

  it("asks for the API's audience only when it is not the console itself", () => {
    expect(authorizeParams(oidc("livechat-api"))).toEqual({ audience: "livechat-api" });
    expect(authorizeParams(oidc("livechat-console"))).toEqual({});
    expect(authorizeParams(oidc(null))).toEqual({});
  });
});

describe("the token used", () => {
  const access = jwt({ sub: "u1", ws: "w1", exp: LATER, aud: "livechat-api" });
  const id = jwt({ sub: "u1", ws: "w1", exp: LATER, aud: "livechat-console" });

  it("is the access token for an API audience", () => {
    expect(chooseToken(oidc("livechat-api"), { access_token: access, id_token: id }, NOW)).toMatchObject({ token: access, claims: { sub: "u1", ws: "w1" } });
  });

  it("is the ID token when the services expect the console's client id", () => {
    expect(chooseToken(oidc("livechat-console"), { access_token: access, id_token: id }, NOW)).toMatchObject({ token: id });
  });

  it("is the ID token when no audience is checked and the access token is opaque", () => {
    expect(chooseToken(oidc(null), { access_token: "opaque-abc", id_token: id }, NOW)).toMatchObject({ token: id });
    expect(chooseToken(oidc(null), { access_token: access, id_token: id }, NOW)).toMatchObject({ token: access });
  });

  it("refuses a token without the user and workspace, an expired one, or none", () => {
    const noWs = jwt({ sub: "u1", exp: LATER });
    expect(chooseToken(oidc("livechat-api"), { access_token: noWs }, NOW)).toMatchObject({ error: expect.stringContaining("ws") });
    const old = jwt({ sub: "u1", ws: "w1", exp: NOW / 1000 - 1 });
    expect(chooseToken(oidc("livechat-api"), { access_token: old }, NOW)).toMatchObject({ error: expect.stringContaining("expired") });
    expect(chooseToken(oidc("livechat-console"), { access_token: access }, NOW)).toEqual({ error: "The identity provider returned no ID token." });
  });
});
