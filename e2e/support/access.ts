import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, type Browser, type Page } from "@playwright/test";
import { E2E_API_KEY, E2E_API_SECRET, E2E_DATA_DIR, E2E_PORT } from "../playwright.config.js";
import { recordPeerConnections, type Person } from "./room.js";

const run = promisify(execFile);
const TOKEN_CLI = fileURLToPath(new URL("../../packages/server/dist/cli/token.js", import.meta.url));

/** A server the tests can mint tokens for: its URL and the key, secret and data directory it uses. */
export interface TokenServer {
  url: string;
  env: { API_KEY: string; API_SECRET: string; DATA_DIR: string };
}

/** The suite's shared server (open mode, fixed test credentials). */
export const SUITE_SERVER: TokenServer = {
  url: `http://127.0.0.1:${E2E_PORT}`,
  env: { API_KEY: E2E_API_KEY, API_SECRET: E2E_API_SECRET, DATA_DIR: E2E_DATA_DIR },
};

/**
 * A join link from the token CLI, as an operator makes one
 * (`npm run --silent token -- --room … --name … --role …`): its LAST line is the link (the CLI's
 * contract), with PUBLIC_URL set to `server.url`.
 */
export async function mintLink(
  room: string,
  name: string,
  role: "moderator" | "participant" | "viewer" = "participant",
  options: { identity?: string; server?: TokenServer } = {},
): Promise<string> {
  const server = options.server ?? SUITE_SERVER;
  const args = [TOKEN_CLI, "--room", room, "--name", name, "--role", role, "--ttl", "2h"];
  if (options.identity) args.push("--identity", options.identity);
  const { stdout } = await run(process.execPath, args, { env: { ...process.env, ...server.env, PUBLIC_URL: server.url } });
  const link = stdout.trimEnd().split("\n").at(-1) ?? "";
  expect(link, "the token CLI's last line is the join link").toMatch(new RegExp(`^${server.url}/${room}\\?token=[\\w.-]+$`));
  return link;
}

/** Opens `url` (a path on the suite's server, or a full link) as a new person, not joined yet. */
export async function open(browser: Browser, url: string, name: string): Promise<Person> {
  const context = await browser.newContext();
  await context.addInitScript(recordPeerConnections);
  const page = await context.newPage();
  await page.goto(url);
  return { name, context, page };
}

/** Types the name (if the form has no name yet) and presses Join. */
export async function pressJoin(page: Page, name: string): Promise<void> {
  await page.getByTestId("display-name").fill(name);
  await page.getByTestId("join").click();
}

/** Opens `url`, joins as `name` and waits until the person is in the meeting. */
export async function joinVia(browser: Browser, url: string, name: string): Promise<Person> {
  const person = await open(browser, url, name);
  await pressJoin(person.page, name);
  await expect(person.page.locator("[data-testid=tile][data-local]")).toBeVisible();
  return person;
}

/** The person's own tile. */
export function ownTile(page: Page) {
  return page.locator("[data-testid=tile][data-local]");
}

/** Opens the participants panel (where moderators find the host controls). */
export async function openParticipants(page: Page): Promise<void> {
  const toggle = page.getByTestId("participants-toggle");
  if ((await toggle.getAttribute("aria-pressed")) !== "true") await toggle.click();
  await expect(page.getByRole("complementary", { name: "Participants" })).toBeVisible();
}

/** Opens the moderation menu of `name`'s tile and picks `item` (a data-testid in the menu). */
export async function moderateTile(page: Page, tile: ReturnType<Page["locator"]>, item: string): Promise<void> {
  const menu = tile.getByTestId("participant-menu");
  await menu.getByTestId("participant-menu-button").click();
  await menu.getByTestId(item).click();
}

/**
 * packetsReceived of `participantId`'s microphone on `page`: the inbound-rtp stream whose
 * track is the one the page plays for that participant (`audio[data-participant-id]`).
 */
export async function audioPacketsFrom(page: Page, participantId: string): Promise<number | undefined> {
  return page.evaluate(async (id) => {
    const audio = document.querySelector<HTMLAudioElement>(`audio[data-participant-id="${id}"][data-source="microphone"]`);
    const trackId = (audio?.srcObject as MediaStream | null)?.getAudioTracks()[0]?.id;
    if (!trackId) return undefined;
    let packets: number | undefined;
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs ?? []) {
      if (pc.connectionState === "closed") continue;
      (await pc.getStats()).forEach((s: { type: string; kind?: string; trackIdentifier?: string; packetsReceived?: number }) => {
        if (s.type === "inbound-rtp" && s.kind === "audio" && s.trackIdentifier === trackId) packets = s.packetsReceived ?? 0;
      });
    }
    return packets;
  }, participantId);
}

/**
 * Starts recording, in the page, the time (ms since the epoch) at which `selector` first
 * matches; read it with {@link firstSeenAt}. A MutationObserver sees the change in the frame
 * it happens, so the measurement does not depend on how often the test polls.
 */
export async function watchFor(page: Page, key: string, selector: string): Promise<void> {
  await page.evaluate(
    ([k, sel]) => {
      const seen = ((window as unknown as { __seen?: Record<string, number> }).__seen ??= {});
      delete seen[k];
      const check = () => {
        if (seen[k] === undefined && document.querySelector(sel)) {
          seen[k] = Date.now();
          observer.disconnect();
        }
      };
      const observer = new MutationObserver(check);
      observer.observe(document.body, { subtree: true, childList: true, attributes: true });
      check();
    },
    [key, selector] as const,
  );
}

/**
 * Starts recording, in the page, when (ms since the epoch) the person first clicks an element
 * matching `selector`: the moment of the click itself, not when the test asked for it (on a
 * busy machine Playwright's actionability checks take a while). Read it with {@link firstSeenAt}.
 */
export async function watchClick(page: Page, key: string, selector: string): Promise<void> {
  await page.evaluate(
    ([k, sel]) => {
      const seen = ((window as unknown as { __seen?: Record<string, number> }).__seen ??= {});
      delete seen[k];
      const onClick = (event: Event) => {
        if (!(event.target instanceof Element) || !event.target.closest(sel)) return;
        seen[k] = Date.now();
        document.removeEventListener("click", onClick, true);
      };
      document.addEventListener("click", onClick, true);
    },
    [key, selector] as const,
  );
}

/** When {@link watchFor}'s selector first matched (or {@link watchClick}'s click happened), or undefined. */
export async function firstSeenAt(page: Page, key: string): Promise<number | undefined> {
  return page.evaluate((k) => (window as unknown as { __seen?: Record<string, number> }).__seen?.[k], key);
}
