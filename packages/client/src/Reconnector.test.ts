import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CloseCode } from "@confab/protocol";
import { ClientError } from "./errors.js";
import { RECONNECT_DELAYS_MS, RESUME_DELAYS_MS, Reconnector, mayReconnect } from "./Reconnector.js";

const lost = () => new ClientError("CONNECTION_LOST", "the connection dropped", true);

/**
 * A Reconnector whose attempts fail with the errors queued in `failures` (then succeed), and
 * that records when each attempt ran and how the loop ended.
 */
function loop(failures: unknown[], options: { timeoutMs?: number; resuming?: boolean } = {}) {
  const run = { active: true, resuming: options.resuming ?? false, attempts: [] as number[], resumeFailed: 0, gaveUp: [] as ClientError[] };
  const start = Date.now();
  const reconnector = new Reconnector(
    {
      active: () => run.active,
      attempt: () => {
        run.attempts.push(Date.now() - start);
        return failures.length > 0 ? Promise.reject(failures.shift()) : Promise.resolve();
      },
      resuming: () => run.resuming,
      resumeFailed: () => {
        run.resumeFailed++;
        run.resuming = false;
      },
      giveUp: (error) => {
        run.active = false;
        run.gaveUp.push(error);
      },
    },
    options.timeoutMs,
  );
  return { reconnector, run };
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe("Reconnector", () => {
  it("retries a lost connection with growing delays until an attempt succeeds", async () => {
    const { reconnector, run } = loop([lost(), lost(), lost()]);
    reconnector.start(lost());
    await vi.advanceTimersByTimeAsync(10_000);
    const [d0, d1, d2] = RECONNECT_DELAYS_MS;
    expect(run.attempts).toEqual([d0, d0! + d0!, d0! + d0! + d1!, d0! + d0! + d1! + d2!]);
    expect(run.gaveUp).toEqual([]);
  });

  it("waits the shorter resume delays while it can resume", async () => {
    const { reconnector, run } = loop([lost(), lost(), lost(), lost(), lost()], { resuming: true });
    reconnector.start(lost());
    await vi.advanceTimersByTimeAsync(30_000);
    const gaps = run.attempts.slice(1).map((t, i) => t - run.attempts[i]!);
    expect(gaps).toEqual(RESUME_DELAYS_MS);
  });

  it("joins anew at once when the server no longer has the participant to resume", async () => {
    const { reconnector, run } = loop([new ClientError("RESUME_FAILED", "gone", true)], { resuming: true });
    reconnector.start(lost());
    await vi.advanceTimersByTimeAsync(RECONNECT_DELAYS_MS[0]!);
    expect(run.resumeFailed).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(run.attempts).toHaveLength(2);
    expect(run.attempts[1]! - run.attempts[0]!).toBeLessThan(RESUME_DELAYS_MS[0]!);
  });

  it("gives up with the server's error when the server refuses", async () => {
    const refusal = new ClientError("ROOM_FULL", "full", true);
    const { reconnector, run } = loop([refusal]);
    reconnector.start(lost());
    await vi.advanceTimersByTimeAsync(10_000);
    expect(run.gaveUp).toEqual([refusal]);
    expect(run.attempts).toHaveLength(1);
  });

  it("keeps trying a draining server, as the one replacing it will take the meeting", async () => {
    const draining = () => new ClientError("SERVER_DRAINING", "restarting", true);
    const { reconnector, run } = loop([draining(), draining()]);
    reconnector.start(lost());
    await vi.advanceTimersByTimeAsync(10_000);
    expect(run.attempts).toHaveLength(3);
    expect(run.gaveUp).toEqual([]);
  });

  it("gives up with the cause once the reconnect timeout has passed", async () => {
    const cause = lost();
    const { reconnector, run } = loop(Array.from({ length: 100 }, () => "network unreachable"), { timeoutMs: 3_000 });
    reconnector.start(cause);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(run.gaveUp).toEqual([cause]);
    expect(run.attempts.at(-1)).toBeGreaterThanOrEqual(3_000);
  });

  it("tries again at once when the browser says the network is back", async () => {
    const target = new EventTarget();
    vi.stubGlobal("addEventListener", target.addEventListener.bind(target));
    vi.stubGlobal("removeEventListener", target.removeEventListener.bind(target));
    const { reconnector, run } = loop([lost(), lost(), lost(), lost()]);
    reconnector.start(lost());
    await vi.advanceTimersByTimeAsync(RECONNECT_DELAYS_MS[0]!);
    expect(run.attempts).toHaveLength(1);
    target.dispatchEvent(new Event("online"));
    await vi.advanceTimersByTimeAsync(1);
    expect(run.attempts).toHaveLength(2);
    reconnector.close();
    target.dispatchEvent(new Event("online"));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(run.attempts).toHaveLength(2);
  });

  it("runs no attempt after close, however many times it is closed", async () => {
    const { reconnector, run } = loop([]);
    reconnector.start(lost());
    reconnector.close();
    reconnector.close();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(run.attempts).toEqual([]);
  });

  it("is turned off by a timeout of 0", () => {
    expect(loop([], { timeoutMs: 0 }).reconnector.enabled).toBe(false);
    expect(loop([]).reconnector.enabled).toBe(true);
  });
});

describe("mayReconnect", () => {
  it("reconnects after a lost connection or a server restart, never after a refusal or a normal close", () => {
    expect(mayReconnect(1006, lost())).toBe(true);
    expect(mayReconnect(CloseCode.SERVER_SHUTDOWN, lost())).toBe(true);
    expect(mayReconnect(CloseCode.REMOVED, lost())).toBe(false);
    expect(mayReconnect(CloseCode.PROTOCOL_ERROR, lost())).toBe(false);
    expect(mayReconnect(1006, undefined)).toBe(false);
  });
});
