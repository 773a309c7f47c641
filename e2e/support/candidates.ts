import type { Page } from "@playwright/test";

/** One end of a selected candidate pair, as getStats reports it. */
export interface SelectedCandidate {
  candidateType?: string;
  address?: string;
  port?: number;
  relayProtocol?: string;
}

/**
 * The `side` candidate (the browser's own, or the server's) of the selected pair of each
 * connected peer connection of the page (the SDK's connections, listed in `window.__pcs`).
 */
export async function selectedCandidates(page: Page, side: "local" | "remote"): Promise<SelectedCandidate[]> {
  return page.evaluate(async (side) => {
    const out: SelectedCandidate[] = [];
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs ?? []) {
      if (pc.connectionState !== "connected") continue;
      const stats = new Map<string, Record<string, unknown>>();
      (await pc.getStats()).forEach((s: Record<string, unknown>) => stats.set(s.id as string, s));
      for (const s of stats.values()) {
        if (s.type !== "transport" || typeof s.selectedCandidatePairId !== "string") continue;
        const pair = stats.get(s.selectedCandidatePairId);
        const candidate = pair && stats.get(pair[side === "local" ? "localCandidateId" : "remoteCandidateId"] as string);
        if (candidate) {
          out.push({
            candidateType: candidate.candidateType as string | undefined,
            address: candidate.address as string | undefined,
            port: candidate.port as number | undefined,
            relayProtocol: candidate.relayProtocol as string | undefined,
          });
        }
      }
    }
    return out;
  }, side);
}
