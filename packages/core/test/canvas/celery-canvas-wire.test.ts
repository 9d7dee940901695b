import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chain, chord, createApp, group, type App, type SignatureDict, type TaskInvocation } from '../../src/index.js';
import { createMemoryBackend, createMemoryBroker } from '../../src/memory/index.js';
import { decodeTaskMessage } from '../../src/protocol/task-message.js';
import { SerializerRegistry } from '../../src/protocol/serializer-registry.js';
import { freeze, sendCanvas, tasksOf } from '../../src/canvas/index.js';

const FIXTURES = new URL('../fixtures/celery/', import.meta.url);
const readJson = <T>(path: string): T => JSON.parse(readFileSync(new URL(path, FIXTURES), 'utf8')) as T;

/** A Celery message from the golden fixtures, decoded by tq. */
function celeryMessage(name: string, folder = 'messages'): TaskInvocation {
  const kombu = readJson<{ body: string; 'content-type': string; 'content-encoding': string; headers: Record<string, unknown>; properties: Record<string, unknown> }>(`${folder}/${name}.json`);
  return decodeTaskMessage(
    { body: Buffer.from(kombu.body, 'base64'), contentType: kombu['content-type'], contentEncoding: kombu['content-encoding'], headers: kombu.headers as never, properties: {} },
    new SerializerRegistry(),
  );
}

/** An app whose sends are captured instead of published (the eager dispatcher hook). */
function capturingApp(options: { chordJoin?: boolean } = {}): { app: App; sent: TaskInvocation[] } {
  const namespace = `canvas-wire-${Math.random()}`;
  const app = createApp({ broker: createMemoryBroker({ namespace }), backend: createMemoryBackend({ namespace, chordJoin: options.chordJoin ?? true }) });
  const sent: TaskInvocation[] = [];
  app.setDispatcher(async (invocation) => {
    sent.push(invocation);
  });
  return { app, sent };
}

function tasks(app: App) {
  return {
    add: app.task('tasks.add', (x: number, y: number) => x + y),
    tsum: app.task('tasks.tsum', (numbers: number[]) => numbers.reduce((a, b) => a + b, 0)),
    onError: app.task('tasks.on_error', (..._args: unknown[]) => null),
  };
}

describe('canvas signatures have Celery 5.2 dict shapes (golden fixtures from generate.py)', () => {
  const { app } = capturingApp();
  const { add, tsum, onError } = tasks(app);
  const canvas = (name: string) => readJson<SignatureDict>(`canvas/${name}.json`);

  it('signatures: partial, immutable with options, linked', () => {
    expect(add.s(10).toDict()).toEqual(canvas('signature-partial'));
    expect(add.si(1, 2).set({ queue: 'math', countdown: 5_000, priority: 3 }).toDict()).toEqual(canvas('signature-immutable-options'));
    expect(add.s(1, 1).linkError(onError.s()).link(add.s(100)).toDict()).toEqual(canvas('signature-linked'));
  });

  it('chain and group', () => {
    expect(chain(add.s(1, 2), add.s(3)).toDict()).toEqual(canvas('chain'));
    expect(group(add.s(1, 1), add.s(2, 2)).toDict()).toEqual(canvas('group'));
  });

  it('chord: the same body; the header members as Celery lists them (tq writes the header as a group dict, which Celery also reads)', () => {
    const celery = canvas('chord');
    const ours = chord([add.s(1, 1), add.s(2, 2)], tsum.s()).toDict();
    expect({ ...ours, kwargs: undefined }).toEqual({ ...celery, kwargs: undefined });
    expect(ours.kwargs.body).toEqual(celery.kwargs.body);
    expect((ours.kwargs.header as SignatureDict).kwargs.tasks).toEqual(celery.kwargs.header);
  });

  it('map, starmap and chunks are calls of the celery.* built-ins', () => {
    expect(add.map([1, 2]).toDict()).toEqual(canvas('map'));
    expect(add.starmap([[1, 2], [3, 4]]).toDict()).toEqual(canvas('starmap'));
    expect(add.chunks([[1, 2], [3, 4], [5, 6]], 2).toDict()).toEqual(canvas('chunks'));
  });
});

