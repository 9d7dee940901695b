import { TaskState, chain, chord, group, type AsyncResult, type GroupResult } from '@tq/core';
import { expect } from 'vitest';
import { expectTqError } from '../expect-tq-error.js';
import type { CaseDefinition } from '../declare-cases.js';
import type { CanvasHarness } from './canvas-harness.js';

/** Every case of the canvas suite; keys of `skip`. */
export const CANVAS_CONFORMANCE_CASES = [
  'chain-passes-results',
  'chain-immutable-and-partial',
  'chain-failure-stops-and-runs-errbacks',
  'group-results-in-order',
  'group-saved-and-restored',
  'chord-body-gets-header-results',
  'chord-body-once-with-redelivered-headers',
  'chord-body-once-with-duplicated-messages',
  'chord-header-failure-fails-body-once',
  'chord-revoked-header-fails-body',
  'link-callbacks-and-children',
  'nested-canvases',
  'nested-groups-are-flattened',
  'groups-followed-by-steps',
  'group-link-after-first-member',
  'map-starmap-chunks',
  'replace-with-canvas',
  'workflow-ids-from-inside-a-task',
] as const;

export type CanvasConformanceCase = (typeof CANVAS_CONFORMANCE_CASES)[number];

type CanvasCaseDefinition = CaseDefinition<CanvasHarness>;

const settle = async (h: CanvasHarness): Promise<void> => (await h.startWorker()).drained({ timeoutMs: h.settleTimeoutMs });

