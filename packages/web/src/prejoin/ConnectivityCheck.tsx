import { useCallback, useEffect, useState } from "react";
import { probeConnectivity, type ProbeResult } from "@confab/client";
import { useI18n } from "../i18n/context.js";

type State = { name: "running" } | { name: "ok"; result: ProbeResult } | { name: "failed"; reason: string };

/** The lobby's self-test: signaling reachable, and a media connection to the SFU comes up. */
export function ConnectivityCheck() {
  const { t } = useI18n();
  const [state, setState] = useState<State>({ name: "running" });
  const run = useCallback(() => {
    setState({ name: "running" });
    probeConnectivity({ serverUrl: location.origin }).then(
      (result) => setState({ name: "ok", result }),
      (error: unknown) => setState({ name: "failed", reason: error instanceof Error ? error.message : String(error) }),
    );
  }, []);
  useEffect(run, [run]);
  return (
    <div className={`check check--${state.name}`} data-testid="connectivity" data-state={state.name} role={state.name === "failed" ? "alert" : "status"}>
      <span className="check__dot" aria-hidden="true" />
      <span className="check__text">
        {state.name === "running" && t("prejoin.check.running")}
        {state.name === "ok" && t("prejoin.check.ok", { signaling: state.result.signalingMs, media: state.result.mediaMs })}
        {state.name === "failed" && t("prejoin.check.failed", { reason: state.reason })}
      </span>
      {state.name === "failed" && (
        <button type="button" className="button" onClick={run}>
          {t("prejoin.check.retry")}
        </button>
      )}
    </div>
  );
}
