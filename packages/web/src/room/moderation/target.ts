import type { ConfabRoom, RemoteParticipant } from "@confab/client";
import type { Role } from "@confab/protocol";
import { roleOf } from "../../lib/remoteRoles.js";

/** What a moderator's menu needs to know about one remote participant. */
export interface ModerationTarget {
  id: string;
  name: string;
  role: Role;
  /** Publishes a microphone, and it is on. */
  micOn: boolean;
  /** Publishes a microphone, and it is muted (one may ask them to unmute). */
  micMuted: boolean;
  cameraOn: boolean;
  sharingScreen: boolean;
}

/** The moderation facts of `participant` as `room` knows them now. */
export function moderationTarget(room: ConfabRoom, participant: RemoteParticipant): ModerationTarget {
  const tracks = [...participant.tracks.values()];
  const mic = tracks.find((t) => t.source === "microphone");
  return {
    id: participant.id,
    name: participant.name,
    role: roleOf(participant),
    micOn: mic !== undefined && !mic.muted,
    micMuted: mic !== undefined && mic.muted,
    cameraOn: !room.isRemoteOff(participant.id, "camera"),
    sharingScreen: tracks.some((t) => t.source === "screen" && !t.muted),
  };
}
