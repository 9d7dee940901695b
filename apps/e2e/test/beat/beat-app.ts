import { createApp } from '@tq/core';
import { createRedisBroker } from '@tq/broker-redis';
import { createBeat } from '@tq/beat';

// A beat process under the HA test: it sends `e2e.beat.tick` every second to a Redis broker
// namespace the test chooses; the store comes from `tq beat --store`.
const url = process.env.E2E_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const keyPrefix = process.env.E2E_PREFIX ?? 'e2e-beat:';

export const app = createApp({ broker: createRedisBroker({ url, keyPrefix }), backend: null });

export const tick = app.task('e2e.beat.tick', (entry: string) => entry);

export const beat = createBeat(app, { lease: { ttl: Number(process.env.E2E_LEASE_MS ?? 2_000) } });
beat.schedule('every-second', { every: '1s', task: tick, args: ['every-second'], catchUp: 'all' });
beat.schedule('nightly', { cron: '30 2 * * *', timezone: 'America/New_York', task: tick, args: ['nightly'] });
