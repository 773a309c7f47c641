import { ErrorCode, type ModerationAction } from "@confab/protocol";
import { UserError } from "../errors.js";
import { requirePermission, type RoomActor } from "./permissions.js";
import type { Room } from "./Room.js";

/**
 * The server's operator acting through the admin API (authenticated by the API key and
 * secret): a moderator of every room who is not in it. People it acts on see its name.
 */
export const OPERATOR: RoomActor = Object.freeze({
  role: "moderator",
  grants: Object.freeze({ camera: false, microphone: false, screen: false, chat: false }),
  name: "Administrator",
  identity: "operator",
});

/**
 * Applies one moderator action, by a participant of the room or by the {@link OPERATOR}. The
 * permission check comes first: anyone but a moderator gets `FORBIDDEN` and nothing changes
 * for anyone. To add an action: a variant in the protocol's `ModerationAction`, a case here,
 * and the method on {@link Room} it calls.
 */
export function moderate(room: Room, actor: RoomActor, command: ModerationAction): void {
  requirePermission(actor, { kind: "moderate" }, room.policy, "moderate");
  switch (command.action) {
    case "mute":
      return room.forceMute(room.participant(command.participantId), command.source, actor);
    case "mute-all":
      for (const p of room.members) if (p !== actor) room.forceMute(p, "microphone", actor);
      return;
    case "ask-unmute": {
      const target = room.participant(command.participantId);
      target.send({ type: "moderated", event: { action: "ask-unmute", source: command.source, by: actor.name } });
      return;
    }
    case "stop-screen":
      return room.stopScreen(room.participant(command.participantId), actor);
    case "remove": {
      const target = room.participant(command.participantId);
      if (target === actor) throw new UserError(ErrorCode.BAD_STATE, "leave the meeting instead of removing yourself");
      return room.remove(target, actor);
    }
    case "promote":
      return room.promote(room.participant(command.participantId), actor.name);
    case "admit":
      if (!room.lobby.admit(command.knockId)) throw new UserError(ErrorCode.BAD_STATE, "nobody is knocking with that id");
      return;
    case "deny":
      if (!room.lobby.deny(command.knockId)) throw new UserError(ErrorCode.BAD_STATE, "nobody is knocking with that id");
      return;
    case "end":
      return room.end(actor);
    default: {
      const unreachable: never = command;
      throw new UserError(ErrorCode.UNKNOWN_TYPE, `unhandled moderation ${(unreachable as { action: string }).action}`);
    }
  }
}
