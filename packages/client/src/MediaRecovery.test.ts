import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ClientError } from "./errors.js";
import { CONNECT_TIMEOUT_MS, ICE_RESTART_TIMEOUT_MS, MediaRecovery } from "./MediaRecovery.js";

/** A peer connection reduced to its state and its (empty) statistics. */
class FakeConnection extends EventTarget {
  connectionState: RTCPeerConnectionState = "new";
  iceConnectionState: RTCIceConnectionState = "new";
  async getStats(): Promise<Map<string, unknown>> {
    return new Map();
  }
  goTo(state: RTCPeerConnectionState): void {
    this.connectionState = state;
    this.dispatchEvent(new Event("connectionstatechange"));
  }
  get pc(): RTCPeerConnection {
    return this as unknown as RTCPeerConnection;
  }
}

/** A MediaRecovery over connections `current`, in a room joined or not, recording what it did. */
function watched() {
  const room = {
    joined: true,
    current: new Set<RTCPeerConnection>(),
    restarted: [] as RTCPeerConnection[],
    rejoins: [] as ClientError[],
    changes: 0,
  };
  const recovery = new MediaRecovery({
    isCurrent: (pc) => room.current.has(pc),
    joined: () => room.joined,
    restartIce: (pc) => {
      if (!room.current.has(pc)) return false;
      room.restarted.push(pc);
      return true;
    },
    iceServers: () => [{ urls: "turn:turn.example.org:3478" }],
    rejoin: (cause) => room.rejoins.push(cause),
    changed: () => room.changes++,
  });
  const connection = () => {
    const fake = new FakeConnection();
    room.current.add(fake.pc);
    recovery.watch(fake.pc);
    return fake;
  };
  return { recovery, room, connection };
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe("MediaRecovery", () => {
  it("restarts ICE on a connection that failed and says what was blocked", async () => {
    const { recovery, room, connection } = watched();
    const fake = connection();
    fake.goTo("failed");
    expect(room.restarted).toEqual([fake.pc]);
    await vi.advanceTimersByTimeAsync(0);
    expect(recovery.problem).toEqual({ kind: "relay-blocked", relayHosts: ["turn.example.org"] });
    expect(room.changes).toBe(1);
  });

  it("rejoins when the ICE restart has not brought the connection back in time", async () => {
    const { room, connection } = watched();
    connection().goTo("failed");
    await vi.advanceTimersByTimeAsync(ICE_RESTART_TIMEOUT_MS - 1);
    expect(room.rejoins).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(room.rejoins.map((e) => e.code)).toEqual(["MEDIA_FAILED"]);
  });

  it("neither rejoins nor keeps the problem once the restarted connection is connected again", async () => {
    const { recovery, room, connection } = watched();
    const fake = connection();
    fake.goTo("failed");
    await vi.advanceTimersByTimeAsync(0);
    fake.goTo("connected");
    expect(recovery.problem).toBeUndefined();
    await vi.advanceTimersByTimeAsync(ICE_RESTART_TIMEOUT_MS * 2);
    expect(room.rejoins).toEqual([]);
  });

  it("rejoins when a new connection never comes up", async () => {
    const { recovery, room, connection } = watched();
    connection().goTo("connecting");
    await vi.advanceTimersByTimeAsync(CONNECT_TIMEOUT_MS);
    expect(room.rejoins.map((e) => e.code)).toEqual(["MEDIA_FAILED"]);
    expect(recovery.problem?.kind).toBe("relay-blocked");
  });

  it("leaves alone a connection that is no longer current, and does nothing while not joined", async () => {
    const { room, connection } = watched();
    const old = connection();
    room.current.delete(old.pc);
    old.goTo("failed");
    room.joined = false;
    connection().goTo("failed");
    await vi.advanceTimersByTimeAsync(CONNECT_TIMEOUT_MS + ICE_RESTART_TIMEOUT_MS);
    expect(room.restarted).toEqual([]);
    expect(room.rejoins).toEqual([]);
  });

  it("restarts once per failure however often it is asked, with one timeout", async () => {
    const { recovery, room, connection } = watched();
    const fake = connection();
    fake.connectionState = "disconnected";
    recovery.restartBroken([fake.pc]);
    recovery.restart(fake.pc);
    expect(room.restarted).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(ICE_RESTART_TIMEOUT_MS);
    expect(room.rejoins).toHaveLength(1);
  });

  it("after a resume restarts only the connections that broke meanwhile", () => {
    const { recovery, room, connection } = watched();
    const broken = connection();
    const fine = connection();
    broken.iceConnectionState = "disconnected";
    fine.connectionState = "connected";
    recovery.restartBroken([broken.pc, fine.pc]);
    expect(room.restarted).toEqual([broken.pc]);
  });

  it("runs no timeout on after clear, however many times it is cleared", async () => {
    const { recovery, room, connection } = watched();
    connection().goTo("failed");
    connection().goTo("connecting");
    recovery.clear();
    recovery.clear();
    await vi.advanceTimersByTimeAsync(CONNECT_TIMEOUT_MS + ICE_RESTART_TIMEOUT_MS);
    expect(room.rejoins).toEqual([]);
  });
});
