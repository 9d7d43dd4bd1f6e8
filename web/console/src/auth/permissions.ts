/**
 * What the signed-in user may do. The services decide it (libs/shared/.../auth.py: the role's
 * permissions plus the user's and their teams' grants) and say it in `GET /assignment/v1/me`; the
 * console takes that list as it is, so it never drifts from the services' rules. It hides or
 * disables what is not allowed; the services refuse it all the same.
 */
import type { Chat, MeOut, Permission, Role } from "../api/types";

/** Every permission (the grant pickers of the settings pages). */
export const ALL_PERMISSIONS: readonly Permission[] = [
  "view",
  "manage",
  "transfer",
  "export",
  "download",
  "delete",
  "ban",
  "settings",
];

export interface Me {
  id: string;
  workspaceId: string;
  name: string;
  role: Role;
  teamIds: readonly string[];
  /** The effective permissions, as `GET /assignment/v1/me` lists them. */
  permissions: ReadonlySet<Permission>;
}

/** The signed-in user from `GET /assignment/v1/me` (`{user, permissions}`). */
export function meFrom(answer: MeOut): Me {
  const { user, permissions } = answer;
  return {
    id: user.id,
    workspaceId: user.workspace_id,
    name: user.name,
    role: user.role,
    teamIds: user.team_ids,
    permissions: new Set<Permission>(permissions),
  };
}

export function can(me: Me | null, permission: Permission): boolean {
  return !!me && me.permissions.has(permission);
}

/** Whether the user may act on this chat with `permission` (it is visible to them: they got it). */
export function canOnChat(me: Me | null, chat: Pick<Chat, "assignee_id" | "team_ids">, permission: Permission): boolean {
  if (!me || !me.permissions.has(permission)) return false;
  if (me.role === "admin" || chat.assignee_id === me.id) return true;
  const shares = (chat.team_ids ?? []).some((t) => me.teamIds.includes(t));
  return me.role === "supervisor" ? shares : shares && !chat.assignee_id;
}

/** Whether the user changes settings (the settings pages; admins for users and apps). */
export function isAdmin(me: Me | null): boolean {
  return me?.role === "admin";
}
