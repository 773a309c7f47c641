import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ServerMessage } from "@confab/protocol";
import { turnCredentials } from "../auth/turnCredentials.js";
import { IceServerRenewal, renewalMarginMs } from "./IceServerRenewal.js";

const STUN = { urls: "stun:stun.example.org:3478" };
const turn = { urls: ["turn:turn.example.org:3478?transport=udp"], secret: "renewal-secret-0123456789", ttlSeconds: 3600 };
const config = { rtc: { iceServers: [STUN] }, turn } as unknown as ConstructorParameters<typeof IceServerRenewal>[0];
const T0 = 1_800_000_000_000;

/** The unix expiry in a TURN REST username. */
const expiryOf = (servers: { username?: string }[]) => Number(servers.find((s) => s.username)!.username!.split(":")[0]);

describe("ICE server renewal", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(T0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("renews a quarter of the TTL before expiry, and at most 10 minutes before", () => {
    expect(renewalMarginMs(60)).toBe(15_000);
    expect(renewalMarginMs(3600)).toBe(600_000);
    expect(renewalMarginMs(6 * 3600)).toBe(600_000);
  });

  it("sends the participant fresh credentials before the ones it has expire, again and again", () => {
    const sent: ServerMessage[] = [];
    const renewal = new IceServerRenewal(config, "pabc", (m) => sent.push(m));
    const first = renewal.issue();
    expect(first[0]).toEqual(STUN);
    const firstExpiry = expiryOf(first);
    expect(firstExpiry).toBe(T0 / 1000 + 3600);
    vi.advanceTimersByTime(3600_000 - 600_000 - 1);
    expect(sent).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(sent).toHaveLength(1);
    const renewed = sent[0] as Extract<ServerMessage, { type: "iceServers" }>;
    expect(renewed.type).toBe("iceServers");
    expect(renewed.iceServers[0]).toEqual(STUN);
    expect(expiryOf(renewed.iceServers)).toBe(firstExpiry + 3000);
    expect(renewed.iceServers[1]!.credential).toBe(turnCredentials(turn.secret, "pabc", firstExpiry + 3000).credential);
    vi.advanceTimersByTime(3000_000);
    expect(sent).toHaveLength(2);
    renewal.close();
  });

  it("starts the schedule again when credentials are issued on a resume, and stops on close", () => {
    const sent: ServerMessage[] = [];
    const renewal = new IceServerRenewal(config, "pabc", (m) => sent.push(m));
    renewal.issue();
    vi.advanceTimersByTime(1800_000);
    renewal.issue(); // joined, resumed
    vi.advanceTimersByTime(1800_000);
    expect(sent).toEqual([]);
    vi.advanceTimersByTime(1200_000);
    expect(sent).toHaveLength(1);
    renewal.close();
    renewal.close();
    vi.advanceTimersByTime(10 * 3600_000);
    expect(sent).toHaveLength(1);
    // A closed participant's list has no credentials left to renew.
    expect(renewal.issue()).toEqual([STUN]);
  });

  it("sends nothing without a TURN relay", () => {
    const sent: ServerMessage[] = [];
    const renewal = new IceServerRenewal({ ...config, turn: { urls: [], secret: "", ttlSeconds: 3600 } }, "pabc", (m) => sent.push(m));
    expect(renewal.issue()).toEqual([STUN]);
    vi.advanceTimersByTime(10 * 3600_000);
    expect(sent).toEqual([]);
  });
});
