import type { ConfabRoom } from "@confab/client";
import type { Role } from "@confab/protocol";
import { roleOf } from "../lib/remoteRoles.js";

/** One tile on the stage: a person's camera (or avatar), or a shared screen. */
export interface TileModel {
  /** Stable key: `local`, `local:screen`, `<participantId>`, `<participantId>:screen`. */
  key: string;
  kind: "camera" | "screen";
  local: boolean;
  participantId: string | undefined;
  name: string;
  /** The person's role (moderators' tiles are marked). */
  role: Role;
  video: MediaStreamTrack | undefined;
  /** The remote video track id (what the client asks the SFU for), if any. */
  videoTrackId: string | undefined;
  videoOff: boolean;
  /** The server holds this camera back (last-N): show the avatar, not a frozen frame. */
  withheld: boolean;
  micOff: boolean;
  hand: boolean;
  speaking: boolean;
  /** The person's connection dropped and the server waits for them to come back (resume). */
  reconnecting: boolean;
}

/** Builds the tiles of the room: own tile first, then remote people in join order, screens. */
export function buildTiles(room: ConfabRoom): TileModel[] {
  const selfId = room.self?.id;
  const speaker = room.speaker;
  const selfName = room.self?.name ?? "";
  const tiles: TileModel[] = [];
  const screens: TileModel[] = [];
  tiles.push({
    key: "local",
    kind: "camera",
    local: true,
    participantId: undefined,
    name: selfName,
    role: room.role,
    video: room.localTrack("camera"),
    videoTrackId: undefined,
    videoOff: room.isMuted("camera"),
    withheld: false,
    micOff: room.isMuted("microphone"),
    hand: room.handRaised,
    speaking: speaker !== null && speaker === selfId,
    reconnecting: false,
  });
  const localScreen = room.localTrack("screen");
  if (localScreen) {
    screens.push({
      key: "local:screen",
      kind: "screen",
      local: true,
      participantId: undefined,
      name: selfName,
      role: room.role,
      video: localScreen,
      videoTrackId: undefined,
      videoOff: false,
      withheld: false,
      micOff: false,
      hand: false,
      speaking: false,
      reconnecting: false,
    });
  }
  for (const p of room.participants()) {
    const camera = [...p.tracks.values()].find((t) => t.source === "camera");
    const screen = [...p.tracks.values()].find((t) => t.source === "screen");
    tiles.push({
      key: p.id,
      kind: "camera",
      local: false,
      participantId: p.id,
      name: p.name,
      role: roleOf(p),
      video: room.mediaOf(p.id, "camera"),
      videoTrackId: camera?.id,
      videoOff: room.isRemoteOff(p.id, "camera"),
      withheld: camera !== undefined && room.withheld.has(camera.id),
      micOff: room.isRemoteOff(p.id, "microphone"),
      hand: p.handRaised,
      speaking: speaker === p.id,
      reconnecting: p.reconnecting,
    });
    if (screen) {
      screens.push({
        key: `${p.id}:screen`,
        kind: "screen",
        local: false,
        participantId: p.id,
        name: p.name,
        role: roleOf(p),
        video: room.mediaOf(p.id, "screen"),
        videoTrackId: screen.id,
        videoOff: false,
        withheld: false,
        micOff: false,
        hand: false,
        speaking: false,
        reconnecting: false,
      });
    }
  }
  // Shared screens come first: they are what the meeting is looking at.
  return [...screens, ...tiles];
}
