import { useCallback, useEffect, useState } from "react";
import { probeConnectivity, type ProbeResult } from "@confab/client";
import { useI18n } from "../i18n/context.js";
import { useServerInfo } from "../lib/serverInfo.js";

type State = { name: "running" } | { name: "ok"; result: ProbeResult } | { name: "failed"; reason: string };

/**
 * The lobby's self-test: signaling reachable, and which direct media path to the SFU works.
 * When none does but the server offers a TURN relay, it says the meeting will use the relay
 * (whose credentials come only with joining, so the relay itself is tried then).
 */
export function ConnectivityCheck() {
  const { t } = useI18n();
  const info = useServerInfo();
  const [state, setState] = useState<State>({ name: "running" });
  const run = useCallback(() => {
    setState({ name: "running" });
    probeConnectivity({ serverUrl: location.origin }).then(
      (result) => setState({ name: "ok", result }),
      (error: unknown) => setState({ name: "failed", reason: error instanceof Error ? error.message : String(error) }),
    );
  }, []);
  useEffect(run, [run]);
  const relay = state.name === "failed" && info?.relay === true;
  const shown = relay ? "relay" : state.name;
  return (
    <div
      className={`check check--${shown}`}
      data-testid="connectivity"
      data-state={shown}
      data-path={state.name === "ok" ? state.result.path : undefined}
      role={shown === "failed" ? "alert" : "status"}
    >
      <span className="check__dot" aria-hidden="true" />
      <span className="check__text">
        {state.name === "running" && t("prejoin.check.running")}
        {state.name === "ok" && t("prejoin.check.ok", { signaling: state.result.signalingMs, media: state.result.mediaMs })}
        {state.name === "ok" && state.result.path && ` ${t("prejoin.check.path", { path: t(`path.${state.result.path}`) })}`}
        {state.name === "failed" && !relay && t("prejoin.check.failed", { reason: state.reason })}
        {relay && t("prejoin.check.relay")}
      </span>
      {state.name === "failed" && (
        <button type="button" className="button" onClick={run}>
          {t("prejoin.check.retry")}
        </button>
      )}
    </div>
  );
}
