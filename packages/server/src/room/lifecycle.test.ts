import { describe, expect, it } from "vitest";
import { pino } from "pino";
import { ErrorCode, type ServerMessage } from "@confab/protocol";
import { UserError } from "../errors.js";
import { ForwardedTrack } from "../sfu/ForwardedTrack.js";
import { joinRequestFor, roomManagerFor, roomTestConfig } from "../testing/rooms.js";

const config = roomTestConfig();
const log = pino({ level: "silent" });

function sink() {
  const messages: ServerMessage[] = [];
  return { messages, send: (m: ServerMessage) => messages.push(m) };
}

describe("room lifecycle", () => {
  it("tells existing participants about a newcomer and the newcomer about them", async () => {
    const rooms = roomManagerFor(config);
    const room = rooms.getOrCreate("life");
    const a = sink();
    const b = sink();
    await room.join(joinRequestFor(room.name, "Ann"), a);
    await room.join(joinRequestFor(room.name, "Bob"), b);
    const joined = b.messages.find((m) => m.type === "joined");
    expect(joined?.type === "joined" && joined.participants.map((p) => p.name)).toEqual(["Ann"]);
    expect(a.messages.some((m) => m.type === "participant.joined" && m.participant.name === "Bob")).toBe(true);
    rooms.close();
  });

  it("closing the manager closes every room and refuses new ones", async () => {
    const rooms = roomManagerFor(config);
    const room = rooms.getOrCreate("shut");
    await room.join(joinRequestFor(room.name, "Ann"), sink());
    rooms.close();
    rooms.close();
    expect(room.isClosed).toBe(true);
    expect(rooms.roomCount).toBe(0);
    expect(() => rooms.getOrCreate("again")).toThrow(UserError);
  });

  it("leave is idempotent and drops the room when it empties", async () => {
    const rooms = roomManagerFor(config);
    const room = rooms.getOrCreate("idem");
    const p = await room.join(joinRequestFor(room.name, "Ann"), sink());
    room.leave(p, "left");
    room.leave(p, "left");
    expect(p.isClosed).toBe(true);
    expect(rooms.get("idem")).toBeUndefined();
    rooms.close();
  });

  it("refuses to mute a source that is not published", async () => {
    const rooms = roomManagerFor(config);
    const room = rooms.getOrCreate("mute");
    const p = await room.join(joinRequestFor(room.name, "Ann"), sink());
    try {
      room.setMuted(p, "camera", true);
      expect.unreachable();
    } catch (e) {
      expect((e as UserError).code).toBe(ErrorCode.BAD_STATE);
    }
    rooms.close();
  });
});

describe("ForwardedTrack", () => {
  it("close() is idempotent, emits close once and drops its sinks", async () => {
    const track = new ForwardedTrack("t1", "video", "camera", "0", false, 500, () => {});
    let closes = 0;
    track.events.on("close", () => closes++);
    track.addSink({ forward: () => {}, wantedLayer: 0 });
    expect(track.sinkCount).toBe(1);
    track.close();
    track.close();
    expect(closes).toBe(1);
    expect(track.sinkCount).toBe(0);
    track.addSink({ forward: () => {}, wantedLayer: 0 });
    expect(track.sinkCount).toBe(0);
  });

  it("a listener that throws does not stop the others", async () => {
    const errors: unknown[] = [];
    const track = new ForwardedTrack("t2", "audio", "microphone", "0", false, 500, (_e, err) => errors.push(err));
    let reached = false;
    track.events.on("close", () => {
      throw new Error("listener bug");
    });
    track.events.on("close", () => {
      reached = true;
    });
    track.close();
    expect(reached).toBe(true);
    expect(errors).toHaveLength(1);
  });
});
