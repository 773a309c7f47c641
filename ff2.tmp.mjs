import puppeteer from "puppeteer-core";
const headless = process.argv[2] !== "headed";
const browser = await puppeteer.launch({ browser: "firefox", executablePath: "/usr/bin/firefox-esr", headless,
  extraPrefsFirefox: { "media.navigator.streams.fake": true, "media.navigator.permission.disabled": true, "media.getusermedia.browser.enabled": true } });
const page = await browser.newPage();
await page.goto("http://127.0.0.1:8291/healthz");
await page.evaluate(() => {
  const b = document.createElement("button"); b.id = "b"; b.textContent = "share"; document.body.append(b);
  window.__r = "pending";
  b.onclick = async () => {
    const out = [];
    for (const c of [{ video: true }, { video: { mediaSource: "screen" } }, { video: { mediaSource: "browser" } }]) {
      try { const d = await navigator.mediaDevices.getDisplayMedia(c); out.push(JSON.stringify(d.getVideoTracks()[0].getSettings()) + d.getVideoTracks()[0].label); }
      catch (e) { out.push(String(e)); }
    }
    window.__r = out;
  };
});
await page.click("#b");
await new Promise((r) => setTimeout(r, 3000));
console.log(await page.evaluate(() => window.__r));
await browser.close();
