import { useEffect, useState } from "react";
import type { ConfabRoom, ConnectionPath as Path } from "@confab/client";
import { useI18n } from "../i18n/context.js";

/** Which way this participant's media travels (direct UDP/TCP or the relay), read every 2 s. */
export function ConnectionPath({ room }: { room: ConfabRoom }) {
  const { t } = useI18n();
  const [path, setPath] = useState<Path | undefined>();
  useEffect(() => {
    let cancelled = false;
    const poll = () =>
      void room.connectionPath().then(
        (p) => !cancelled && setPath(p),
        () => undefined,
      );
    poll();
    const timer = setInterval(poll, 2000);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, [room]);
  if (!path) return null;
  const label = t("path.label", { path: t(`path.${path}`) });
  return (
    <span className={`path path--${path.startsWith("relay") ? "relay" : "direct"}`} data-testid="connection-path" data-path={path} title={label} aria-label={label} role="img">
      {path.startsWith("relay") ? "⇄" : "→"} {path}
    </span>
  );
}

/** What is blocked when media cannot connect, and what to ask the network administrator for. */
export function MediaBlocked({ room }: { room: ConfabRoom }) {
  const { t } = useI18n();
  const problem = room.mediaProblem;
  if (!problem) return null;
  const relay = problem.relayHosts.join(", ") || location.hostname;
  return (
    <div className="banner banner--blocked" role="alert" data-testid="media-blocked" data-kind={problem.kind}>
      {t(`media.blocked.${problem.kind}`, { server: location.hostname, relay })}
    </div>
  );
}
