/** Test data (used by the *.test.ts files only). */
import type { Chat, Message } from "../api/types";

export function chat(overrides: Partial<Chat> & { id: string }): Chat {
  return {
    workspace_id: "w1",
    teamspace_id: "ts1",
    app: { id: "app1", channel: "webchat", name: "Site" },
    person: { id: "p1", name: "Ada" },
    mode: "live",
    status: "open",
    assignee_id: null,
    team_ids: ["t1"],
    description: "",
    tags: [],
    custom_fields: {},
    rating: null,
    created_at: "2026-11-20T10:00:00Z",
    updated_at: "2026-11-20T10:00:00Z",
    last_message_at: null,
    version: 1,
    ...overrides,
  };
}

export function message(overrides: Partial<Message> & { id: string; seq: number }): Message {
  return {
    chat_id: "c1",
    author: { type: "person", id: "p1", name: "Ada", alias: null },
    text: "hello",
    attachments: [],
    created_at: `2026-11-20T10:00:${String(overrides.seq).padStart(2, "0")}Z`,
    delivery: null,
    ...overrides,
  };
}
