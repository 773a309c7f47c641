import { describe, expect, it } from "vitest";
import { turnCredentials, turnIceServers } from "./turnCredentials.js";

const turn = { urls: ["turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:443?transport=tcp"], secret: "test-secret-0123456789", ttlSeconds: 3600 };

describe("TURN credentials", () => {
  it("are the username <unix expiry>:<participant id> and base64 HMAC-SHA1 of it under the secret", () => {
    // Expected value from `openssl dgst -sha1 -hmac test-secret-0123456789 -binary | base64`.
    expect(turnCredentials("test-secret-0123456789", "p0123456789ab", 1767225600)).toEqual({
      username: "1767225600:p0123456789ab",
      credential: "SCprcRyBCMdJC3ult97keilwS0Y=",
      expiresAt: 1767225600,
    });
  });

  it("expire TURN_TTL after they are handed out, for every configured URL", () => {
    const [server, ...rest] = turnIceServers(turn, "pabc", 1_700_000_000_000);
    expect(rest).toEqual([]);
    expect(server).toStrictEqual({ urls: turn.urls, username: "1700003600:pabc", credential: turnCredentials(turn.secret, "pabc", 1_700_003_600).credential });
  });

  it("are not handed out when TURN is not configured", () => {
    expect(turnIceServers({ urls: [], secret: "", ttlSeconds: 3600 }, "pabc")).toEqual([]);
  });
});
