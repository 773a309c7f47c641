import { describe, expect, it } from "vitest";
import { ErrorCode } from "@confab/protocol";
import type { UserError } from "../errors.js";
import { Lobby } from "./Lobby.js";

const code = (p: Promise<unknown>) => p.then(() => "admitted", (e: UserError) => e.code);

describe("Lobby", () => {
  it("admits, denies and lists knocks in order, telling its owner of each change", async () => {
    let changes = 0;
    const lobby = new Lobby(60_000, () => changes++);
    const ids: string[] = [];
    const a = code(lobby.knock("Ann", undefined, (id) => ids.push(id)));
    const b = code(lobby.knock("Bob", undefined, (id) => ids.push(id)));
    expect(lobby.knocks.map((k) => k.name)).toEqual(["Ann", "Bob"]);
    expect(lobby.admit(ids[0]!)).toBe(true);
    expect(lobby.deny(ids[1]!)).toBe(true);
    expect(await a).toBe("admitted");
    expect(await b).toBe(ErrorCode.LOBBY_DENIED);
    expect(lobby.knocks).toEqual([]);
    expect(lobby.admit(ids[0]!)).toBe(false);
    expect(changes).toBe(4);
  });

  it("times a knock out, and drops it when the person gives up", async () => {
    const lobby = new Lobby(50, () => {});
    expect(await code(lobby.knock("Ann"))).toBe(ErrorCode.LOBBY_TIMEOUT);
    const abort = new AbortController();
    const gaveUp = code(lobby.knock("Bob", abort.signal));
    abort.abort();
    expect(await gaveUp).toBe(ErrorCode.BAD_STATE);
    expect(lobby.knocks).toEqual([]);
  });

  it("refuses knocks beyond its capacity and everyone waiting when closed (idempotent)", async () => {
    const lobby = new Lobby(60_000, () => {}, 1);
    const first = code(lobby.knock("Ann"));
    expect(await code(lobby.knock("Bob"))).toBe(ErrorCode.ROOM_FULL);
    lobby.close();
    lobby.close();
    expect(await first).toBe(ErrorCode.BAD_STATE);
    expect(await code(lobby.knock("Cat"))).toBe(ErrorCode.BAD_STATE);
  });
});
