import type { RemoteParticipant } from "@confab/client";
import type { Role } from "@confab/protocol";

/** A remote participant's role in the room. */
export function roleOf(participant: RemoteParticipant): Role {
  return participant.role;
}
