/**
 * The signed-in session: the typed API clients, who the user is and what they may do, the
 * workspace's directory (users, teams) and the teamspaces' catalog (tags, fields, canned replies,
 * aliases, ban reasons), and the live chats. Loaded once at sign-in; `reloadCatalog` after settings change.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, useSyncExternalStore, type ReactNode } from "react";
import { allPages, createApi, toApiError, unwrap, type Api } from "../api/client";
import type {
  Alias,
  BanReason,
  CannedReply,
  Chat,
  CustomField,
  Tag,
  TagGroup,
  Team,
  Teamspace,
  User,
  UserCard,
} from "../api/types";
import { meFrom, type Me } from "../auth/permissions";
import type { Claims } from "../auth/session";
import { configuredBase, streamUrl } from "../config";
import { LiveChats, type LiveSnapshot } from "../live/liveChats";

export interface Catalog {
  tags: Tag[];
  tagGroups: TagGroup[];
  fields: CustomField[];
  canned: CannedReply[];
  aliases: Alias[];
  banReasons: BanReason[];
}

export interface Directory {
  users: (User | UserCard)[];
  teams: Team[];
  teamspaces: Teamspace[];
}

export interface Session {
  api: Api;
  me: Me;
  directory: Directory;
  catalog: Catalog;
  live: LiveChats;
  reloadCatalog: () => Promise<void>;
  reloadDirectory: () => Promise<void>;
  userName: (id: string | null | undefined) => string;
  teamName: (id: string) => string;
  tagName: (id: string) => string;
  personName: (chat: Chat | undefined) => string;
  signOut: () => void;
}

const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside SessionProvider");
  return session;
}

export function useLive(): LiveSnapshot {
  const { live } = useSession();
  return useSyncExternalStore(live.subscribe, live.getSnapshot);
}

export function personName(chat: Chat | undefined): string {
  const name = chat?.person?.["name"];
  return typeof name === "string" && name.trim() ? name : "Unknown";
}

async function loadCatalog(api: Api): Promise<Catalog> {
  const page = { page_size: 200 };
  const [tags, tagGroups, fields, canned, aliases, banReasons] = await Promise.all([
    allPages((p) => unwrap(api.inbox.GET("/v1/tags", { params: { query: { ...page, page: p } } }))).catch(() => []),
    allPages((p) => unwrap(api.inbox.GET("/v1/tag-groups", { params: { query: { ...page, page: p } } }))).catch(() => []),
    allPages((p) => unwrap(api.inbox.GET("/v1/custom-fields", { params: { query: { ...page, page: p } } }))).catch(() => []),
    allPages((p) => unwrap(api.inbox.GET("/v1/canned-replies", { params: { query: { ...page, page: p } } }))).catch(() => []),
    allPages((p) => unwrap(api.inbox.GET("/v1/aliases", { params: { query: { ...page, page: p } } }))).catch(() => []),
    allPages((p) => unwrap(api.inbox.GET("/v1/ban-reasons", { params: { query: { ...page, page: p } } }))).catch(() => []),
  ]);
  return { tags, tagGroups, fields, canned, aliases, banReasons };
}

async function loadDirectory(api: Api): Promise<Directory> {
  const page = { page_size: 200 };
  const [users, teams, teamspaces] = await Promise.all([
    allPages((p) => unwrap(api.assignment.GET("/v1/users", { params: { query: { ...page, page: p } } }))).catch(() => []),
    allPages((p) => unwrap(api.assignment.GET("/v1/teams", { params: { query: { ...page, page: p } } }))).catch(() => []),
    allPages((p) => unwrap(api.assignment.GET("/v1/teamspaces", { params: { query: { ...page, page: p } } }))).catch(() => []),
  ]);
  return { users, teams, teamspaces };
}

export function SessionProvider({
  token,
  claims,
  onSignOut,
  children,
}: {
  token: string;
  claims: Claims;
  onSignOut: (reason?: string) => void;
  children: ReactNode;
}) {
  const api = useMemo(() => createApi(configuredBase(), token, () => onSignOut("Your session ended (the token was refused). Sign in again.")), [token, onSignOut]);
  const [loaded, setLoaded] = useState<{ me: Me; directory: Directory; catalog: Catalog } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const live = useMemo(
    () =>
      new LiveChats({
        streamUrl: () => streamUrl(configuredBase(), token, window.location.origin),
        fetchSync: (since) => unwrap(api.inbox.GET("/v1/sync", { params: { query: { since, limit: 200 } } })),
        describeChat: (chat, id) => (chat ? `The chat with ${personName(chat)}` : `Chat ${id}`),
        fetchChat: async (id) => {
          const { data, error, response } = await api.inbox.GET("/v1/chats/{chat_id}", { params: { path: { chat_id: id } } });
          if (response.status === 404 || response.status === 403) return null;
          if (error !== undefined || !response.ok || !data) throw toApiError(error, response);
          return data;
        },
        onUnauthorized: () => onSignOut("Your session ended (the token expired or was revoked). Sign in again."),
      }),
    [api, token, onSignOut],
  );

  useEffect(() => {
    let cancelled = false;
    (async () => {
      // Who the user is and what they may do (role, own grants and their teams' grants), as the
      // services decide it: the console does not recompute permissions.
      const [self, directory, catalog] = await Promise.all([
        unwrap(api.assignment.GET("/v1/me")),
        loadDirectory(api),
        loadCatalog(api),
      ]);
      const me = meFrom(self);
      if (!cancelled) setLoaded({ me, directory, catalog });
    })().catch((e: unknown) => {
      if (!cancelled) setError(e instanceof Error ? e.message : String(e));
    });
    return () => {
      cancelled = true;
    };
  }, [api, claims]);

  useEffect(() => {
    if (!loaded) return;
    live.start(new Date());
    return () => live.stop();
  }, [live, loaded]);

  const reloadCatalog = useCallback(async () => {
    const catalog = await loadCatalog(api);
    setLoaded((current) => (current ? { ...current, catalog } : current));
  }, [api]);
  const reloadDirectory = useCallback(async () => {
    const directory = await loadDirectory(api);
    setLoaded((current) => (current ? { ...current, directory } : current));
  }, [api]);

  const session = useMemo<Session | null>(() => {
    if (!loaded) return null;
    const users = new Map(loaded.directory.users.map((u) => [u.id, u.name]));
    const teams = new Map(loaded.directory.teams.map((t) => [t.id, t.name]));
    const tags = new Map(loaded.catalog.tags.map((t) => [t.id, t.name]));
    return {
      api,
      live,
      ...loaded,
      reloadCatalog,
      reloadDirectory,
      userName: (id) => (id ? (users.get(id) ?? id) : "Unassigned"),
      teamName: (id) => teams.get(id) ?? id,
      tagName: (id) => tags.get(id) ?? id,
      personName,
      signOut: () => onSignOut(),
    };
  }, [api, live, loaded, reloadCatalog, reloadDirectory, onSignOut]);

  if (error) {
    return (
      <main className="center-page">
        <div className="card" role="alert">
          <h1>Could not load your workspace</h1>
          <p>{error}</p>
          <button type="button" onClick={() => onSignOut()}>
            Sign out
          </button>
        </div>
      </main>
    );
  }
  if (!session) {
    return (
      <main className="center-page" aria-busy="true">
        <p role="status">Loading your workspace…</p>
      </main>
    );
  }
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}
