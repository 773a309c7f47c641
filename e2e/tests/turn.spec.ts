import { chromium, type Browser, type Page } from "@playwright/test";
import { ServerProcess } from "@confab/bots";
import { CHROMIUM_ARGS } from "@confab/bots/chromium";
import { Coturn, coturnUnavailable, type CoturnOptions } from "@confab/server/testing";
import { E2E_PORT } from "../playwright.config.js";
import { selectedCandidates } from "../support/candidates.js";
import { EmulatedLink, netnsUnavailable } from "../support/netns.js";
import { expectRemoteAudioFlowing, expectRemoteVideosAdvancing, inboundRtp, recordPeerConnections, remoteFrameCounts, roomName, tileOf } from "../support/room.js";
import { expect, test } from "../support/test.js";

const SECRET = "e2e-turn-secret-0123456789abcdef";

/** Joins from the lobby once its connectivity test says `lobbyCheck` ("ok": direct UDP works; "ok-tcp": direct TCP; "relay": only the relay will). */
async function joinAt(browser: Browser, url: string, name: string, lobbyCheck?: "ok" | "ok-tcp" | "relay"): Promise<Page> {
  const context = await browser.newContext();
  await context.addInitScript(recordPeerConnections);
  const page = await context.newPage();
  await page.goto(url);
  if (lobbyCheck) await expect(page.getByTestId("connectivity")).toHaveAttribute("data-state", lobbyCheck === "relay" ? "relay" : "ok", { timeout: 30_000 });
  if (lobbyCheck?.startsWith("ok")) await expect(page.getByTestId("connectivity")).toHaveAttribute("data-path", lobbyCheck === "ok" ? "udp" : "tcp");
  await page.getByTestId("display-name").fill(name);
  await page.getByTestId("join").click();
  await expect(page.locator("[data-testid=tile][data-local]")).toBeVisible();
  return page;
}

/** The path the page's own tile shows (udp, tcp, relay-udp, relay-tcp, relay-tls). */
async function shownPath(page: Page): Promise<string | null> {
  return page.locator("[data-testid=tile][data-local] [data-testid=connection-path]").getAttribute("data-path", { timeout: 30_000 });
}

/** Every connection of the page runs through a relay port of our coturn (49160–49200 on its address). */
async function expectRelayedByCoturn(page: Page, address: string): Promise<void> {
  const locals = await selectedCandidates(page, "local");
  expect(locals.length, JSON.stringify(locals)).toBe(2);
  for (const local of locals) {
    expect(local, JSON.stringify(locals)).toMatchObject({ candidateType: "relay", address });
    expect(local.port as number).toBeGreaterThanOrEqual(49160);
    expect(local.port as number).toBeLessThanOrEqual(49200);
  }
}

/** Sound energy received so far, all inbound audio streams (the fake microphone beeps). */
async function audioEnergy(page: Page): Promise<number> {
  return (await inboundRtp(page, "audio")).reduce((sum, s) => sum + (typeof s.totalAudioEnergy === "number" ? s.totalAudioEnergy : 0), 0);
}

/** Each page decodes the other's video, receives its audio, and hears sound in it. */
async function expectMediaBothWays(pages: Page[]): Promise<void> {
  for (const page of pages) {
    await expectRemoteVideosAdvancing(page, 1);
    await expectRemoteAudioFlowing(page, 1);
    await expect.poll(() => audioEnergy(page), { timeout: 15_000 }).toBeGreaterThan(0);
  }
}

