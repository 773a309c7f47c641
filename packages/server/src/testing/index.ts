/** Test helpers: a real server on loopback and a raw wire client (`@confab/server/testing`). */
export { startTestServer, wsUrl } from "./testServer.js";
export { WireClient } from "./WireClient.js";
export { Coturn, coturnUnavailable, renderCoturnConfig, COTURN_CONFIG, type CoturnOptions } from "./coturn.js";
export { TurnClient, type TurnTransport, type TurnResult } from "./TurnClient.js";
export { issueOffer, videoOffer, type VideoOfferOptions } from "./offers.js";
