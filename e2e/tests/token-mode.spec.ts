import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join as joinPath } from "node:path";
import { ServerProcess } from "@confab/bots";
import { expect, test } from "../support/test.js";
import { roomName, tileOf } from "../support/room.js";
import { joinVia, mintLink, open, ownTile, pressJoin, type TokenServer } from "../support/access.js";
import { E2E_API_KEY, E2E_API_SECRET } from "../playwright.config.js";

/** A second server with AUTH=token (the suite's shared one is open). */
let server: ServerProcess | undefined;
let tokens: TokenServer;
let dataDir: string;

test.beforeAll(async () => {
  dataDir = mkdtempSync(joinPath(tmpdir(), "confab-e2e-token-"));
  const env = { API_KEY: E2E_API_KEY, API_SECRET: E2E_API_SECRET, DATA_DIR: dataDir };
  server = await ServerProcess.start({ ...env, AUTH: "token" });
  await expect.poll(async () => (await fetch(`${server!.url}/healthz`)).ok, { timeout: 15_000 }).toBe(true);
  tokens = { url: server.url, env };
});

test.afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test("AUTH=token: the start page says so, a link without a token cannot join, one with a valid token can", async ({ browser }) => {
  const room = roomName("token");
  const url = server!.url;

  const visitor = await open(browser, `${url}/`, "Visitor");
  await expect(visitor.page.getByTestId("token-only")).toContainText("only people with an invitation link");
  await expect(visitor.page.getByRole("button", { name: "Start a new meeting" })).toHaveCount(0);

  await visitor.page.goto(`${url}/${room}`);
  await pressJoin(visitor.page, "Visitor");
  await expect(visitor.page.getByTestId("join-error")).toContainText("only people with an invitation link");
  await expect(ownTile(visitor.page)).toHaveCount(0);

  const ann = await joinVia(browser, await mintLink(room, "Ann", "moderator", { server: tokens }), "Ann");
  await expect(ownTile(ann.page)).toHaveAttribute("data-role", "moderator");
  expect(ann.page.url()).toBe(`${url}/${room}`);
  const bob = await joinVia(browser, await mintLink(room, "Bob", "participant", { server: tokens }), "Bob");
  await expect(ownTile(bob.page)).toHaveAttribute("data-role", "participant");
  await expect(tileOf(bob.page, "Ann")).toHaveAttribute("data-role", "moderator");
  await expect(tileOf(ann.page, "Bob")).toHaveCount(1);
});
