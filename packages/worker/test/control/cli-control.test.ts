import { describe, expect, it } from 'vitest';
import { commandArguments } from '../../src/cli/control/command-arguments.js';
import { EventState } from '../../src/cli/control/event-state.js';

describe('tq inspect / tq control arguments, as Celery’s CLI maps them', () => {
  it('maps positional words onto Celery’s argument names, with variadic ids', () => {
    expect(commandArguments('control', 'rate_limit', ['tasks.add', '10/m'])).toEqual({ task_name: 'tasks.add', rate_limit: '10/m' });
    expect(commandArguments('control', 'terminate', ['SIGKILL', 'a', 'b'])).toEqual({ signal: 'SIGKILL', task_id: ['a', 'b'] });
    expect(commandArguments('control', 'revoke', ['a'])).toEqual({ task_id: ['a'] });
    expect(commandArguments('control', 'pool_grow', ['2'])).toEqual({ n: 2 });
    expect(commandArguments('inspect', 'query_task', ['x', 'y'])).toEqual({ ids: ['x', 'y'] });
    expect(commandArguments('inspect', 'ping', [])).toEqual({});
  });

  it('names the choices for an unknown command, and refuses extra or non-numeric arguments', () => {
    expect(() => commandArguments('inspect', 'actve', [])).toThrow(/Unknown inspect command "actve". Use one of: ping, stats, active/u);
    expect(() => commandArguments('inspect', 'ping', ['extra'])).toThrow(/ping takes at most 0 arguments, got 1/u);
    expect(() => commandArguments('control', 'pool_grow', ['many'])).toThrow(/n must be a number, got "many"/u);
  });
});

describe('tq events live view', () => {
  it('shows workers online until their heartbeat is older than twice its frequency, and the newest tasks first', () => {
    const state = new EventState();
    const base = { utcoffset: 0, pid: 1, clock: 1 };
    state.apply({ ...base, type: 'worker-heartbeat', hostname: 'tq@a', timestamp: 100, freq: 2, active: 1, processed: 5, sw_ident: 'tq' });
    state.apply({ ...base, type: 'task-received', hostname: 'tq@a', timestamp: 100, uuid: 'u1', name: 'tasks.add' });
    state.apply({ ...base, type: 'task-received', hostname: 'tq@a', timestamp: 100, uuid: 'u2', name: 'tasks.mul' });
    state.apply({ ...base, type: 'task-succeeded', hostname: 'tq@a', timestamp: 101, uuid: 'u1', runtime: 0.25 });
    const screen = state.render(103);
    expect(screen).toMatch(/tq@a\s+tq\s+online\s+1\s+5/u);
    const taskLines = screen.split('\n').filter((line) => /^u\d/u.test(line));
    expect(taskLines[0]).toMatch(/^u1\s+tasks\.add\s+SUCCESS\s+tq@a\s+0\.250s/u);
    expect(taskLines[1]).toMatch(/^u2\s+tasks\.mul\s+RECEIVED/u);
    expect(state.render(105)).toMatch(/tq@a\s+tq\s+offline/u);
  });
});
