import { I18nProvider } from "../i18n/context.js";
import { roomFromPath } from "../lib/roomName.js";
import { Landing } from "../landing/Landing.js";
import { BadRoom } from "../landing/BadRoom.js";
import { Meeting } from "./Meeting.js";

/** Routes by path: `/` is the start page, `/<room>` a meeting (`token`: from the invitation link). */
export function App({ token }: { token: string | undefined }) {
  const room = roomFromPath(location.pathname);
  return (
    <I18nProvider>
      {room === undefined ? <Landing /> : room === null ? <BadRoom /> : <Meeting room={room} token={token} />}
    </I18nProvider>
  );
}
