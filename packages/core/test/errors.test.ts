import { describe, expect, it } from 'vitest';
import { TqError } from '../src/errors/tq-error.js';
import { BrokerError, TaskFailedError, UnknownTaskError } from '../src/errors/errors.js';
import { Retry } from '../src/errors/signals.js';
import { serializeError } from '../src/errors/serialize-error.js';

describe('typed errors', () => {
  it('carry a stable code, a retryable flag and the original cause', () => {
    const cause = new Error('ECONNRESET');
    const error = new BrokerError('publish failed', { cause, retryable: true });
    expect(error).toMatchObject({ code: 'TQ_BROKER', retryable: true, cause, name: 'BrokerError' });
  });

  it('are recognised across copies of the package by a global symbol, not instanceof', () => {
    const foreign = Object.assign(new Error('x'), { [Symbol.for('tq.error')]: true, code: 'TQ_X' });
    expect(TqError.isInstance(foreign)).toBe(true);
    expect(TqError.isInstance(new Error('plain'))).toBe(false);
    expect(TqError.isInstance(new UnknownTaskError('a'))).toBe(true);
  });

  it('check the subclass when called on one', () => {
    expect(UnknownTaskError.isInstance(new UnknownTaskError('a'))).toBe(true);
    expect(UnknownTaskError.isInstance(new BrokerError('down'))).toBe(false);
    expect(BrokerError.isInstance(Object.assign(new Error('x'), { [Symbol.for('tq.error')]: true, name: 'BrokerError' }))).toBe(true);
  });

  it('name the fix for an unknown task and list registered ones', () => {
    const error = new UnknownTaskError('tasks.ad', ['tasks.add', 'tasks.mul']);
    expect(error.message).toContain('Registered tasks: tasks.add, tasks.mul');
    expect(error.message).toContain('app.task("tasks.ad", fn)');
  });

  it('keep the retry timing a task asked for', () => {
    const retry = new Retry({ countdown: 5_000, max: 7, cause: new Error('busy') });
    expect(retry).toMatchObject({ countdown: 5_000, max: 7, code: 'TQ_RETRY' });
    expect(retry.message).toBe('Retry requested: busy');
  });
});

describe('serializeError (Celery result format)', () => {
  it('stores args as a list, the type and a module Python can rebuild', () => {
    expect(serializeError(new TypeError('bad arg')).error).toEqual({ exc_type: 'TypeError', exc_message: ['bad arg'], exc_module: 'builtins' });
    expect(serializeError(new Error('boom')).error).toEqual({ exc_type: 'Exception', exc_message: ['boom'], exc_module: 'builtins' });
    class PaymentDeclined extends Error {
      override name = 'PaymentDeclined';
    }
    expect(serializeError(new PaymentDeclined('card')).error).toEqual({ exc_type: 'PaymentDeclined', exc_message: ['card'], exc_module: 'tq.exceptions' });
  });

  it('keeps a remote error’s own type and module when re-raised', () => {
    const remote = new TaskFailedError('id', 'ZeroDivisionError', 'division by zero', 'builtins');
    expect(serializeError(remote).error).toMatchObject({ exc_type: 'ZeroDivisionError', exc_module: 'builtins' });
  });

  it('stores the stack as the traceback and copes with thrown non-errors', () => {
    expect(serializeError(new Error('x')).traceback).toMatch(/Error: x\n\s+at /);
    expect(serializeError('just a string')).toEqual({ error: { exc_type: 'Exception', exc_message: ['just a string'], exc_module: 'builtins' }, traceback: null });
  });
});