export const CANVAS_CASES: Record<CanvasConformanceCase, CanvasCaseDefinition> = {
  'chain-passes-results': {
    title: 'runs a chain step by step, each step receiving the previous result; results link to their parents',
    async run(h) {
      const { add, mul } = await h.tasks();
      await h.startWorker();
      const result = await chain(add.s(1, 2), add.s(3), mul.s(10)).applyAsync();
      expect(await result.get({ timeout: h.settleTimeoutMs })).toBe(60);
      const second = result.parent;
      const first = second?.parent;
      expect(await second?.get({ timeout: 1_000 })).toBe(6);
      expect(await first?.get({ timeout: 1_000 })).toBe(3);
      expect(first?.parent).toBeUndefined();
      // parent_id on the wire: each step names the step before it.
      expect((await result.info()).parent_id).toBe(second?.id);
      expect((await second!.info()).parent_id).toBe(first?.id);
    },
  },

  'chain-immutable-and-partial': {
    title: 'appends partial arguments after the previous result and ignores it for immutable steps',
    async run(h) {
      const { add, mul } = await h.tasks();
      await h.startWorker();
      // mul(add(1, 2), 5) = 15, then add.si(100, 1) ignores 15, then mul(101, 2).
      const result = await add.s(1, 2).then(mul.s(5)).then(add.si(100, 1)).then(mul.s(2)).applyAsync();
      expect(await result.get({ timeout: h.settleTimeoutMs })).toBe(202);
      expect(await result.parent?.get({ timeout: 1_000 })).toBe(101);
      expect(await result.parent?.parent?.get({ timeout: 1_000 })).toBe(15);
    },
  },

  'chain-failure-stops-and-runs-errbacks': {
    title: "stops a chain at a failing step, fails the remaining steps, and runs link_error with the failed task's id once",
    async run(h) {
      const { add, fail, onError, mul } = await h.tasks();
      await h.startWorker();
      const result = await chain(add.s(1, 1), fail.s(), mul.s(3)).linkError(onError.s()).applyAsync();
      const error = await expectTqError(() => result.get({ timeout: h.settleTimeoutMs }), 'TQ_TASK_FAILED');
      expect(error.message).toContain('planned failure');
      const failedStep = result.parent!;
      await settle(h);
      expect(await failedStep.state()).toBe(TaskState.FAILURE);
      expect(await result.state()).toBe(TaskState.FAILURE);
      expect(h.errbackCalls).toEqual([failedStep.id]);
      expect((await failedStep.error())?.message).toContain('PlannedFailure');
      expect(await result.parent?.parent?.get({ timeout: 1_000 })).toBe(2);
    },
  },

  'group-results-in-order': {
    title: "returns a group's results in the group's order, whatever order the members finish in",
    async run(h) {
      const { add } = await h.tasks();
      await h.startWorker();
      const members = Array.from({ length: 20 }, (_, index) => add.s(index, 1000));
      const result: GroupResult<number[]> = await group(members).applyAsync();
      expect(await result.get({ timeout: h.settleTimeoutMs })).toEqual(Array.from({ length: 20 }, (_, index) => index + 1000));
      expect(result.results).toHaveLength(20);
      expect(await result.state()).toBe(TaskState.SUCCESS);
      expect(await result.completedCount()).toBe(20);
    },
  },

  'group-saved-and-restored': {
    title: 'saves a group when applied, so app.restoreGroup(id) rebuilds its results by id',
    async run(h) {
      const { add } = await h.tasks();
      await h.startWorker();
      const applied = await group(add.s(1, 1), add.s(2, 2), add.s(3, 3)).applyAsync();
      const app = await h.app();
      const restored = await app.restoreGroup<number[]>(applied.id);
      expect(restored?.results.map((result) => result.id)).toEqual(applied.results.map((result) => result.id));
      expect(await restored?.get({ timeout: h.settleTimeoutMs })).toEqual([2, 4, 6]);
      expect(await app.restoreGroup(`${applied.id}-unknown`)).toBeUndefined();
    },
  },

  'chord-body-gets-header-results': {
    title: "runs the chord body once with the header's results in header order; its parent is the header's GroupResult",
    async run(h) {
      const { add, xsum } = await h.tasks();
      await h.startWorker();
      const result = await chord([add.s(1, 1), add.s(2, 2), add.s(3, 3), add.s(4, 4)], xsum.s()).applyAsync();
      expect(await result.get({ timeout: h.settleTimeoutMs })).toBe(20);
      expect(h.bodyRuns).toEqual([[2, 4, 6, 8]]);
      const header = result.parent as GroupResult<number[]>;
      expect(await header.get({ timeout: 1_000 })).toEqual([2, 4, 6, 8]);
      expect(await chord([], xsum.s()).applyAsync().then((empty) => empty.get({ timeout: h.settleTimeoutMs }))).toBe(0);
    },
  },

  'chord-body-once-with-redelivered-headers': {
    title: 'runs the chord body exactly once when every header task is delivered again after the chord completed',
    async run(h) {
      const { add, xsum } = await h.tasks();
      await h.startWorker();
      const result = await chord(Array.from({ length: 6 }, (_, index) => add.s(index, index)), xsum.s()).applyAsync();
      expect(await result.get({ timeout: h.settleTimeoutMs })).toBe(30);
      const header = result.parent as GroupResult;
      expect(await h.redeliverGroup(header.id)).toBe(6);
      expect(await h.redeliverGroup(header.id)).toBe(12);
      await settle(h);
      expect(h.bodyRuns).toHaveLength(1);
      expect(await result.get({ timeout: 1_000 })).toBe(30);
    },
  },

  'chord-body-once-with-duplicated-messages': {
    title: 'runs the chord body exactly once when every header task message is delivered twice at once',
    async run(h) {
      const { add, xsum } = await h.tasks();
      await h.startWorker();
      h.duplicateGroupMessages = 2;
      const results: AsyncResult<number>[] = [];
      for (let round = 0; round < 5; round++) {
        results.push(await chord(Array.from({ length: 5 }, (_, index) => add.s(index, round)), xsum.s()).applyAsync());
      }
      const values = await Promise.all(results.map((result) => result.get({ timeout: h.settleTimeoutMs })));
      expect(values).toEqual([0, 1, 2, 3, 4].map((round) => 10 + 5 * round));
      await settle(h);
      expect(h.bodyRuns).toHaveLength(5);
    },
  },

  'chord-header-failure-fails-body-once': {
    title: 'fails the chord when a header task fails: the body never runs, its errback runs once, get() rejects',
    async run(h) {
      const { add, fail, xsum, onError } = await h.tasks();
      await h.startWorker();
      const result = await chord([add.s(1, 1), fail.s(2), add.s(3, 3)], xsum.s().linkError(onError.s())).applyAsync();
      const error = await expectTqError(() => result.get({ timeout: h.settleTimeoutMs }), 'TQ_TASK_FAILED');
      expect(error.message).toMatch(/ChordError.*PlannedFailure/);
      const header = result.parent as GroupResult;
      await h.redeliverGroup(header.id);
      await settle(h);
      expect(h.bodyRuns).toEqual([]);
      expect(h.errbackCalls).toEqual([result.id]);
      expect(await header.state()).toBe(TaskState.FAILURE);
    },
  },

  'chord-revoked-header-fails-body': {
    title: 'fails the chord when a header task expires before it runs (revoked), instead of waiting forever',
    async run(h) {
      const { add, xsum } = await h.tasks();
      await h.startWorker();
      const expired = add.s(2, 2).set({ expires: new Date(Date.now() - 60_000) });
      const result = await chord([add.s(1, 1), expired], xsum.s()).applyAsync();
      const error = await expectTqError(() => result.get({ timeout: h.settleTimeoutMs }), 'TQ_TASK_FAILED');
      expect(error.message).toMatch(/ChordError.*TaskRevokedError/);
      expect(h.bodyRuns).toEqual([]);
      const header = result.parent as GroupResult;
      expect(await header.results[1]!.state()).toBe(TaskState.REVOKED);
    },
  },

  'link-callbacks-and-children': {
    title: "sends link callbacks with the task's result and records them as the task's children",
    async run(h) {
      const { add, mul } = await h.tasks();
      await h.startWorker();
      const result = await add.s(2, 3).link(mul.s(10)).link(add.s(1)).applyAsync();
      expect(await result.get({ timeout: h.settleTimeoutMs })).toBe(5);
      await settle(h);
      const children = await result.children();
      expect(children).toHaveLength(2);
      expect(await Promise.all(children.map((child) => child.get({ timeout: h.settleTimeoutMs })))).toEqual([50, 6]);
      const collected: unknown[] = [];
      for await (const [, value] of result.collect({ timeout: h.settleTimeoutMs })) collected.push(value);
      expect(collected).toEqual([5, 50, 6]);
    },
  },

  'nested-canvases': {
    title: 'runs nested canvases: a chord of chains and chords, a group inside a chain, a chord inside a chain',
    async run(h) {
      const { add, mul, xsum } = await h.tasks();
      await h.startWorker();
      // chord([ (1+1)*2, chord([1+2, 3+4], sum) ], sum) = 4 + 10 = 14
      const nested = await chord([add.s(1, 1).then(mul.s(2)), chord([add.s(1, 2), add.s(3, 4)], xsum.s())], xsum.s()).applyAsync();
      expect(await nested.get({ timeout: h.settleTimeoutMs })).toBe(14);
      // chain(2+3, group(+1, +2), sum, *10): the group after a step becomes a chord: (6 + 7) * 10.
      const upgraded = await chain(add.s(2, 3), group(add.s(1), add.s(2)), xsum.s(), mul.s(10)).applyAsync();
      expect(await upgraded.get({ timeout: h.settleTimeoutMs })).toBe(130);
      // chain(1+1, chord([+1, +2], sum), *3): the chord receives the previous result: (3 + 4) * 3.
      const chordInChain = await chain(add.s(1, 1), chord([add.s(1), add.s(2)], xsum.s()), mul.s(3)).applyAsync();
      expect(await chordInChain.get({ timeout: h.settleTimeoutMs })).toBe(21);
      // A group of chains.
      const chains = await group(add.s(1, 1).then(mul.s(3)), add.s(2, 2).then(mul.s(3))).applyAsync();
      expect(await chains.get({ timeout: h.settleTimeoutMs })).toEqual([6, 12]);
    },
  },

  'nested-groups-are-flattened': {
    title: "flattens a group inside a group or a chord header, as Celery does: one result per task, in declared order",
    async run(h) {
      const { add, xsum } = await h.tasks();
      await h.startWorker();
      const nested = await group(group(add.s(1, 1), add.s(2, 2)), add.s(3, 3)).applyAsync();
      expect(nested.results).toHaveLength(3);
      expect(await nested.get({ timeout: h.settleTimeoutMs })).toEqual([2, 4, 6]);
      // Chord size 3: the body runs once, after all three, with a flat list.
      const inHeader = await chord([group(add.s(1, 1), group(add.s(2, 2), add.s(3, 3))), add.s(4, 4)], xsum.s()).applyAsync();
      expect(await inHeader.get({ timeout: h.settleTimeoutMs })).toBe(20);
      await settle(h);
      expect(h.bodyRuns).toEqual([[2, 4, 6, 8]]);
    },
  },

  'groups-followed-by-steps': {
    title: "passes a group's results on when more steps follow: chain(group, group, task) and chord(header, group).then(task)",
    async run(h) {
      const { add, fail, mul, xsum } = await h.tasks();
      await h.startWorker();
      // chord(group, chord(group, task)), then *2: each xsum of the second group receives [2, 4].
      const twoGroups = await chain(group(add.s(1, 1), add.s(2, 2)), group(xsum.s(), xsum.s()), xsum.s(), mul.s(2)).applyAsync();
      expect(await twoGroups.get({ timeout: h.settleTimeoutMs })).toBe(24);
      // chord(header, chord(group, task)) with a previous step: the header members get 5 first.
      const groupBody = await add.s(2, 3).then(chord([add.s(1), add.s(2)], group(xsum.s(), xsum.s()))).then(xsum.s()).applyAsync();
      expect(await groupBody.get({ timeout: h.settleTimeoutMs })).toBe(26);
      await settle(h);
      expect(h.bodyRuns).toEqual(expect.arrayContaining([[2, 4], [6, 6], [6, 7], [13, 13]]));
      expect(h.bodyRuns).toHaveLength(6);
      // A failing member of the first group fails the rest: neither the second group nor the last step runs.
      const failing = await chain(group(add.s(1, 1), fail.s(2)), group(xsum.s(), xsum.s()), xsum.s()).applyAsync();
      await expectTqError(() => failing.get({ timeout: h.settleTimeoutMs }), 'TQ_TASK_FAILED');
      await settle(h);
      expect(h.bodyRuns).toHaveLength(6);
    },
  },

  'group-link-after-first-member': {
    title: "runs group.link's callback once the first member succeeded, immutable (Celery's group.link), recorded as its child",
    async run(h) {
      const { add } = await h.tasks();
      await h.startWorker();
      const result = await group(add.s(1, 1), add.s(2, 2)).link(add.s(100, 1)).applyAsync();
      expect(await result.get({ timeout: h.settleTimeoutMs })).toEqual([2, 4]);
      await settle(h);
      const [first, second] = result.results;
      const children = await first!.children();
      // 101, not 102: the callback does not receive the member's result.
      expect(await Promise.all(children.map((child) => child.get({ timeout: h.settleTimeoutMs })))).toEqual([101]);
      expect(await second!.children()).toEqual([]);
    },
  },

  'map-starmap-chunks': {
    title: 'runs task.map, task.starmap and task.chunks through the celery.map / celery.starmap built-ins',
    async run(h) {
      const { add, xsum } = await h.tasks();
      await h.startWorker();
      expect(await (await xsum.map([[1, 2], [3, 4, 5]]).applyAsync()).get({ timeout: h.settleTimeoutMs })).toEqual([3, 12]);
      expect(await (await add.starmap([[1, 2], [3, 4]]).applyAsync()).get({ timeout: h.settleTimeoutMs })).toEqual([3, 7]);
      const chunks = await add.chunks(Array.from({ length: 5 }, (_, index): [number, number] => [index, index]), 2).applyAsync();
      expect(await chunks.get({ timeout: h.settleTimeoutMs })).toEqual([[0, 2], [4, 6], [8]]);
    },
  },

  'replace-with-canvas': {
    title: "lets a task replace itself with a canvas: the canvas's result arrives under the task's id, also as a chord member",
    async run(h) {
      const { replaceWithChain, add, xsum } = await h.tasks();
      await h.startWorker();
      const replaced = await replaceWithChain.delay(4);
      expect(await replaced.get({ timeout: h.settleTimeoutMs })).toBe(10);
      const inChord = await chord([replaceWithChain.s(1), add.s(1, 1)], xsum.s()).applyAsync();
      expect(await inChord.get({ timeout: h.settleTimeoutMs })).toBe(6);
      const inChain = await replaceWithChain.s(2).then(add.s(100)).applyAsync();
      expect(await inChain.get({ timeout: h.settleTimeoutMs })).toBe(106);
    },
  },

  'workflow-ids-from-inside-a-task': {
    title: 'gives a task sent from inside a task parent_id = the running task and counts it among its children',
    async run(h) {
      const { spawn } = await h.tasks();
      await h.startWorker();
      const parent = await spawn.delay(41);
      const childId = await parent.get({ timeout: h.settleTimeoutMs });
      const app = await h.app();
      const child = app.asyncResult<number>(childId);
      expect(await child.get({ timeout: h.settleTimeoutMs })).toBe(42);
      expect((await child.info()).parent_id).toBe(parent.id);
      expect((await parent.children()).map((result) => result.id)).toEqual([childId]);
    },
  },
};
