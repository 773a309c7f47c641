import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync, readlinkSync } from "node:fs";

/** What a process holds, read from /proc (proc(5)); Linux only. */
export interface ProcessStats {
  /** Resident memory (VmRSS), bytes. */
  rssBytes: number;
  /** Open file descriptors. */
  fds: number;
  /** Open UDP sockets (its descriptors whose socket inode is in /proc/<pid>/net/udp or udp6). */
  udpSockets: number;
  threads: number;
}

const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** The socket inodes of UDP sockets in the process's network namespace. */
function udpInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  for (const file of ["udp", "udp6"]) {
    let text = "";
    try {
      text = readFileSync(`/proc/${pid}/net/${file}`, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const inode = line.trim().split(/\s+/)[9];
      if (inode) inodes.add(inode);
    }
  }
  return inodes;
}

/** Reads a process's memory, descriptors, UDP sockets and threads. */
export function processStats(pid: number): ProcessStats {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? 0);
  const fds = readdirSync(`/proc/${pid}/fd`);
  const udp = udpInodes(pid);
  let udpSockets = 0;
  for (const fd of fds) {
    try {
      const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
      if (inode && udp.has(inode)) udpSockets++;
    } catch {
      // closed while we looked
    }
  }
  return { rssBytes: field("VmRSS") * 1024, fds: fds.length, udpSockets, threads: field("Threads") };
}

/** CPU time the process has used (user + system, all threads), microseconds (/proc/<pid>/stat fields 14, 15). */
export function processCpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND) * 1e6;
}

/** "123.4 MB" */
export function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