describe('canvas messages match what Celery sends', () => {
  it("a chain's first message carries the remaining steps reversed, each frozen with its task_id", async () => {
    const celery = celeryMessage('chain');
    const { app, sent } = capturingApp();
    const { add } = tasks(app);
    const result = await chain(add.s(1, 2), add.s(3), add.s(4)).applyAsync();
    expect(sent).toHaveLength(1);
    const [first] = sent;
    expect(first!.args).toEqual(celery.args);
    const shape = (steps: SignatureDict[] | null) => steps?.map(({ task, args, immutable, subtask_type, options }) => ({ task, args, immutable, subtask_type, hasId: typeof options.task_id === 'string' }));
    expect(shape(first!.embed.chain)).toEqual(shape(celery.embed.chain));
    // The last step (first element) reports the chain's result.
    expect(first!.embed.chain![0]!.options.task_id).toBe(result.id);
    expect(first!.rootId).toBe(first!.id);
  });

  it('link and link_error travel as embed callbacks / errbacks, exactly as Celery writes them', async () => {
    const celery = celeryMessage('link');
    const { app, sent } = capturingApp();
    const { add, onError } = tasks(app);
    await add.s(5, 5).link(add.s(100)).linkError(onError.si('failed')).applyAsync();
    expect(sent[0]!.embed).toEqual(celery.embed);
  });

  it('chord header messages: one group id, group_index 0..n-1, the frozen body in embed.chord', async () => {
    const celery = [celeryMessage('chord-0'), celeryMessage('chord-1')];
    const { app, sent } = capturingApp();
    const { add, tsum } = tasks(app);
    const result = await chord([add.s(1, 1), add.s(2, 2)], tsum.s()).applyAsync();
    expect(sent.map((message) => message.groupIndex)).toEqual(celery.map((message) => message.groupIndex));
    expect(new Set(sent.map((message) => message.groupId)).size).toBe(1);
    for (const message of sent) {
      expect(message.embed.chord).toMatchObject({ task: 'tasks.tsum', args: [], subtask_type: null, immutable: false, chord_size: 2, options: { task_id: result.id } });
    }
    expect(await app.backend!.restoreGroup(sent[0]!.groupId!)).toEqual(sent.map((message) => message.id));
  });

  it("applies a chord that Celery embedded in a chain: Celery's body id and group id are kept", async () => {
    const celery = celeryMessage('chain-into-chord');
    const chordSignature = celery.embed.chain![0]!;
    const { app, sent } = capturingApp();
    tasks(app);
    const frozen = structuredClone(chordSignature);
    freeze(frozen, app.generateId);
    await sendCanvas(app, frozen, { args: [3], parentId: celery.id, rootId: celery.rootId, chain: [], dedup: false });
    expect(sent.map((message) => message.args)).toEqual([[3, 3], [3, 4]]);
    expect(sent.map((message) => message.groupId)).toEqual(['64ed4305-6ec7-4cea-88d0-a88b63106d31', '64ed4305-6ec7-4cea-88d0-a88b63106d31']);
    expect(sent.map((message) => message.embed.chord?.options.task_id)).toEqual(['13131313-1313-4131-8131-131313131313', '13131313-1313-4131-8131-131313131313']);
    expect(sent.every((message) => message.parentId === celery.id)).toBe(true);
  });
});

describe('chords need the backend capability', () => {
  it('rejects at applyAsync with TQ_CHORD_UNSUPPORTED, before sending anything, on a backend without chordJoin', async () => {
    const { app, sent } = capturingApp({ chordJoin: false });
    const { add, tsum } = tasks(app);
    await expect(chord([add.s(1, 1)], tsum.s()).applyAsync()).rejects.toMatchObject({ code: 'TQ_CHORD_UNSUPPORTED' });
    // A group followed by a step is a chord too, even nested in a chain.
    await expect(chain(add.s(1, 1), group(add.s(1), add.s(2)), tsum.s()).applyAsync()).rejects.toMatchObject({ code: 'TQ_CHORD_UNSUPPORTED' });
    expect(sent).toEqual([]);
    // Plain groups and chains do not need it.
    await group(add.s(1, 1)).applyAsync();
    await chain(add.s(1, 1), add.s(2)).applyAsync();
    expect(sent).toHaveLength(2);
  });

  it('still refuses results that would nest (chunks in a group) and a link on a group-ending chain, with TQ_INVALID_CANVAS', async () => {
    const { app, sent } = capturingApp();
    const { add, tsum } = tasks(app);
    await expect(group(add.chunks([[1, 1]], 1), add.s(2, 2)).applyAsync()).rejects.toMatchObject({ code: 'TQ_INVALID_CANVAS' });
    await expect(chain(add.s(1, 1), group(add.s(1), add.s(2))).link(tsum.si([1])).applyAsync()).rejects.toMatchObject({ code: 'TQ_INVALID_CANVAS', message: /group\.link\(\)/ });
    expect(sent).toEqual([]);
  });
});

