/**
 * Password guessing budget with the defaults (5 per address, 20 per room, per minute; see
 * "measures the guessing rate" below, which counts them on a fake clock):
 * - one address: 5 attempts at once, then 5 per minute;
 * - any number of addresses together, against one room: 20 at once, then 20 per minute
 *   (28 800 a day).
 * An 8-character password of lowercase letters and digits has 36^8 ≈ 2.8 × 10^12 values: at
 * 20 attempts per minute, trying them all takes 1.4 × 10^11 minutes ≈ 268 000 years (half
 * that on average). Even a 4-digit PIN (10^4) takes ~8 hours to exhaust (~4 on average).
 */
import { describe, expect, it } from "vitest";
import { addressKey, PasswordGuard } from "./PasswordGuard.js";

function fakeClock(): { now: () => number; advance: (ms: number) => void } {
  let t = 5_000_000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe("PasswordGuard", () => {
  it("engages after 5 attempts from one address and releases one attempt every 12 s", () => {
    const clock = fakeClock();
    const guard = new PasswordGuard({ now: clock.now });
    for (let i = 0; i < 5; i++) expect(guard.check("203.0.113.5", "standup")).toEqual({ ok: true });
    expect(guard.check("203.0.113.5", "standup")).toEqual({ ok: false, retryAfterMs: 12_000 });
    clock.advance(11_999);
    expect(guard.check("203.0.113.5", "standup").ok).toBe(false);
    clock.advance(1);
    expect(guard.check("203.0.113.5", "standup").ok).toBe(true);
    expect(guard.check("203.0.113.5", "standup").ok).toBe(false);
  });

  it("still refuses the right password while limited: the check comes before verification", () => {
    const clock = fakeClock();
    const guard = new PasswordGuard({ now: clock.now });
    for (let i = 0; i < 5; i++) guard.check("198.51.100.1", "standup");
    // The caller would verify only after ok: true, so a correct password changes nothing here.
    const verdict = guard.check("198.51.100.1", "standup");
    expect(verdict.ok).toBe(false);
    guard.succeeded("198.51.100.1", "standup");
    expect(guard.check("198.51.100.1", "standup").ok).toBe(false);
  });

  it("holds the per-room limit against guesses spread over many addresses", () => {
    const clock = fakeClock();
    const guard = new PasswordGuard({ now: clock.now });
    let accepted = 0;
    for (let i = 0; i < 1_000; i++) if (guard.check(`10.0.${i >> 8}.${i & 255}`, "standup").ok) accepted++;
    expect(accepted).toBe(20);
    // Another room is unaffected, and a refused attempt took nothing from the address.
    expect(guard.check("10.0.0.0", "other").ok).toBe(true);
  });

  it("takes an attempt from neither budget when one of them is spent", () => {
    const clock = fakeClock();
    const guard = new PasswordGuard({ now: clock.now, perAddress: { burst: 1, refillPerMinute: 1 } });
    expect(guard.check("192.0.2.1", "a").ok).toBe(true);
    for (let i = 0; i < 50; i++) expect(guard.check("192.0.2.1", "b").ok).toBe(false);
    // Room b's 20 were not touched by the refused attempts.
    let accepted = 0;
    for (let i = 0; i < 30; i++) if (guard.check(`192.0.2.${100 + i}`, "b").ok) accepted++;
    expect(accepted).toBe(20);
  });

  it("measures the guessing rate: 5 per minute from one address, 20 per minute against one room", () => {
    const clock = fakeClock();
    const guard = new PasswordGuard({ now: clock.now });
    const minutes = 60;
    let fromOne = 0;
    let fromMany = 0;
    // An attacker trying every 100 ms for an hour, from one address against room a, and from a
    // fresh address each time against room b.
    for (let t = 0, n = 0; t < minutes * 60_000; t += 100, n++) {
      if (guard.check("192.0.2.7", "a").ok) fromOne++;
      if (guard.check(`2001:db8:${(n >> 16).toString(16)}:${(n & 0xffff).toString(16)}::1`, "b").ok) fromMany++;
      clock.advance(100);
    }
    expect(fromOne).toBe(5 + 5 * minutes - 1); // burst, then one every 12 s (the last not yet due)
    expect(fromMany).toBe(20 + 20 * minutes - 1);
    expect((fromMany - 20) / minutes).toBeCloseTo(20, 0);
  });

  it("keeps memory bounded under 100 000 distinct addresses", () => {
    const guard = new PasswordGuard({ maxKeys: 10_000 });
    for (let i = 0; i < 100_000; i++) guard.check(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, `room${i % 50_000}`);
    expect(guard.size.addresses).toBeLessThanOrEqual(10_000);
    expect(guard.size.rooms).toBeLessThanOrEqual(10_000);
  });
});

describe("addressKey", () => {
  it("limits IPv4 by address, IPv4-mapped IPv6 as IPv4 and IPv6 by /64", () => {
    expect(addressKey("203.0.113.5")).toBe("203.0.113.5");
    expect(addressKey("::ffff:203.0.113.5")).toBe("203.0.113.5");
    expect(addressKey("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(addressKey("2001:db8:1:2::ffff")).toBe("2001:db8:1:2::/64");
    expect(addressKey("2001:0db8:0001:0002:0:0:0:1")).toBe("2001:db8:1:2::/64");
    expect(addressKey("::1")).toBe("0:0:0:0::/64");
    expect(addressKey("not an address")).toBe("not an address");
  });
});
