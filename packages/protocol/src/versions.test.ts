import { describe, expect, it } from "vitest";
import { MIN_PROTOCOL_VERSION, PROTOCOL_VERSION } from "./constants.js";
import { ErrorCode } from "./errors.js";
import type { ServerMessage } from "./server-messages.js";
import { messageForVersion, negotiateVersion } from "./versions.js";

describe("protocol versions", () => {
  it("a session speaks the client's version when the server speaks it, from MIN_PROTOCOL_VERSION to PROTOCOL_VERSION", () => {
    expect(PROTOCOL_VERSION).toBe(3);
    expect(negotiateVersion(3)).toBe(3);
    expect(negotiateVersion(2)).toBe(2);
    expect(negotiateVersion(MIN_PROTOCOL_VERSION - 1)).toBeUndefined();
    expect(negotiateVersion(PROTOCOL_VERSION + 1)).toBeUndefined();
    expect(negotiateVersion(2.5)).toBeUndefined();
  });

  it("version 2 sessions are sent neither draining nor iceServers, and SERVER_DRAINING as ROOM_FULL", () => {
    const draining = { type: "draining", closesInMs: 1000 } as const;
    const iceServers: ServerMessage = { type: "iceServers", iceServers: [{ urls: "turn:turn.example.org" }] };
    const refused = { type: "error", code: ErrorCode.SERVER_DRAINING, message: "the server is restarting", fatal: false, inReplyTo: "join" } as const;
    expect(messageForVersion(draining, 2)).toBeUndefined();
    expect(messageForVersion(iceServers, 2)).toBeUndefined();
    expect(messageForVersion(refused, 2)).toEqual({ ...refused, code: ErrorCode.ROOM_FULL });
    // Version 3 gets them as they are, and every other message goes to both unchanged.
    expect(messageForVersion(draining, 3)).toBe(draining);
    expect(messageForVersion(iceServers, 3)).toBe(iceServers);
    expect(messageForVersion(refused, 3)).toBe(refused);
    const full = { ...refused, code: ErrorCode.ROOM_FULL };
    expect(messageForVersion(full, 2)).toBe(full);
    const pong = { type: "pong" } as const;
    expect(messageForVersion(pong, 2)).toBe(pong);
  });
});
