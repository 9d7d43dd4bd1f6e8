/** Names for the schemas the console uses, taken from the generated OpenAPI types (npm run gen). */
import type { components as Assignment } from "./generated/assignment";
import type { components as Export } from "./generated/export";
import type { components as Inbox } from "./generated/inbox";
import type { components as Ingest } from "./generated/ingest";

type InboxSchemas = Inbox["schemas"];
type AssignmentSchemas = Assignment["schemas"];

export type Chat = InboxSchemas["ChatSnapshot"];
export type ChatPage = InboxSchemas["ChatPage"];
export type ChatPatch = InboxSchemas["ChatPatch"];
export type ChatStatus = Chat["status"];
export type ChatMode = Chat["mode"];
export type SyncPage = InboxSchemas["SyncPage"];
export type Message = InboxSchemas["MessageView"];
export type MessageKind = NonNullable<Message["kind"]>;
export type MessageAuthor = InboxSchemas["Author"];
export type Attachment = InboxSchemas["Attachment"];
export type StoredAttachment = InboxSchemas["StoredAttachment"];
export type Note = InboxSchemas["NoteView"];
export type NoteColour = Note["colour"];
export type Tag = InboxSchemas["Tag"];
export type TagGroup = InboxSchemas["TagGroup"];
export type CustomField = InboxSchemas["CustomFieldDefinition"];
export type CannedReply = InboxSchemas["CannedReply"];
export type Alias = InboxSchemas["Alias"];
export type BanReason = InboxSchemas["BanReason"];
export type Person = InboxSchemas["PersonView"];
export type ApiError = InboxSchemas["ErrorResponse"];

export type User = AssignmentSchemas["UserOut"];
/** `GET /assignment/v1/me`: the caller in full and their effective permissions. */
export type MeOut = AssignmentSchemas["Me"];
export type UserCard = AssignmentSchemas["UserCard"];
export type Team = AssignmentSchemas["TeamOut"];
export type Teamspace = AssignmentSchemas["TeamspaceOut"];
export type Presence = AssignmentSchemas["PresenceView"];
export type PresenceStatus = Presence["status"];
export type Permission = AssignmentSchemas["Permission"];
export type Role = AssignmentSchemas["Role"];

export type ExportJob = Export["schemas"]["ExportOut"];
export type ExportPage = Export["schemas"]["Page_ExportOut_"];
export type ExportFilters = Export["schemas"]["ExportFilters"];
export type ExportFormat = ExportJob["format"];

export type ChannelApp = Ingest["schemas"]["AppOut"];

/** Request bodies of the settings pages (create, and partial update: only the changed fields). */
export type TeamCreate = AssignmentSchemas["TeamCreate"];
export type TeamUpdate = AssignmentSchemas["TeamUpdate"];
export type UserCreate = AssignmentSchemas["UserCreate"];
export type UserUpdate = AssignmentSchemas["UserUpdate"];
export type TagCreate = InboxSchemas["TagCreate"];
export type TagUpdate = InboxSchemas["TagUpdate"];
export type TagGroupCreate = InboxSchemas["TagGroupCreate"];
export type TagGroupUpdate = InboxSchemas["TagGroupUpdate"];
export type CustomFieldCreate = InboxSchemas["CustomFieldCreate"];
export type CustomFieldUpdate = InboxSchemas["CustomFieldUpdate"];
export type CannedReplyCreate = InboxSchemas["CannedReplyCreate"];
export type CannedReplyUpdate = InboxSchemas["CannedReplyUpdate"];
export type AliasCreate = InboxSchemas["AliasCreate"];
export type AliasUpdate = InboxSchemas["AliasUpdate"];
export type BanReasonCreate = InboxSchemas["BanReasonCreate"];
export type BanReasonUpdate = InboxSchemas["BanReasonUpdate"];
export type BanRuleCreate = InboxSchemas["BanRuleCreate"];
export type BanRuleUpdate = InboxSchemas["BanRuleUpdate"];
export type TokenLogin = AssignmentSchemas["TokenLogin"];
export type OidcLogin = AssignmentSchemas["OidcLogin"];
/** `GET /assignment/v1/auth/config`: how the console signs in. */
export type LoginConfig = TokenLogin | OidcLogin;
