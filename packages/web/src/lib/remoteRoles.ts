import { RoomState, type RemoteParticipant } from "@confab/client";
import type { ParticipantInfo, Role } from "@confab/protocol";

/** A remote participant's role in the room. */
export function roleOf(participant: RemoteParticipant): Role {
  return (participant as RemoteParticipant & { role?: Role }).role ?? "participant";
}

interface RoomStateInternals {
  byId: Map<string, RemoteParticipant>;
  put(info: ParticipantInfo): void;
}

let installed = false;

/**
 * Workaround for @confab/client 0.1.0: `RoomState` keeps a remote participant's name, tracks
 * and hand but drops `ParticipantInfo.role`, so the app could not mark moderators. Until the
 * SDK keeps it, this wraps RoomState's private `put` to copy the role onto the stored snapshot
 * (later snapshots spread it along). Installed once at start; it does nothing once the SDK
 * stores `role` itself. Remove with the SDK fix.
 */
export function keepRemoteRoles(): void {
  if (installed) return;
  installed = true;
  const proto = RoomState.prototype as unknown as RoomStateInternals;
  const put = proto.put;
  if (typeof put !== "function") return;
  proto.put = function (this: RoomStateInternals, info: ParticipantInfo) {
    put.call(this, info);
    const stored = this.byId?.get(info.id);
    if (stored && !("role" in stored)) this.byId.set(info.id, { ...stored, role: info.role } as RemoteParticipant);
  };
}
