/** Test helpers: a real server on loopback and a raw wire client (`@confab/server/testing`). */
export { startTestServer, wsUrl } from "./testServer.js";
export { WireClient } from "./WireClient.js";
