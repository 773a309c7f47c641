import { I18nProvider } from "../i18n/context.js";
import { roomFromPath } from "../lib/roomName.js";
import { Landing } from "../landing/Landing.js";
import { BadRoom } from "../landing/BadRoom.js";
import { Meeting } from "./Meeting.js";

/** Routes by path: `/` is the start page, `/<room>` a meeting. */
export function App() {
  const room = roomFromPath(location.pathname);
  return (
    <I18nProvider>
      {room === undefined ? <Landing /> : room === null ? <BadRoom /> : <Meeting room={room} />}
    </I18nProvider>
  );
}