describe('group links, nested groups and groups followed by steps, as Celery 5.2 builds them (canvas-messages/ fixtures)', () => {
  const canvasMessages = (name: string, count: number) => Array.from({ length: count }, (_, index) => celeryMessage(`${name}-${index}`, 'canvas-messages'));
  /**
   * The parts of a nested chord embed that must agree. Left out: reply_to and parent/root ids (tq does
   * not write them), and the inner header members' own `chord` option, which Celery fills at freeze
   * time and tq when it sends the inner chord.
   */
  const chordShape = (dict: SignatureDict | null) => {
    const { header, body } = dict!.kwargs as { header: SignatureDict; body: SignatureDict };
    return {
      task: dict!.task,
      subtask_type: dict!.subtask_type,
      header: { subtask_type: header.subtask_type, members: tasksOf(header).map((member) => ({ task: member.task, args: member.args, group_index: member.options.group_index })) },
      body: { task: body.task, args: body.args, task_id: body.options.task_id },
    };
  };

  it("group.link: an immutable copy of the callback on the first member; link_error on every member (Celery's dict, exactly)", () => {
    const { app } = capturingApp();
    const { add, onError } = tasks(app);
    expect(group(add.s(1, 1), add.s(2, 2)).link(add.s(100, 1)).linkError(onError.s()).toDict()).toEqual(readJson<SignatureDict>('canvas/group-linked.json'));
  });

  it('group(group(a, b), c) sends a, b, c in order under one group id, as Celery does', async () => {
    const celery = canvasMessages('group-nested', 3);
    const { app, sent } = capturingApp();
    const { add } = tasks(app);
    const result = await group(group(add.s(1, 1), add.s(2, 2)), add.s(3, 3)).applyAsync({ taskId: celery[0]!.groupId! });
    expect(sent.map((message) => message.args)).toEqual(celery.map((message) => message.args));
    expect(sent.map((message) => message.groupId)).toEqual(celery.map((message) => message.groupId));
    expect(result.results.map((member) => member.id)).toEqual(sent.map((message) => message.id));
  });

  it("a group in a chord header is flattened into it (one group id, group_index 0..n-1, chord size n); tq keeps the declared order where Celery 5.2 reverses the nested group's members", async () => {
    const celery = canvasMessages('chord-nested-header', 3);
    const { app, sent } = capturingApp();
    const { add, tsum } = tasks(app);
    await chord([group(add.s(1, 1), add.s(2, 2)), add.s(3, 3)], tsum.s()).applyAsync({ taskId: '15151515-1515-4151-8151-151515151515' });
    expect(sent.map((message) => message.groupIndex)).toEqual(celery.map((message) => message.groupIndex));
    expect(new Set(sent.map((message) => message.groupId)).size).toBe(1);
    expect(sent.map((message) => message.embed.chord?.options.task_id)).toEqual(celery.map((message) => message.embed.chord?.options.task_id));
    expect(sent.map((message) => message.embed.chord?.chord_size)).toEqual([3, 3, 3]);
    // Celery 5.2.6 unrolls a nested group with deque.extendleft, which reverses its members (still so
    // in Celery's main branch); a real Celery chord body receives [4, 2, 6] here. tq sends [2, 4, 6].
    expect(celery.map((message) => message.args)).toEqual([[2, 2], [1, 1], [3, 3]]);
    expect(sent.map((message) => message.args)).toEqual([[1, 1], [2, 2], [3, 3]]);
  });

  it('chain(group, group, task) is chord(group, chord(group, task)): the first header carries the second chord as its body', async () => {
    const celery = canvasMessages('chain-group-group', 2);
    const { app, sent } = capturingApp();
    const { add, tsum } = tasks(app);
    const result = await chain(group(add.s(1, 1), add.s(2, 2)), group(tsum.s(), tsum.s()), tsum.s()).applyAsync({ taskId: '16161616-1616-4161-8161-161616161616' });
    expect(result.id).toBe('16161616-1616-4161-8161-161616161616');
    expect(sent.map((message) => message.args)).toEqual(celery.map((message) => message.args));
    expect(sent.map((message) => message.groupIndex)).toEqual(celery.map((message) => message.groupIndex));
    expect(sent.map((message) => chordShape(message.embed.chord))).toEqual(celery.map((message) => chordShape(message.embed.chord)));
  });

  it('sends a group that arrives followed by steps (an unfolded chain from another producer) as a chord, keeping every frozen id', async () => {
    const { app, sent } = capturingApp();
    const { add, tsum } = tasks(app);
    const members = group(add.s(1), add.s(2)).toDict();
    const [sum, double] = [tsum.s().toDict(), add.s(2).toDict()];
    freeze(members, app.generateId);
    for (const step of [sum, double]) freeze(step, app.generateId);
    await sendCanvas(app, members, { args: [10], parentId: null, rootId: null, chain: [double, sum], dedup: false });
    expect(sent.map((message) => message.args)).toEqual([[10, 1], [10, 2]]);
    expect(sent.map((message) => message.groupId)).toEqual([members.options.group_id, members.options.group_id]);
    // tsum is the chord body, and the step after it rides in the body's chain.
    expect(sent.map((message) => message.embed.chord?.options.task_id)).toEqual([sum.options.task_id, sum.options.task_id]);
    expect(sent[0]!.embed.chord?.options.chain).toEqual([double]);
    expect(await app.backend!.restoreGroup(members.options.group_id as string)).toEqual(sent.map((message) => message.id));
  });

  it('chord(header, group).then(task) is chord(header, chord(group, task)), as Celery\'s chord | task', async () => {
    const celery = canvasMessages('chord-group-body-then', 2);
    const { app, sent } = capturingApp();
    const { add, tsum } = tasks(app);
    const result = await chord([add.s(1, 1), add.s(2, 2)], group(tsum.s(), tsum.s())).then(tsum.s()).applyAsync({ taskId: '17171717-1717-4171-8171-171717171717' });
    expect(result.id).toBe('17171717-1717-4171-8171-171717171717');
    expect(sent.map((message) => message.args)).toEqual(celery.map((message) => message.args));
    expect(sent.map((message) => chordShape(message.embed.chord))).toEqual(celery.map((message) => chordShape(message.embed.chord)));
  });
});
