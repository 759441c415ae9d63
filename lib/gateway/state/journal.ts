// The spend journal: every spend row goes to an append-only file on local disk as its request is recorded, so
// a crash of the gateway (kill -9, OOM, `docker kill`) loses no row the batch writer had not yet taken to
// Postgres. One journal per worker (its own segment files): no lock and no IPC on the hot path.
//
// What is kept: rows are written (write(2), into the kernel's page cache) at the end of the event-loop turn in
// which their responses finished — one write for all of that turn's rows, before the worker reads any new
// input — and synced to the disk (fdatasync) soon after: one sync at a time, at most one every SYNC_MS, each
// covering everything written before it (group commit). A crash of the process loses only rows of responses
// finished in the turn it died in: what was written, the kernel keeps. A crash of the machine (or its disk)
// also loses what was not synced yet: at most SYNC_MS of rows plus those of the sync in progress.
// docs/spend.md gives the numbers.
//
// Rows leave the journal in the order they entered it (the batch writer's buffer is first-in, first-out):
// each segment counts its rows and those that left (landed in Postgres, set aside, or dropped), writes that
// count to a `.landed` mark beside it, and is deleted when all of them left. A restart replays the rest
// (process/replay.ts); the insert skips request ids already stored, so a row replayed twice is written once.
import { randomUUID } from "node:crypto";
import { closeSync, existsSync, fdatasync, fsync, fsyncSync, mkdirSync, open, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync, writeSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { SpendRow } from "./spend.ts";

/**
 * A sync starts at most this often (each costs ~0.1 ms of CPU in the kernel, bench/journal.ts): a machine crash
 * can lose what was written in the last SYNC_MS, plus the sync in progress.
 */
export const SYNC_MS = 10;
/** A segment is closed for appends at this size; it is deleted once all its rows have left. */
const SEGMENT_BYTES = 8 * 1024 * 1024;
const SEGMENT = /^spend-([0-9a-z]+)-(\d+)-(\d+)\.jsonl$/;
const markOf = (path: string) => `${path}.landed`;

interface Segment {
  path: string;
  fd?: number;
  /** Lines of the file that left before this process took it over (a replayed segment's mark). */
  base: number;
  /** Rows appended, and rows that left (in order). */
  rows: number;
  released: number;
  bytes: number;
}

/** Segments in append order; rows leave from the oldest. Deletes a segment (and its mark) once all its rows left. */
export class SegmentQueue {
  readonly segments: Segment[] = [];

  get rows(): number {
    return this.segments.reduce((n, s) => n + s.rows - s.released, 0);
  }

  get bytes(): number {
    return this.segments.reduce((n, s) => n + s.bytes, 0);
  }

  /** `n` rows left, oldest first. The segment being appended to (`active`) is rotated rather than deleted under it. */
  release(n: number, active?: Segment): void {
    for (const s of this.segments) {
      if (n <= 0) break;
      const take = Math.min(n, s.rows - s.released);
      s.released += take;
      n -= take;
      if (s.released < s.rows || s === active) writeMark(s);
    }
    while (this.segments[0] && this.segments[0] !== active && this.segments[0].released === this.segments[0].rows) remove(this.segments.shift()!);
  }
}

export interface JournalEvents {
  /** Writing failed (disk full, I/O error): once; rows then live in memory only until the journal works again. */
  onError?: (e: Error) => void;
}

/** One worker's journal under `dir`: segment files named for this run and process, never shared. */
export class SpendJournal {
  private readonly queue = new SegmentQueue();
  private active!: Segment;
  private pending: string[] = [];
  private commitScheduled?: NodeJS.Immediate;
  private syncing = false;
  private dirty = false;
  private seq = 0;
  private failed = false;
  private readonly run = Date.now().toString(36);

  constructor(private readonly dir: string, private readonly events: JournalEvents = {}) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.rotate();
  }

  /** On every request: the row's line is queued, and written with the others of this event-loop turn at its end. */
  append(row: SpendRow): void {
    this.pending.push(line(row));
    this.active.rows++;
    this.commitScheduled ??= setImmediate(() => this.commit());
  }

  /** `n` rows (the oldest) left: written to Postgres, set aside, or dropped. */
  release(n: number): void {
    const a = this.active;
    this.queue.release(n, a);
    // Everything in the active segment left: start a new one, so the disk holds no landed rows. Rows still
    // queued for it have left too, and are not written.
    if (a.rows > 0 && a.released === a.rows) {
      this.pending = [];
      this.rotate();
      this.queue.segments.splice(this.queue.segments.indexOf(a), 1);
      closeQuietly(a);
      remove(a);
    }
  }

  /** Rows in the journal that have not left it, and the bytes its segments hold. */
  get rows(): number {
    return this.queue.rows;
  }

  get bytes(): number {
    return this.queue.bytes + this.pending.reduce((n, l) => n + l.length, 0);
  }

  /** Shutdown: what is queued is written and synced now; the files stay for the next start to replay. */
  close(): void {
    clearImmediate(this.commitScheduled);
    this.commit();
    for (const s of this.queue.segments) {
      if (s.fd === undefined) continue;
      try {
        fsyncSync(s.fd);
      } catch {}
      closeQuietly(s);
    }
  }

  private rotate(): void {
    const path = join(this.dir, `spend-${this.run}-${process.pid}-${String(this.seq++).padStart(6, "0")}.jsonl`);
    this.active = { path, base: 0, rows: 0, released: 0, bytes: 0 };
    this.queue.segments.push(this.active);
  }

  private commit(): void {
    this.commitScheduled = undefined;
    if (!this.pending.length) return;
    const data = this.pending.join("");
    this.pending = [];
    const s = this.active;
    try {
      if (s.fd === undefined) {
        s.fd = openSync(s.path, "a", 0o600);
        syncDir(this.dir); // the new file's name is durable too
      }
      const bytes = Buffer.from(data);
      for (let off = 0; off < bytes.length; ) off += writeSync(s.fd, bytes, off);
      s.bytes += bytes.length;
      if (this.failed) this.failed = false;
    } catch (e) {
      if (!this.failed) this.events.onError?.(e as Error);
      this.failed = true;
      return;
    }
    this.sync();
    if (s.bytes >= SEGMENT_BYTES) {
      this.rotate();
      const fd = s.fd!;
      s.fd = undefined;
      fdatasync(fd, () => closeSync(fd));
    }
  }

  /** One fdatasync at a time, at most one every SYNC_MS; rows written meanwhile are covered by the next one. */
  private sync(): void {
    if (this.syncing) return void (this.dirty = true);
    const fd = this.active.fd;
    if (fd === undefined) return;
    this.syncing = true;
    this.dirty = false;
    const started = performance.now();
    fdatasync(fd, () => {
      const wait = SYNC_MS - (performance.now() - started);
      const next = () => {
        this.syncing = false;
        if (this.dirty) this.sync();
      };
      if (wait > 0 && this.dirty) setTimeout(next, wait).unref();
      else next();
    });
  }
}