test.describe("connectivity through a real coturn", () => {
  let link: EmulatedLink;
  let coturn: Coturn;
  let coturnOptions: CoturnOptions;
  let server: ServerProcess;
  const browsers: Browser[] = [];
  const port = E2E_PORT + 3;

  test.beforeAll(async () => {
    // Run on purpose: say plainly what is missing rather than skip.
    const unavailable = netnsUnavailable() ?? coturnUnavailable();
    if (unavailable) throw new Error(`cannot run the TURN test: ${unavailable}`);
    link = await EmulatedLink.create();
    const turn = link.serverAddress;
    // coturn from deploy/coturn/turnserver.conf; the SFU's test address is private, so it is
    // the one peer allowed on top of the documented denials.
    coturnOptions = { address: turn, port: 3478, tlsPort: 443, relayPorts: [49160, 49200], secret: SECRET, allowedPeers: [turn], prefix: link.prefix(link.serverNs) };
    coturn = await Coturn.start(coturnOptions);
    server = await ServerProcess.start(
      {
        PORT: String(port),
        HOST: "0.0.0.0",
        RTC_ANNOUNCED_IPS: turn,
        TURN_URLS: `turn:${turn}:3478?transport=udp,turn:${turn}:3478?transport=tcp,turns:${turn}:443?transport=tcp`,
        TURN_SECRET: SECRET,
      },
      link.prefix(link.serverNs),
    );
  });

  test.afterAll(async () => {
    await Promise.all(browsers.map((b) => b.close()));
    await server?.stop();
    await coturn?.close();
    link?.close();
  });

  test("a browser whose network drops all UDP meets a normal one through the relay over TCP; both see and hear each other and it shows the path", async () => {
    test.setTimeout(180_000);
    link.blockUdp(link.clientNs);
    const origin = `http://${link.serverAddress}:${port}`;
    const normal = await chromium.launch({ executablePath: link.chromiumIn(link.serverNs), args: [...CHROMIUM_ARGS] });
    browsers.push(normal);
    const blocked = await chromium.launch({
      executablePath: link.chromiumIn(link.clientNs),
      // A LAN address over plain HTTP is not a secure context; this one is, for the test.
      args: [...CHROMIUM_ARGS, `--unsafely-treat-insecure-origin-as-secure=${origin}`],
    });
    browsers.push(blocked);

    const room = roomName("udpblocked");
    const ann = await joinAt(normal, `http://127.0.0.1:${port}/${room}`, "Ann", "ok");
    // Rex's lobby finds no direct path, and says the meeting will use the relay.
    const rex = await joinAt(blocked, `${origin}/${room}`, "Rex", "relay");
    await expectMediaBothWays([ann, rex]);
    expect(await shownPath(ann)).toBe("udp");
    // Relay over TCP (or TLS): nothing else gets out of Rex's network.
    expect(await shownPath(rex)).toMatch(/^relay-(tcp|tls)$/);
    await expectRelayedByCoturn(rex, link.serverAddress);
    await Promise.all([ann.context().close(), rex.context().close()]);
  });

  test("with iceTransportPolicy relay forced (?relay=1), media flows through coturn", async () => {
    test.setTimeout(120_000);
    const normal = await chromium.launch({ executablePath: link.chromiumIn(link.serverNs), args: [...CHROMIUM_ARGS] });
    browsers.push(normal);
    const room = roomName("relayonly");
    const ann = await joinAt(normal, `http://127.0.0.1:${port}/${room}?relay=1`, "Ann");
    const bob = await joinAt(normal, `http://127.0.0.1:${port}/${room}`, "Bob");
    await expectMediaBothWays([ann, bob]);
    // Through the relay over UDP or TCP (both are offered; a busy machine once had the TCP
    // allocation win): which one is Chromium's choice, that it is coturn's relay is ours.
    expect(await shownPath(ann)).toMatch(/^relay-(udp|tcp)$/);
    expect(await shownPath(bob)).toBe("udp");
    await expectRelayedByCoturn(ann, link.serverAddress);
    await Promise.all([ann.context().close(), bob.context().close()]);
  });

  test("a relay-only participant whose first TURN credentials expired gets back through the relay with the renewed ones after losing it, as the same participant", async () => {
    // TURN_TTL 60 s (its least): renewed credentials (iceServers) come 15 s before the expiry.
    // coturn keeps refreshing an allocation past the expiry, so the relay is taken away (coturn
    // restarted) once the first credentials are dead: Ann's ICE fails, the SDK restarts it, and
    // the new allocation must present the renewed credentials (the expired ones get 401, and
    // Ann would come back only by rejoining, as someone new).
    test.setTimeout(300_000);
    const ttlPort = E2E_PORT + 14;
    const turn = link.serverAddress;
    const ttlServer = await ServerProcess.start(
      { PORT: String(ttlPort), HOST: "0.0.0.0", RTC_ANNOUNCED_IPS: turn, TURN_URLS: `turn:${turn}:3478?transport=udp`, TURN_SECRET: SECRET, TURN_TTL: "60" },
      link.prefix(link.serverNs),
    );
    try {
      const normal = await chromium.launch({ executablePath: link.chromiumIn(link.serverNs), args: [...CHROMIUM_ARGS] });
      browsers.push(normal);
      const room = roomName("relayttl");
      const ann = await joinAt(normal, `http://127.0.0.1:${ttlPort}/${room}?relay=1`, "Ann");
      const joinedAt = Date.now();
      const bob = await joinAt(normal, `http://127.0.0.1:${ttlPort}/${room}`, "Bob");
      await expectMediaBothWays([ann, bob]);
      expect(await shownPath(ann)).toBe("relay-udp");
      const annId = (await tileOf(bob, "Ann").getAttribute("data-participant-id"))!;
      // Past the first credentials' expiry, with a margin for the clocks.
      await bob.waitForTimeout(Math.max(0, joinedAt + 65_000 - Date.now()));
      await coturn.close();
      coturn = await Coturn.start(coturnOptions);
      const lostAt = Date.now();
      // Ann's video stops for Bob, then plays again: same participant, through the new relay.
      const frames = async () => (await remoteFrameCounts(bob))[annId] ?? 0;
      await expect.poll(async () => {
        const before = await frames();
        await bob.waitForTimeout(1500);
        return (await frames()) - before;
      }, { timeout: 60_000 }).toBe(0);
      const stalled = await frames();
      // What Ann's connections went through, for a failure message.
      const story: string[] = [];
      const note = setInterval(() => {
        void ann
          .evaluate(() => ((window as unknown as { __pcs?: RTCPeerConnection[] }).__pcs ?? []).map((pc) => `${pc.connectionState}/${pc.iceConnectionState}`).join(" "))
          .then((states) => {
            const line = `${Math.round((Date.now() - lostAt) / 1000)}s ${states}`;
            if (story.at(-1)?.split(" ").slice(1).join(" ") !== states) story.push(line);
          })
          .catch(() => undefined);
      }, 1000);
      try {
        await expect.poll(frames, { timeout: 90_000, intervals: [500] }).toBeGreaterThan(stalled + 15);
      } catch (error) {
        const ids = await bob.locator("[data-testid=tile][data-participant-id]").evaluateAll((tiles) => tiles.map((t) => (t as HTMLElement).dataset.participantId));
        const relayLog = coturn.log.split("\n").filter((l) => /401|incorrect|expired|Cannot find|allocation|ALLOCATE|session .* closed/i.test(l)).slice(-40).join("\n");
        throw new Error(`Ann's video did not come back (Ann was ${annId}; tiles on Bob's page now: ${ids.join(", ")})\nAnn's connections: ${story.join(" | ")}\ncoturn:\n${relayLog}`, { cause: error });
      } finally {
        clearInterval(note);
      }
      console.log(`relay lost ${Math.round((Date.now() - joinedAt) / 1000)} s after Ann joined (credentials TTL 60 s); her video back on Bob's page ${Date.now() - lostAt} ms after`);
      expect(await tileOf(bob, "Ann").getAttribute("data-participant-id")).toBe(annId);
      // Ann's video is back (her publishing connection); her receiving one restarts ICE on its own.
      await expect(() => expectRelayedByCoturn(ann, turn)).toPass({ timeout: 30_000 });
      await Promise.all([ann.context().close(), bob.context().close()]);
    } finally {
      await ttlServer.stop();
    }
  });

  test("with ICE-TCP on (RTC_ICE_TCP=1) and no relay, the browser whose network drops all UDP connects to the SFU over TCP", async () => {
    test.setTimeout(120_000);
    link.blockUdp(link.clientNs);
    const tcpPort = port + 1;
    const tcpServer = await ServerProcess.start({ PORT: String(tcpPort), HOST: "0.0.0.0", RTC_ANNOUNCED_IPS: link.serverAddress, RTC_ICE_TCP: "1" }, link.prefix(link.serverNs));
    try {
      const origin = `http://${link.serverAddress}:${tcpPort}`;
      const normal = await chromium.launch({ executablePath: link.chromiumIn(link.serverNs), args: [...CHROMIUM_ARGS] });
      browsers.push(normal);
      const blocked = await chromium.launch({ executablePath: link.chromiumIn(link.clientNs), args: [...CHROMIUM_ARGS, `--unsafely-treat-insecure-origin-as-secure=${origin}`] });
      browsers.push(blocked);
      const room = roomName("icetcp");
      const ann = await joinAt(normal, `http://127.0.0.1:${tcpPort}/${room}`, "Ann", "ok");
      // The lobby's own test finds the TCP path too.
      const rex = await joinAt(blocked, `${origin}/${room}`, "Rex", "ok-tcp");
      await expectMediaBothWays([ann, rex]);
      expect(await shownPath(ann)).toBe("udp");
      expect(await shownPath(rex)).toBe("tcp");
      await Promise.all([ann.context().close(), rex.context().close()]);
    } finally {
      await tcpServer.stop();
    }
  });

  test("when UDP and the relay's TCP/TLS ports are all blocked, the person is told what is blocked and what to ask the network administrator for", async () => {
    test.setTimeout(180_000);
    link.blockUdp(link.clientNs);
    link.blockTcpPorts(link.clientNs, [3478, 443]);
    try {
      const origin = `http://${link.serverAddress}:${port}`;
      const blocked = await chromium.launch({ executablePath: link.chromiumIn(link.clientNs), args: [...CHROMIUM_ARGS, `--unsafely-treat-insecure-origin-as-secure=${origin}`] });
      browsers.push(blocked);
      const rex = await joinAt(blocked, `${origin}/${roomName("allblocked")}`, "Rex");
      const message = rex.getByTestId("media-blocked");
      // ICE gives up after its checks time out (about 30 s in Chromium).
      await expect(message).toBeVisible({ timeout: 90_000 });
      await expect(message).toHaveAttribute("data-kind", "relay-blocked");
      await expect(message).toContainText(link.serverAddress);
      await expect(message).toContainText("port 443");
      await expect(message).toContainText("network administrator");
      await rex.context().close();
    } finally {
      link.unblockTcpPorts(link.clientNs);
    }
  });
});
