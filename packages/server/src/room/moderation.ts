import { ErrorCode, type ModerationAction } from "@confab/protocol";
import { UserError } from "../errors.js";
import type { Participant } from "./Participant.js";
import { requirePermission } from "./permissions.js";
import type { Room } from "./Room.js";

/**
 * Applies one moderator action. The permission check comes first: anyone but a moderator
 * gets `FORBIDDEN` and nothing changes for anyone. To add an action: a variant in the
 * protocol's `ModerationAction`, a case here, and the method on {@link Room} it calls.
 */
export function moderate(room: Room, actor: Participant, command: ModerationAction): void {
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