/** A segment found on disk: the rows past its mark, in order. Lines that do not parse (a torn last write) are counted. */
export interface FoundSegment {
  path: string;
  pid: number;
  /** Lines its mark says have left. */
  landed: number;
  rows: SpendRow[];
  torn: number;
}

/** The journal's segments on disk, oldest first; `keep`, when given, picks them by file name and writer's pid. */
export function readSegments(dir: string, keep?: (name: string, pid: number) => boolean): FoundSegment[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const found: FoundSegment[] = [];
  for (const name of names.filter((n) => SEGMENT.test(n)).sort(bySegmentOrder)) {
    const pid = Number(SEGMENT.exec(name)![2]);
    if (keep && !keep(name, pid)) continue;
    const path = join(dir, name);
    const landed = readMark(path);
    const lines = readFileSync(path, "utf8").split("\n").filter(Boolean);
    const rows: SpendRow[] = [];
    let torn = 0;
    for (const line of lines.slice(landed)) {
      try {
        rows.push(revive(JSON.parse(line)));
      } catch {
        torn++;
      }
    }
    found.push({ path, pid, landed, rows, torn });
  }
  return found;
}

/** A queue over segments found on disk, for their replay: deleting each once its rows have left. */
export function queueOf(found: FoundSegment[]): SegmentQueue {
  const q = new SegmentQueue();
  for (const f of found) {
    const s: Segment = { path: f.path, base: f.landed, rows: f.rows.length, released: 0, bytes: 0 };
    if (s.rows === 0) remove(s);
    else q.segments.push(s);
  }
  return q;
}

