import { ErrorCode } from "@confab/protocol";
import { describe, expect, it } from "vitest";
import { ClientError } from "./errors.js";
import { joinWithBestToken, type TokenJoin } from "./joinTokens.js";

const refused = (code: string) => new ClientError(code as ErrorCode, `refused: ${code}`, true);

/** A join whose server answers each try with the next of `answers` (an error refuses; `ok` joins). */
function server(answers: (ClientError | "ok")[], join: Partial<TokenJoin> = {}) {
  const tried: (string | undefined)[] = [];
  let dropped = 0;
  const run = joinWithBestToken({
    moderatorToken: undefined,
    pageToken: undefined,
    rejoin: false,
    send: async (token) => {
      tried.push(token);
      const answer = answers.shift();
      if (answer !== "ok") throw answer ?? new Error("no answer left");
    },
    dropModeratorToken: () => dropped++,
    ...join,
  });
  return { run, tried, dropped: () => dropped };
}

describe("joinWithBestToken", () => {
  it("joins with the moderator token first, so the role survives a rejoin", async () => {
    const join = server(["ok"], { moderatorToken: "mod", pageToken: "page", rejoin: true });
    await join.run;
    expect(join.tried).toEqual(["mod"]);
  });

  it("on a rejoin, drops a refused moderator token and falls back to the page's, then to none", async () => {
    const join = server([refused(ErrorCode.TOKEN_INVALID), refused(ErrorCode.TOKEN_EXPIRED), "ok"], { moderatorToken: "mod", pageToken: "page", rejoin: true });
    await join.run;
    expect(join.tried).toEqual(["mod", "page", undefined]);
    expect(join.dropped()).toBe(1);
  });

  it("on a first join, never tries without the page's token: its refusal is what the person sees", async () => {
    const join = server([refused(ErrorCode.TOKEN_EXPIRED)], { pageToken: "page" });
    await expect(join.run).rejects.toMatchObject({ code: ErrorCode.TOKEN_EXPIRED });
    expect(join.tried).toEqual(["page"]);
  });

  it("reports the refused token, not AUTH_REQUIRED, when the server will not have anyone without one", async () => {
    const join = server([refused(ErrorCode.TOKEN_INVALID), refused(ErrorCode.AUTH_REQUIRED)], { pageToken: "page", rejoin: true });
    await expect(join.run).rejects.toMatchObject({ code: ErrorCode.TOKEN_INVALID });
    expect(join.tried).toEqual(["page", undefined]);
  });

  it("gives up at once on a refusal that is not about the token", async () => {
    const join = server([refused(ErrorCode.ROOM_FULL)], { moderatorToken: "mod", rejoin: true });
    await expect(join.run).rejects.toMatchObject({ code: ErrorCode.ROOM_FULL });
    expect(join.tried).toEqual(["mod"]);
    expect(join.dropped()).toBe(0);
  });

  it("joins without a token when it holds none", async () => {
    const join = server(["ok"]);
    await join.run;
    expect(join.tried).toEqual([undefined]);
  });
});
