import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command, Option } from 'commander';
import { TqError, type App } from '@tq/core';
import { prepareApp } from '../prepare-app.js';

/** @tq/beat is not installed where the app or the working directory can resolve it. */
export class BeatNotInstalledError extends TqError {
  constructor(from: string) {
    super('TQ_BEAT_NOT_INSTALLED', `The beat scheduler needs the @tq/beat package, which is not installed in ${from}. Install it there: npm i @tq/beat`);
  }
}

// What the CLI uses of @tq/beat. @tq/worker does not depend on it: it is imported at run time
// from the user's project, so only projects that schedule tasks install it.
interface BeatTick {
  entry: string;
  dueAt: number;
  sentAt: number;
  taskId: string;
  fence: number;
}
interface BeatStoreLike {
  readonly kind: string;
  close(): Promise<void>;
}
interface BeatLike {
  readonly identity: string;
  readonly store: BeatStoreLike;
  add(definition: unknown): unknown;
  upcoming(count?: number): Array<{ name: string; task: string; schedule: string; timezone: string; times: number[] }>;
  useStore(store: BeatStoreLike): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  on(event: string, listener: (payload: never) => void): unknown;
}
interface BeatModule {
  createBeat(app: App): BeatLike;
  beatOf(app: App): BeatLike | undefined;
  loadScheduleFile(path: string): Promise<unknown[]>;
  createBeatStoreFromUrl(url: string): Promise<BeatStoreLike>;
}

/**
 * Import @tq/beat from the app's directory (the copy the app itself uses), else from `cwd`. The
 * ESM entry is taken from its package.json, so the CLI shares the module instance the app loaded.
 */
export async function importBeat(appSpec: string, cwd = process.cwd()): Promise<BeatModule> {
  const appFile = resolve(cwd, /^(.*?)(?::[A-Za-z_$][\w$]*)?$/.exec(appSpec)![1]!);
  for (const from of [`${dirname(appFile)}/`, `${cwd}/`]) {
    let manifestPath: string;
    try {
      manifestPath = createRequire(from).resolve('@tq/beat/package.json');
    } catch {
      continue;
    }
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { exports?: { '.'?: { import?: { default?: string } } }; module?: string };
    const entry = manifest.exports?.['.']?.import?.default ?? manifest.module ?? './dist/index.js';
    return (await import(pathToFileURL(join(dirname(manifestPath), entry)).href)) as BeatModule;
  }
  throw new BeatNotInstalledError(cwd);
}

export interface BeatSetup {
  /** The --app module spec, to find @tq/beat next to it. */
  app: string;
  /** A schedule file (JSON) whose entries are added to the app's. */
  schedule?: string;
  /** Store URL; falls back to TQ_BEAT_STORE, then the store the app's beat was created with. */
  store?: string;
}

/** The app's beat (created in its module, or a new one) with the schedule file's entries and the store applied. */
export async function setUpBeat(app: App, setup: BeatSetup, env: NodeJS.ProcessEnv = process.env): Promise<{ beat: BeatLike; ownedStore: BeatStoreLike | undefined }> {
  const beatModule = await importBeat(setup.app);
  const beat = beatModule.beatOf(app) ?? beatModule.createBeat(app);
  if (setup.schedule !== undefined) for (const definition of await beatModule.loadScheduleFile(setup.schedule)) beat.add(definition);
  const url = setup.store ?? env.TQ_BEAT_STORE;
  const ownedStore = url === undefined ? undefined : await beatModule.createBeatStoreFromUrl(url);
  if (ownedStore !== undefined) beat.useStore(ownedStore);
  return { beat, ownedStore };
}

type LogLevel = 'info' | 'warn' | 'silent';

