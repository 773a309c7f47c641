import { describe, expect, it } from "vitest";
import { parseServerInfo } from "./serverInfo.js";

describe("server info", () => {
  it("reads the auth mode the server reports", () => {
    expect(parseServerInfo({ auth: "token", version: "0.1.0" })).toEqual({ auth: "token", version: "0.1.0", relay: false });
    expect(parseServerInfo({ auth: "open" })).toEqual({ auth: "open", version: "", relay: false });
    expect(parseServerInfo({ auth: "open", version: "1", relay: true })).toEqual({ auth: "open", version: "1", relay: true });
  });

  it("ignores anything else (an older server, a proxy's error page)", () => {
    expect(parseServerInfo(null)).toBeUndefined();
    expect(parseServerInfo({ auth: "none" })).toBeUndefined();
    expect(parseServerInfo("<html>")).toBeUndefined();
  });
});
