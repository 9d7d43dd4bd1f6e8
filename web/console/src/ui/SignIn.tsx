import { useId, useState, type FormEvent } from "react";
import { isExpired, readClaims, type Claims } from "../auth/session";

/**
 * Sign-in with a bearer token (development: `livechat token --workspace W --user U`, or the token
 * `./scripts/run` prints). TODO: the identity provider's login (JWKS setups) needs an authorisation
 * endpoint and a client id that the API does not publish yet; see web/console/README.md.
 */
export function SignIn({ onSignIn, message }: { onSignIn: (token: string, claims: Claims) => void; message: string | null }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(null);
  const id = useId();

  function submit(event: FormEvent) {
    event.preventDefault();
    const value = token.trim();
    const claims = readClaims(value);
    if ("error" in claims) return setError(claims.error);
    if (isExpired(claims, Date.now())) return setError("This token has expired. Ask for a new one.");
    onSignIn(value, claims);
  }

  return (
    <main className="center-page">
      <form className="card sign-in" onSubmit={submit} aria-labelledby={`${id}-title`}>
        <h1 id={`${id}-title`}>Sign in to the Livechat console</h1>
        {message && (
          <p className="info" role="status">
            {message}
          </p>
        )}
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
        {error && (
          <p id={`${id}-error`} className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary">
          Sign in
        </button>
      </form>
    </main>
  );
}
