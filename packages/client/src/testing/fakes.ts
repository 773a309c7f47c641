/**
 * Test doubles for the SDK's unit tests (not part of the package: excluded from its build).
 * Node's `ws` stands in for the browser's WebSocket (same event-handler API).
 */
import { WebSocket } from "ws";
import { ConfabRoom, type ConfabRoomOptions } from "../ConfabRoom.js";
import type { WebSocketFactory } from "../SignalingClient.js";

/** Node's `ws` as the browser WebSocket, remembering every socket so a test can cut one. */
export function recordingWebSocket(): { sockets: WebSocket[]; factory: WebSocketFactory } {
  const sockets: WebSocket[] = [];
  class Recording extends WebSocket {
    constructor(url: string) {
      super(url);
      sockets.push(this);
    }
  }
  return { sockets, factory: Recording as unknown as WebSocketFactory };
}

/**
 * Just enough of RTCPeerConnection for a participant that publishes nothing in an empty room:
 * the SDK creates its receiving connection, which stays unused.
 */
export class IdlePeerConnection {
  onicecandidate: unknown = null;
  connectionState = "new";
  addEventListener(): void {}
  close(): void {}
}

/**
 * A room joined as "Ann" over a recorded WebSocket (the test can cut it), with no media:
 * `options` name the server and room, and may override the rest.
 */
export function idleRoom(options: Pick<ConfabRoomOptions, "serverUrl" | "room"> & Partial<ConfabRoomOptions>): ConfabRoom {
  return new ConfabRoom({
    name: "Ann",
    WebSocket: recordingWebSocket().factory,
    RTCPeerConnection: IdlePeerConnection as unknown as typeof RTCPeerConnection,
    ...options,
  });
}
