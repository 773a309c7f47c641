import { describe, expect, it } from "vitest";
import { MAX_DECODE_REASON, decodeClientMessage, decodeServerMessage, encodeMessage } from "./codec.js";
import { ErrorCode } from "./errors.js";
import { MAX_SIGNAL_FRAME_BYTES } from "./constants.js";

/** The failure a decode must have returned (fails the test when it succeeded). */
function failure<T extends { ok: boolean }>(r: T): Extract<T, { ok: false }> {
  expect(r.ok, "the decode should have failed").toBe(false);
  return r as Extract<T, { ok: false }>;
}

describe("decodeClientMessage", () => {
  it("accepts a valid hello and round-trips it", () => {
    const hello = { type: "hello", protocolVersion: 1, client: "test" };
    const frame = encodeMessage(hello);
    const r = decodeClientMessage(frame);
    expect(r).toEqual({ ok: true, message: { type: "hello", protocolVersion: 1, client: "test" } });
  });

  it("rejects text that is not JSON with BAD_JSON", () => {
    const r = decodeClientMessage("{not json");
    expect(failure(r).code).toBe(ErrorCode.BAD_JSON);
  });

  it("rejects JSON that is not an object with BAD_MESSAGE", () => {
    for (const frame of ["[]", "null", "42", '"hello"']) {
      const r = decodeClientMessage(frame);
      expect(r.ok ? null : r.code).toBe(ErrorCode.BAD_MESSAGE);
    }
  });

  it("refuses an unknown key of 70 000 characters with a reason of at most 200 (zod quoted the key whole, found by fuzzing)", () => {
    const r = decodeClientMessage(JSON.stringify({ type: "hello", protocolVersion: 2, ["y".repeat(70_000)]: 1 }));
    expect(r).toMatchObject({ ok: false, code: ErrorCode.BAD_MESSAGE });
    expect((r as { message: string }).message.length).toBeLessThanOrEqual(MAX_DECODE_REASON + 1);
    expect((r as { message: string }).message).toMatch(/^message: Unrecognized key/);
  });

  it("rejects an unknown type with UNKNOWN_TYPE and echoes at most 64 characters of it", () => {
    const r = decodeClientMessage(JSON.stringify({ type: "x".repeat(500) }));
    expect(failure(r).code).toBe(ErrorCode.UNKNOWN_TYPE);
    expect(failure(r).type?.length).toBe(64);
  });

  it("rejects wrong field types with BAD_MESSAGE naming the field", () => {
    const r = decodeClientMessage(JSON.stringify({ type: "mute", source: "microphone", muted: "yes" }));
    expect(failure(r).code).toBe(ErrorCode.BAD_MESSAGE);
    expect(failure(r).message).toContain("muted");
  });

  it("gives invalid room names and display names their own codes", () => {
    const room = decodeClientMessage(JSON.stringify({ type: "join", room: "../etc", name: "Ann" }));
    expect(room.ok ? null : room.code).toBe(ErrorCode.INVALID_ROOM);
    const name = decodeClientMessage(JSON.stringify({ type: "join", room: "standup", name: "\u0000\u200b  " }));
    expect(name.ok ? null : name.code).toBe(ErrorCode.INVALID_NAME);
  });

  it("refuses names that only look blank: Hangul fillers, the braille blank, lone combining marks", () => {
    for (const name of ["\u3164", "\u3164\u3164 \u115F", "\u2800\u2800", "\uFFA0", "\u0301\u0301", " \u17B4 "]) {
      const r = decodeClientMessage(JSON.stringify({ type: "join", room: "standup", name }));
      expect(r.ok ? null : r.code, JSON.stringify(name)).toBe(ErrorCode.INVALID_NAME);
    }
    const ok = decodeClientMessage(JSON.stringify({ type: "join", room: "standup", name: "\u3164Ann\u3164" }));
    expect(ok.ok && ok.message.type === "join" ? ok.message.name : null).toBe("Ann");
  });

  it("strips control characters from display names and keeps markup as plain text", () => {
    const r = decodeClientMessage(JSON.stringify({ type: "join", room: "a", name: " <b>Ann</b>\u0007\nSmith " }));
    expect(r.ok && r.message.type === "join" ? r.message.name : null).toBe("<b>Ann</b> Smith");
  });

  it("rejects frames above the size limit with TOO_BIG", () => {
    const r = decodeClientMessage(" ".repeat(MAX_SIGNAL_FRAME_BYTES + 1));
    expect(r.ok ? null : r.code).toBe(ErrorCode.TOO_BIG);
  });

  it("accepts a view with and without pinned, and rejects a pinned that is not a boolean", () => {
    const view = { type: "view", tracks: [{ trackId: "p1-a", width: 640, height: 360, pinned: true }, { trackId: "p2-b", width: 320, height: 180 }] };
    expect(decodeClientMessage(JSON.stringify(view))).toEqual({ ok: true, message: view });
    const bad = decodeClientMessage(JSON.stringify({ type: "view", tracks: [{ trackId: "p1-a", width: 640, height: 360, pinned: "yes" }] }));
    expect(failure(bad).code).toBe(ErrorCode.BAD_MESSAGE);
    expect(failure(bad).message).toContain("pinned");
  });

  it("refuses a __proto__ key (a field the protocol does not define) without polluting prototypes", () => {
    const r = decodeClientMessage('{"type":"leave","__proto__":{"polluted":true}}');
    expect(r.ok ? null : r.code).toBe(ErrorCode.BAD_MESSAGE);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("decodeServerMessage", () => {
  it("accepts every server error code and refuses unknown ones", () => {
    const ok = decodeServerMessage(JSON.stringify({ type: "error", code: "ROOM_FULL", message: "full", fatal: false }));
    expect(ok.ok).toBe(true);
    const bad = decodeServerMessage(JSON.stringify({ type: "error", code: "NOPE", message: "x", fatal: false }));
    expect(bad.ok).toBe(false);
  });

  it("accepts a lastN list of track ids and refuses one that is not", () => {
    const ok = decodeServerMessage(JSON.stringify({ type: "lastN", withheld: ["p1-a", "p2-b"] }));
    expect(ok).toEqual({ ok: true, message: { type: "lastN", withheld: ["p1-a", "p2-b"] } });
    expect(decodeServerMessage(JSON.stringify({ type: "lastN", withheld: "p1-a" })).ok).toBe(false);
  });
});
