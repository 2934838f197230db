/** `events`: print the build events a sidecar publishes, one line each. */
import { EVENT_TOPICS, formatEventLine, isEventTopic, subscribe, type EventTopic } from "../events/index.js";
import { CliError, EXIT } from "./exit.js";

export async function eventsCommand(f: { connect: string[]; topic?: string[]; json?: boolean; count?: string }, out: NodeJS.WriteStream = process.stdout): Promise<number> {
  const topics: EventTopic[] = [];
  for (const t of f.topic ?? []) {
    if (!isEventTopic(t)) throw new CliError(`unknown topic ${t}: use one of ${EVENT_TOPICS.join(", ")}`, EXIT.USAGE);
    topics.push(t);
  }
  const max = f.count !== undefined ? Number(f.count) : Infinity;
  if (!(max > 0)) throw new CliError(`--count takes a positive number, got ${f.count}`, EXIT.USAGE);
  const ac = new AbortController();
  const stop = (): void => ac.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  const sub = subscribe({ connect: f.connect, ...(topics.length > 0 ? { topics } : {}), signal: ac.signal });
  let n = 0;
  try {
    for await (const e of sub) {
      out.write(`${f.json ? JSON.stringify({ topic: e.topic, ...e.event }) : formatEventLine(e)}\n`);
      if (++n >= max) break;
    }
  } finally {
    sub.close();
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
  return EXIT.OK;
}
