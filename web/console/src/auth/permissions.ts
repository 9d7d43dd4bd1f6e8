/**
 * What the signed-in user may do, as the services decide it (libs/shared/.../auth.py): the role's
 * permissions plus the user's and their teams' grants. The console hides or disables what is not
 * allowed; the services refuse it all the same.
 */
import type { Chat, Permission, Role } from "../api/types";

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

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  admin: ALL_PERMISSIONS,
  supervisor: ALL_PERMISSIONS,
  agent: ["view", "manage", "download"],
};

export interface Me {
  id: string;
  workspaceId: string;
  name: string;
  role: Role;
  teamIds: readonly string[];
  permissions: ReadonlySet<Permission>;
}

export function permissionsOf(
  role: Role,
  userGrants: readonly Permission[] = [],
  teamGrants: readonly (readonly Permission[])[] = [],
): Set<Permission> {
  return new Set<Permission>([...ROLE_PERMISSIONS[role], ...userGrants, ...teamGrants.flat()]);
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
