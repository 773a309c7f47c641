#!/usr/bin/env node
/**
 * Joins bots to a room until Ctrl-C, e.g. to fill a meeting you are testing by hand:
 *   node packages/bots/dist/cli.js --url http://127.0.0.1:8080 --room standup --count 3
 */
import { Bot } from "./Bot.js";

interface Args {
  url: string;
  room: string;
  count: number;
  audio: boolean;
  video: boolean;
}

function parse(argv: string[]): Args {
  const args: Args = { url: "http://127.0.0.1:8080", room: "standup", count: 1, audio: true, video: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--url") args.url = argv[++i] ?? args.url;
    else if (a === "--room") args.room = argv[++i] ?? args.room;
    else if (a === "--count") args.count = Math.max(1, Math.min(100, Number(argv[++i]) || 1));
    else if (a === "--no-audio") args.audio = false;
    else if (a === "--no-video") args.video = false;
    else {
      console.error("usage: cli.js [--url http://127.0.0.1:8080] [--room standup] [--count N] [--no-audio] [--no-video]");
      process.exit(2);
    }
  }
  const host = new URL(args.url).hostname;
  if (host !== "127.0.0.1" && host !== "localhost") {
    console.error("bots connect to a server on this machine only (127.0.0.1 / localhost)");
    process.exit(2);
  }
  return args;
}

async function main(): Promise<void> {
  const args = parse(process.argv.slice(2));
  const bots: Bot[] = [];
  for (let i = 1; i <= args.count; i++) {
    const bot = new Bot({ url: args.url, room: args.room, name: `Bot ${i}`, publish: { audio: args.audio, video: args.video } });
    await bot.join();
    bots.push(bot);
    console.log(`Bot ${i} joined ${args.room} as ${bot.id}`);
  }
  const report = setInterval(() => {
    for (const [i, bot] of bots.entries()) {
      const tracks = bot.tracks().map((t) => `${t.kind}:${t.packets}p/${t.frames}f`).join(" ");
      console.log(`Bot ${i + 1}: sent ${bot.videoPacketsSent} video packets; received ${tracks || "nothing yet"}`);
    }
  }, 5000);
  const stop = async () => {
    clearInterval(report);
    await Promise.all(bots.map((b) => b.close()));
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
