import { useEffect, useId, useState, type FormEvent } from "react";
import type { LoginConfig } from "../api/types";
import { isCallback } from "../auth/login";
import { fetchLoginConfig, finishLogin, startLogin } from "../auth/loginFlow";
import { isExpired, readClaims, type Claims } from "../auth/session";

/**
 * Sign-in. What the deployment offers comes from `GET /assignment/v1/auth/config`: with an identity
 * provider (`"login": "oidc"`), a button runs its login (Authorization Code with PKCE, `auth/loginFlow.ts`)
 * and the page handles the provider's answer (`?code=...&state=...`) on load. The token form stays
 * available (development: `livechat token --workspace W --user U`, or the token `./scripts/run` prints).
 */
export function SignIn({ onSignIn, message }: { onSignIn: (token: string, claims: Claims) => void; message: string | null }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [config, setConfig] = useState<LoginConfig | null>(null);
  const [busy, setBusy] = useState(() => isCallback(window.location.search));
  const id = useId();

  useEffect(() => {
    let cancelled = false;
    (async () => {
      const loaded = await fetchLoginConfig();
      if (cancelled) return;
      setConfig(loaded);
      if (!isCallback(window.location.search)) return;
      if (loaded.login !== "oidc") {
        setBusy(false);
        return setError("This console is not configured for an identity provider's login.");
      }
      const result = await finishLogin(loaded);
      if (cancelled) return;
      setBusy(false);
      if ("error" in result) setError(result.error);
      else onSignIn(result.token, result.claims);
    })().catch((e: unknown) => {
      if (cancelled) return;
      setBusy(false);
      setError(e instanceof Error ? e.message : String(e));
    });
    return () => {
      cancelled = true;
    };
  }, [onSignIn]);

  function submit(event: FormEvent) {
    event.preventDefault();
    const value = token.trim();
    const claims = readClaims(value);
    if ("error" in claims) return setError(claims.error);
    if (isExpired(claims, Date.now())) return setError("This token has expired. Ask for a new one.");
    onSignIn(value, claims);
  }

  async function provider() {
    if (config?.login !== "oidc") return;
    setBusy(true);
    setError(null);
    try {
      await startLogin(config); // leaves the page
    } catch (e: unknown) {
      setBusy(false);
      setError(`The identity provider cannot be reached: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  const oidc = config?.login === "oidc";
  const tokenForm = (
    <>
      <label htmlFor={`${id}-token`}>Access token</label>
      <textarea
        id={`${id}-token`}
        value={token}
        onChange={(e) => setToken(e.target.value)}
        rows={4}
        autoComplete="off"
        spellCheck={false}
        aria-describedby={`${id}-help${error ? ` ${id}-error` : ""}`}
        aria-invalid={error ? true : undefined}
        required
      />
      <p id={`${id}-help`} className="help">
        Paste the bearer token printed by <code>./scripts/run</code> or <code>livechat token</code>. It is kept in this
        tab only (session storage) and removed when you sign out.
      </p>
      <button type="submit" className="primary">
        Sign in
      </button>
    </>
  );

  return (
    <main className="center-page">
      <form className="card sign-in" onSubmit={submit} aria-labelledby={`${id}-title`} aria-busy={busy || undefined}>
        <h1 id={`${id}-title`}>Sign in to the Livechat console</h1>
        {message && (
          <p className="info" role="status">
            {message}
          </p>
        )}
        {busy && (
          <p className="info" role="status">
            Signing in with your identity provider…
          </p>
        )}
        {error && (
          <p id={`${id}-error`} className="error" role="alert">
            {error}
          </p>
        )}
        {oidc ? (
          <>
            <button type="button" className="primary" onClick={() => void provider()} disabled={busy}>
              Sign in with your identity provider
            </button>
            <details>
              <summary>Sign in with a token instead</summary>
              {tokenForm}
            </details>
          </>
        ) : (
          tokenForm
        )}
      </form>
    </main>
  );
}