/** Print what the beat does on stderr, one line per event. */
export function logBeat(beat: BeatLike, level: LogLevel, write: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): void {
  if (level === 'silent') return;
  const info = level === 'info';
  beat.on('leader', ({ fence }: { fence: number }) => write(`beat: ${beat.identity} is the leader (fence ${fence})`));
  beat.on('follower', ({ holder }: { holder?: string }) => write(`beat: ${beat.identity} follows${holder === undefined ? '' : ` ${holder}`}`));
  beat.on('tick-failed', ({ entry, dueAt, error }: { entry: string; dueAt: number; error: unknown }) => write(`beat: FAILED to send ${entry} due ${new Date(dueAt).toISOString()}: ${String(error)}`));
  beat.on('entry-invalid', ({ entry, error }: { entry: string; error: unknown }) => write(`beat: ignoring invalid stored entry ${entry}: ${String(error)}`));
  beat.on('beat-error', ({ error, context }: { error: unknown; context: string }) => write(`beat: ${context} failed (retrying): ${String(error)}`));
  if (!info) return;
  beat.on('tick-sent', (tick: BeatTick) => write(`beat: sent ${tick.entry} due ${new Date(tick.dueAt).toISOString()} as ${tick.taskId}`));
  beat.on('ticks-skipped', ({ entry, count }: { entry: string; count: number }) => write(`beat: skipped ${count} missed tick${count === 1 ? '' : 's'} of ${entry} (catchUp)`));
}

/** "2026-03-08 03:00:00 EDT" in the entry's timezone. */
function localTime(epochMs: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'short' }).formatToParts(new Date(epochMs));
  const part = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}:${part('second')} ${part('timeZoneName')}`;
}

/** The dry run of `tq beat --list`: each entry and its next fire times in its timezone. */
export function formatUpcoming(entries: ReturnType<BeatLike['upcoming']>): string {
  if (entries.length === 0) return 'No beat entries: schedule some with beat.schedule() in the app module or pass --schedule file.json.\n';
  return entries
    .map((entry) => {
      const times = entry.times.length === 0 ? ['    (never fires again)'] : entry.times.map((time) => `    ${localTime(time, entry.timezone)}  (${new Date(time).toISOString()})`);
      return [`${entry.name}: ${entry.task}, ${entry.schedule}`, ...times].join('\n');
    })
    .join('\n')
    .concat('\n');
}

export function beatCommand(): Command {
  return new Command('beat')
    .description('send periodic tasks on schedule; run several for high availability (one leads)')
    .requiredOption('-A, --app <module>', 'module that exports the app (and creates its beat), e.g. ./tasks.ts')
    .option('-s, --schedule <file>', 'JSON schedule file with more entries')
    .option('--store <url>', 'beat store: redis://host:6379/0[?keyPrefix=…], postgres://…[?schema=…] or memory:// (default: TQ_BEAT_STORE, then the app beat\'s store)')
    .option('-b, --broker <url>', 'broker URL (default: the app, then TQ_BROKER_URL, then memory://)')
    .option('--list', 'print each entry\'s next 5 fire times and exit (dry run: no store, no broker)')
    .addOption(new Option('-l, --loglevel <level>', 'log level').choices(['info', 'warn', 'silent']).default('info'))
    .action(async (flags: { app: string; schedule?: string; store?: string; broker?: string; list?: boolean; loglevel: LogLevel }) => {
      const app = await prepareApp({ app: flags.app, broker: flags.broker, backend: 'none' });
      if (flags.list === true) {
        const { beat } = await setUpBeat(app, { app: flags.app, schedule: flags.schedule }, {});
        process.stdout.write(formatUpcoming(beat.upcoming(5)));
        return;
      }
      const { beat, ownedStore } = await setUpBeat(app, flags);
      if (beat.store.kind === 'memory') process.stderr.write('beat: using the in-memory store: no persistence, and only one beat may run. Pass --store redis://… or postgres://… for both.\n');
      logBeat(beat, flags.loglevel);
      const shutdown = (signal: NodeJS.Signals): void => {
        process.stderr.write(`\n${signal}: stopping beat (releasing the lease)\n`);
        void beat
          .stop()
          .then(() => Promise.all([ownedStore?.close(), app.close()]))
          .then(() => process.exit(0), () => process.exit(1));
      };
      process.once('SIGTERM', shutdown);
      process.once('SIGINT', shutdown);
      await beat.start();
      process.stderr.write(`beat: ${beat.identity} started on the ${beat.store.kind} store, sending to ${app.broker.displayUrl}\n`);
    });
}

/** `tq worker --beat`: the beat in the worker's process, for small deployments (HA still works with a shared store). */
export async function startEmbeddedBeat(app: App, setup: BeatSetup, level: LogLevel = 'info'): Promise<{ stop(): Promise<void> }> {
  const { beat, ownedStore } = await setUpBeat(app, setup);
  logBeat(beat, level);
  await beat.start();
  return { stop: () => beat.stop().then(() => ownedStore?.close()) };
}
