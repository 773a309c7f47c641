import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Grants, PublishRule, Role, TrackSource } from "@confab/protocol";
import { ErrorCode } from "@confab/protocol";
import { UserError } from "../errors.js";
import { may, requirePermission, type Action, type PermissionPolicy } from "./permissions.js";

const all: Grants = { camera: true, microphone: true, screen: true, chat: true };
const everyone: PermissionPolicy = { publish: { camera: "everyone", microphone: "everyone", screen: "everyone", chat: "everyone" } };
const moderatorsOnly: PermissionPolicy = { publish: { camera: "moderators", microphone: "moderators", screen: "moderators", chat: "moderators" } };
const publish = (source: TrackSource): Action => ({ kind: "publish", source });

describe("may", () => {
  it("lets only moderators moderate and pass the lock, the password and the lobby", () => {
    for (const action of [{ kind: "moderate" }, { kind: "bypass-access" }] as const) {
      expect(may({ role: "moderator", grants: all }, action, everyone)).toBe(true);
      expect(may({ role: "participant", grants: all }, action, everyone)).toBe(false);
      expect(may({ role: "viewer", grants: all }, action, everyone)).toBe(false);
    }
  });

  it("never lets a viewer publish, whatever its grants say", () => {
    for (const source of ["camera", "microphone", "screen", "screen-audio"] as const) {
      expect(may({ role: "viewer", grants: all }, publish(source), everyone)).toBe(false);
    }
  });

  it("needs the participant's own grant to publish a source", () => {
    const noCamera = { ...all, camera: false };
    expect(may({ role: "participant", grants: noCamera }, publish("camera"), everyone)).toBe(false);
    expect(may({ role: "participant", grants: noCamera }, publish("microphone"), everyone)).toBe(true);
    expect(may({ role: "moderator", grants: noCamera }, publish("camera"), everyone)).toBe(false);
  });

  it("follows the room's rule: 'moderators' restricts a source to moderators", () => {
    expect(may({ role: "participant", grants: all }, publish("screen"), moderatorsOnly)).toBe(false);
    expect(may({ role: "moderator", grants: all }, publish("screen"), moderatorsOnly)).toBe(true);
    expect(may({ role: "participant", grants: all }, { kind: "chat" }, moderatorsOnly)).toBe(false);
    expect(may({ role: "viewer", grants: all }, { kind: "chat" }, everyone)).toBe(true);
  });

  it("treats screen audio as part of the screen share", () => {
    const noScreen = { ...all, screen: false };
    expect(may({ role: "participant", grants: noScreen }, publish("screen-audio"), everyone)).toBe(false);
    const screenForModerators: PermissionPolicy = { publish: { ...everyone.publish, screen: "moderators" } };
    expect(may({ role: "participant", grants: all }, publish("screen-audio"), screenForModerators)).toBe(false);
  });

  it("never grants more than the role, the grant and the rule each allow (property)", () => {
    const role = fc.constantFrom<Role>("moderator", "participant", "viewer");
    const rule = fc.constantFrom<PublishRule>("everyone", "moderators");
    const grants = fc.record({ camera: fc.boolean(), microphone: fc.boolean(), screen: fc.boolean(), chat: fc.boolean() });
    const source = fc.constantFrom<TrackSource>("camera", "microphone", "screen", "screen-audio");
    fc.assert(
      fc.property(role, grants, rule, rule, rule, rule, source, (r, g, camera, microphone, screen, chat, s) => {
        const policy: PermissionPolicy = { publish: { camera, microphone, screen, chat } };
        const key = s === "screen-audio" ? "screen" : s;
        const allowed = may({ role: r, grants: g }, publish(s), policy);
        expect(allowed).toBe(r !== "viewer" && g[key] && (policy.publish[key] === "everyone" || r === "moderator"));
        expect(may({ role: r, grants: g }, { kind: "moderate" }, policy)).toBe(r === "moderator");
      }),
    );
  });
});

describe("requirePermission", () => {
  it("throws FORBIDDEN, naming what was refused", () => {
    try {
      requirePermission({ role: "participant", grants: all }, { kind: "moderate" }, everyone, "remove people");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(UserError);
      expect((e as UserError).code).toBe(ErrorCode.FORBIDDEN);
      expect((e as UserError).message).toContain("remove people");
    }
  });
});
