import { describe, expect, it } from 'vitest';
import { requireServer } from '../src/require-server.js';

describe('requireServer', () => {
  it('is true when the probe answers', async () => {
    expect(await requireServer('db', async () => 'PONG', {})).toBe(true);
  });

  it('fails under CI when the server does not answer, naming it', async () => {
    await expect(requireServer('Redis 127.0.0.1:6379', async () => Promise.reject(new Error('ECONNREFUSED')), { CI: 'true' })).rejects.toThrow(
      /Redis 127.0.0.1:6379 is required in CI but did not answer \(ECONNREFUSED\)/,
    );
  });

  it('skips loudly outside CI', async () => {
    expect(await requireServer('db', async () => Promise.reject(new Error('down')), {})).toBe(false);
  });
});
