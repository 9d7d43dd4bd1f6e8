import { useCallback, useState } from "react";
import { clearToken, isExpired, loadToken, readClaims, saveToken, type Claims } from "../auth/session";
import { ChatTable } from "./ChatTable";
import { ChatView } from "./ChatView";
import { Exports } from "./Exports";
import { useRoute } from "./router";
import { SessionProvider } from "./session";
import { Settings } from "./Settings";
import { Shell } from "./Shell";
import { SignIn } from "./SignIn";

interface SignedIn {
  token: string;
  claims: Claims;
}

function restore(): SignedIn | null {
  const token = loadToken();
  if (!token) return null;
  const claims = readClaims(token);
  if ("error" in claims || isExpired(claims, Date.now())) {
    clearToken();
    return null;
  }
  return { token, claims };
}

export function App() {
  const [signedIn, setSignedIn] = useState<SignedIn | null>(restore);
  const [message, setMessage] = useState<string | null>(null);

  const signIn = useCallback((token: string, claims: Claims) => {
    saveToken(token);
    setMessage(null);
    setSignedIn({ token, claims });
  }, []);
  const signOut = useCallback((reason?: string) => {
    clearToken();
    setSignedIn(null);
    setMessage(reason ?? "You signed out.");
  }, []);

  if (!signedIn) return <SignIn onSignIn={signIn} message={message} />;
  return (
    <SessionProvider key={signedIn.token} token={signedIn.token} claims={signedIn.claims} onSignOut={signOut}>
      <Shell>
        <Routes />
      </Shell>
    </SessionProvider>
  );
}

function Routes() {
  const route = useRoute();
  const [first, second] = route.path;
  if (first === "chats" && second) return <ChatView chatId={second} />;
  if (first === "settings") return <Settings section={second ?? "teams"} />;
  if (first === "exports") return <Exports search={route.search} />;
  return <ChatTable search={route.search} />;
}