/** Run (time), then pid, then sequence: the order segments were written in. */
function bySegmentOrder(a: string, b: string): number {
  const [, ra, pa, sa] = SEGMENT.exec(a)!;
  const [, rb, pb, sb] = SEGMENT.exec(b)!;
  return ra!.length - rb!.length || ra!.localeCompare(rb!) || Number(pa) - Number(pb) || Number(sa) - Number(sb);
}

function readMark(path: string): number {
  try {
    const n = Number(readFileSync(markOf(path), "utf8"));
    return Number.isInteger(n) && n > 0 ? n : 0;
  } catch {
    return 0;
  }
}

/** Once per landed batch; unsynced: a lost mark only means rows replayed again, which the insert skips. */
function writeMark(s: Segment): void {
  try {
    writeFileSync(markOf(s.path), String(s.base + s.released));
  } catch {}
}

function remove(s: Segment): void {
  rmSync(s.path, { force: true });
  rmSync(markOf(s.path), { force: true });
}

function closeQuietly(s: Segment): void {
  if (s.fd === undefined) return;
  const fd = s.fd;
  s.fd = undefined;
  try {
    closeSync(fd);
  } catch {}
}

function syncDir(dir: string): void {
  open(dir, "r", (err, fd) => {
    if (err) return;
    fsync(fd, () => closeSync(fd));
  });
}

