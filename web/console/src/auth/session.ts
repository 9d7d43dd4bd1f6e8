/**
 * The signed-in user's token: pasted on the sign-in screen, kept in sessionStorage (gone when the tab
 * closes), and its claims read without verifying (the services verify it; the console only needs
 * the user id, the workspace and the expiry). Who the user is and what they may do come from
 * `GET /assignment/v1/me`.
 */
export const TOKEN_KEY = "livechat.console.token";

export interface Claims {
  sub: string;
  ws: string;
  exp: number | null;
  name: string | null;
  role: string | null;
}

function base64UrlDecode(part: string): string {
  const padded = part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "=");
  const binary = atob(padded);
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/** The claims of a JWT, or an error message for what is wrong with it. */
export function readClaims(token: string): Claims | { error: string } {
  const parts = token.trim().split(".");
  if (parts.length !== 3 || !parts[1]) return { error: "This is not a token (expected three parts separated by dots)." };
  let payload: Record<string, unknown>;
  try {
    payload = JSON.parse(base64UrlDecode(parts[1])) as Record<string, unknown>;
  } catch {
    return { error: "The token's payload cannot be read." };
  }
  if (typeof payload["sub"] !== "string" || typeof payload["ws"] !== "string") {
    return { error: "The token names no user (sub) or workspace (ws)." };
  }
  return {
    sub: payload["sub"],
    ws: payload["ws"],
    exp: typeof payload["exp"] === "number" ? payload["exp"] : null,
    name: typeof payload["name"] === "string" ? payload["name"] : null,
    role: typeof payload["role"] === "string" ? payload["role"] : null,
  };
}

export function isExpired(claims: Claims, nowMs: number): boolean {
  return claims.exp !== null && claims.exp * 1000 <= nowMs;
}

export function loadToken(storage: Pick<Storage, "getItem"> = sessionStorage): string | null {
  return storage.getItem(TOKEN_KEY);
}

export function saveToken(token: string, storage: Pick<Storage, "setItem"> = sessionStorage): void {
  storage.setItem(TOKEN_KEY, token.trim());
}

export function clearToken(storage: Pick<Storage, "removeItem"> = sessionStorage): void {
  storage.removeItem(TOKEN_KEY);
}
