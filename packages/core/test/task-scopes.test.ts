import { describe, expect, it } from 'vitest';
import { TaskScopes, type TaskScopeInfo } from '../src/index.js';

const info: TaskScopeInfo = { id: 'id-1', task: 'tasks.add', headers: { tenant: 'acme' } };

describe('app.taskScopes: what a worker runs task bodies inside', () => {
  it('wraps the body in every scope, the first added outermost, and returns what the body returns', () => {
    const scopes = new TaskScopes();
    const order: string[] = [];
    scopes.use((task, run) => {
      order.push(`outer in ${task.id}`);
      const value = run();
      order.push('outer out');
      return value;
    });
    scopes.use((task, run) => {
      order.push(`inner in ${String(task.headers.tenant)}`);
      const value = run();
      order.push('inner out');
      return value;
    });
    expect(scopes.wrap(info, () => (order.push('body'), 42))).toBe(42);
    expect(order).toEqual(['outer in id-1', 'inner in acme', 'body', 'inner out', 'outer out']);
  });

  it('a removed scope no longer wraps; with none the body runs as is', () => {
    const scopes = new TaskScopes();
    let wrapped = 0;
    const remove = scopes.use((_task, run) => (wrapped++, run()));
    expect(scopes.size).toBe(1);
    remove();
    expect(scopes.size).toBe(0);
    expect(scopes.wrap(info, () => 'plain')).toBe('plain');
    expect(wrapped).toBe(0);
  });

  it('a scope that throws fails the run as the body would', () => {
    const scopes = new TaskScopes();
    scopes.use(() => {
      throw new Error('scope broke');
    });
    expect(() => scopes.wrap(info, () => 'never')).toThrow('scope broke');
  });
});