// A row is one line: a JSON array in FIELDS order, times as epoch ms. Written by hand, as the request path pays
// for it: a sixth of JSON.stringify's time for the object (bench/journal.ts), and half its bytes.
const PLAIN = /^[^"\\\u0000-\u001f\u2028\u2029]*$/;
const str = (s: string) => (PLAIN.test(s) ? `"${s}"` : JSON.stringify(s));
const num = (n: number) => (Number.isFinite(n) ? String(n) : "0");
const ms = (d: Date) => (Number.isFinite(d.getTime()) ? d.getTime() : Date.now());

function line(r: SpendRow): string {
  return `[${str(r.request_id)},${str(r.call_type)},${str(r.api_key)},${num(r.spend)},${num(r.prompt_tokens)},${num(r.completion_tokens)},${ms(r.startTime)},${ms(r.endTime)},${str(r.model)},${str(r.model_id)},${str(r.model_group)},${str(r.api_base)},${str(r.user)}${tail(r)}]\n`;
}

/** A failed call's status and error class; a cache hit's mark. Nothing for a plain call (most rows). */
const tail = (r: SpendRow) => (r.status === "failure" ? `,"failure",${str(r.errorClass ?? "")}` : r.cacheHit ? `,"cache_hit"` : "");

function revive(v: unknown): SpendRow {
  // 13 fields; a failed call's row (the console's Logs) adds its status and error class, a cache hit its mark.
  if (!Array.isArray(v) || v.length < 13 || v.length > 15) throw new Error("not a journal row");
  const [request_id, call_type, api_key, spend, prompt_tokens, completion_tokens, start, end, model, model_id, model_group, api_base, user, status, errorClass] = v;
  const row: SpendRow = { request_id, call_type, api_key, spend, prompt_tokens, completion_tokens, startTime: new Date(start), endTime: new Date(end), model, model_id, model_group, api_base, user };
  return status === "failure" ? { ...row, status, errorClass } : status === "cache_hit" ? { ...row, cacheHit: true } : row;
}

/**
 * Where the journal lives: GATEKIT_SPEND_JOURNAL_DIR (`off` turns it off); else, like the embedded database, the
 * data folder outside PRODUCTION mode or when GATEKIT_DATA_DIR is set; else nowhere (undefined).
 */
export function spendJournalDir(mode: "PRODUCTION" | "DEV", env: NodeJS.ProcessEnv): string | undefined {
  const set = env.GATEKIT_SPEND_JOURNAL_DIR;
  if (set) return set === "off" ? undefined : resolve(set);
  if (mode === "PRODUCTION" && !env.GATEKIT_DATA_DIR) return undefined;
  return resolve(env.GATEKIT_DATA_DIR || join(".gatekit", "data"), "spend-journal");
}

/** One instance per journal folder: a live owner other than this process refuses the start; a dead one is a crash. */
export function claimJournal(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const owner = join(dir, "owner.pid");
  let pid = 0;
  try {
    pid = Number(readFileSync(owner, "utf8"));
  } catch {}
  if (pid > 0 && pid !== process.pid && alive(pid)) {
    throw new Error(`another gateway (pid ${pid}) is using the spend journal ${dir}; stop it, or set GATEKIT_SPEND_JOURNAL_DIR to another folder`);
  }
  writeFileSync(owner, String(process.pid));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The journal folder's segments and their bytes, as the primary watches them. */
export function journalSize(dir: string): { bytes: number; segments: number } {
  let bytes = 0;
  let segments = 0;
  try {
    for (const name of readdirSync(dir)) {
      if (!SEGMENT.test(name)) continue;
      segments++;
      bytes += statSync(join(dir, name), { throwIfNoEntry: false })?.size ?? 0;
    }
  } catch {}
  return { bytes, segments };
}

/** This instance's id across restarts, kept in the journal folder (a new one per run without a journal). */
export function instanceId(dir: string | undefined): string {
  const fresh = randomUUID();
  if (!dir) return fresh;
  const file = join(dir, "instance-id");
  try {
    const id = readFileSync(file, "utf8").trim();
    if (id) return id;
  } catch {}
  try {
    writeFileSync(file, fresh);
  } catch {}
  return fresh;
}

/** A folder beside this one whose owner has not beaten for this long belongs to a pod that is gone. */
export const ORPHAN_MS = 60_000;

/** The primary's heartbeat, every few seconds: its folder is not an orphan. */
export function beat(dir: string): void {
  const now = new Date();
  try {
    utimesSync(join(dir, "owner.pid"), now, now);
  } catch {}
}

/**
 * On a claim shared by pods, one folder each (GATEKIT_SPEND_JOURNAL_DIR=<claim>/$(POD_NAME)): the segments of
 * folders beside this one whose owner stopped beating ORPHAN_MS ago are moved into this folder, to be replayed
 * here — a pod replaced under another name still gets its journal written. Two pods taking the same folder
 * each move what the other has not (a rename either happens or fails). Returns the names moved.
 */
export function adoptOrphans(dir: string): string[] {
  const parent = dirname(dir);
  const moved: string[] = [];
  let siblings: string[];
  try {
    siblings = readdirSync(parent).filter((n) => n !== basename(dir));
  } catch {
    return moved;
  }
  for (const sibling of siblings) {
    const from = join(parent, sibling);
    const owner = statSync(join(from, "owner.pid"), { throwIfNoEntry: false });
    if (!owner || Date.now() - owner.mtimeMs < ORPHAN_MS) continue;
    let names: string[];
    try {
      names = readdirSync(from).filter((n) => SEGMENT.test(n));
    } catch {
      continue;
    }
    for (const name of names) {
      if (existsSync(join(dir, name))) continue;
      try {
        if (existsSync(markOf(join(from, name)))) renameSync(markOf(join(from, name)), markOf(join(dir, name)));
        renameSync(join(from, name), join(dir, name));
        moved.push(name);
      } catch {} // taken by another pod meanwhile
    }
  }
  return moved;
}
