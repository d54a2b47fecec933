/**
 * A CI step's log on its way from the step container to Postgres: lines are
 * appended to the step's row in small batches (so a page can read what is
 * there and follow the rest) and published on the `wharf_ci` channel as they
 * arrive. At most `capBytes` are kept: past the cap the lines are dropped,
 * with one note saying so. Memory is bounded by the batch size and the
 * longest line kept whole, whatever the step prints.
 */
import { Writable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { db } from "@/lib/db/client";

/** The Postgres channel live CI logs and run changes are published on. */
export const CI_CHANNEL = "wharf_ci";
/** NOTIFY payloads must stay under 8000 bytes. */
const NOTIFY_TEXT_BYTES = 6_000;
/** A batch is written when it reaches this size, or at the next tick. */
const BATCH_BYTES = 16 * 1024;
/** A "line" without a newline is cut here, so one endless line cannot fill memory. */
const MAX_LINE_BYTES = 64 * 1024;
const FLUSH_EVERY_MS = 200;

export function truncationNote(capBytes: number) {
  return `[wharf] The log was cut off here: this step printed more than ${capBytes} bytes (WHARF_CI_LOG_CAP_BYTES); the rest is not kept.\n`;
}

/** What a page receives for each batch of lines (JSON on CI_CHANNEL). */
export interface CiLogMessage {
  kind: "log";
  runId: string;
  stepId: string;
  /** Byte offset of `text` in the step's stored log: a reader that has more already skips it. */
  offset: number;
  text: string;
}

function chunksOf(text: string, bytes: number): string[] {
  const out: string[] = [];
  let cur = "";
  for (const line of text.split(/(?<=\n)/)) {
    if (cur && Buffer.byteLength(cur + line) > bytes) {
      out.push(cur);
      cur = "";
    }
    // A single line longer than a payload goes in pieces.
    let rest = line;
    while (Buffer.byteLength(rest) > bytes) {
      const piece = Buffer.from(rest)
        .subarray(0, bytes)
        .toString("utf8")
        .replace(/\uFFFD$/, "");
      out.push(piece);
      rest = rest.slice(piece.length);
    }
    cur += rest;
  }
  if (cur) out.push(cur);
  return out;
}

/**
 * Writable the step's log is piped into. `finished` resolves once everything
 * is stored and the step's log is marked archived (the stream's `finish`).
 */
export class StepLogSink extends Writable {
  private readonly decoder = new StringDecoder("utf8");
  private partial = "";
  private batch = "";
  private stored = 0;
  private truncated = false;
  private chain: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;
  readonly finished: Promise<void>;

  constructor(
    private readonly ids: { runId: string; stepId: string },
    private readonly capBytes: number,
  ) {
    super({ decodeStrings: true });
    this.timer = setInterval(() => void this.flush().catch(() => {}), FLUSH_EVERY_MS);
    this.finished = new Promise((resolve, reject) => {
      this.once("finish", () => resolve());
      this.once("error", reject);
    });
  }

  /** Starts the step's log afresh (a follower that restarts reads the container's log from the beginning). */
  async reset(): Promise<void> {
    await db().ciStep.update({ where: { id: this.ids.stepId }, data: { log: "", logBytes: 0, logTruncated: false, logArchived: false } });
  }

  private take(line: string) {
    if (this.truncated) return;
    const bytes = Buffer.byteLength(line);
    if (this.stored + bytes > this.capBytes) {
      this.truncated = true;
      this.batch += truncationNote(this.capBytes);
      return;
    }
    this.stored += bytes;
    this.batch += line;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void) {
    this.partial += this.decoder.write(chunk);
    let nl: number;
    while ((nl = this.partial.indexOf("\n")) >= 0) {
      this.take(this.partial.slice(0, nl + 1));
      this.partial = this.partial.slice(nl + 1);
    }
    if (Buffer.byteLength(this.partial) > MAX_LINE_BYTES) {
      this.take(`${this.partial}\n`);
      this.partial = "";
    }
    if (Buffer.byteLength(this.batch) >= BATCH_BYTES) this.flush().then(() => cb(), cb);
    else cb();
  }

  override _final(cb: (e?: Error | null) => void) {
    clearInterval(this.timer);
    const rest = this.partial + this.decoder.end();
    if (rest) this.take(rest.endsWith("\n") ? rest : `${rest}\n`);
    this.partial = "";
    this.flush()
      .then(() => db().ciStep.update({ where: { id: this.ids.stepId }, data: { logArchived: true, logTruncated: this.truncated } }))
      .then(() => cb(), cb);
  }

  override _destroy(err: Error | null, cb: (e?: Error | null) => void) {
    clearInterval(this.timer);
    cb(err);
  }

  /** Appends the batch to the stored log and publishes it, one batch at a time and in order. */
  private flush(): Promise<void> {
    const text = this.batch;
    this.batch = "";
    if (!text) return this.chain;
    this.chain = this.chain.then(async () => {
      const { runId, stepId } = this.ids;
      const rows = await db().$queryRaw<{ logBytes: number }[]>`
        update "CiStep" set log = log || ${text}, "logBytes" = "logBytes" + ${Buffer.byteLength(text)}
        where id = ${stepId} returning "logBytes"`;
      let offset = (rows[0]?.logBytes ?? 0) - Buffer.byteLength(text);
      for (const piece of chunksOf(text, NOTIFY_TEXT_BYTES)) {
        const message: CiLogMessage = { kind: "log", runId, stepId, offset, text: piece };
        await db().$executeRaw`select pg_notify(${CI_CHANNEL}, ${JSON.stringify(message)})`;
        offset += Buffer.byteLength(piece);
      }
    });
    return this.chain;
  }
}
