import type { Knock, ModeratedEvent, Role, RoomPolicyInfo, ServerMessage } from "@confab/protocol";

/**
 * What the client knows about access and roles in its room: its own role, the room's policy,
 * who is knocking (moderators only), and the moderator token the server gave the meeting's
 * creator. Updated from server messages; the UI reads it, the server enforces it.
 */
export class AccessState {
  role: Role = "participant";
  policy: RoomPolicyInfo | undefined;
  knocks: readonly Knock[] = [];
  /** Open mode: the token that brings the creator back as moderator (`/<room>?token=…`). */
  moderatorToken: string | undefined;

  /** Whether this client is a moderator now. */
  get isModerator(): boolean {
    return this.role === "moderator";
  }

  /**
   * Applies one server message; returns what happened to this participant (a moderator's
   * action) or whether anything visible changed.
   */
  apply(message: ServerMessage, selfId: string | undefined): { changed: boolean; moderated?: ModeratedEvent } {
    switch (message.type) {
      case "joined":
        this.role = message.self.role;
        this.policy = message.policy;
        if (message.moderatorToken) this.moderatorToken = message.moderatorToken;
        if (this.role !== "moderator") this.knocks = [];
        return { changed: true };
      case "policy":
        this.policy = message.policy;
        return { changed: true };
      case "knocks":
        this.knocks = message.knocking;
        return { changed: true };
      case "participant.updated":
        if (message.participant.id !== selfId || message.participant.role === this.role) return { changed: false };
        this.role = message.participant.role;
        return { changed: true };
      case "moderated":
        return { changed: true, moderated: message.event };
      default:
        return { changed: false };
    }
  }
}
