import { defineScript } from './redis-script.js';

/**
 * Count one member into a chord group, atomically and at most once per member id.
 *
 * The members set makes redeliveries harmless (SADD of a known id changes nothing); completed_by
 * is written once, by the first join that brings the set to the group's size, so exactly one
 * member ever sees completed = 1 (and sees it again if it is redelivered).
 *
 *   KEYS[1]  set of member ids counted so far
 *   KEYS[2]  hash: size (fixed by the first join), completed_by
 *   ARGV[1]  member id    ARGV[2]  group size    ARGV[3]  expiry in ms, or '0' for none
 *   returns  {'joined', count, completed 0|1} or {'size-mismatch', stored size}
 */
export const chordJoin = defineScript(
  'chord-join',
  `
local size = tonumber(ARGV[2])
local storedSize = redis.call('HGET', KEYS[2], 'size')
if storedSize and tonumber(storedSize) ~= size then
  return {'size-mismatch', storedSize}
end
if not storedSize then redis.call('HSET', KEYS[2], 'size', ARGV[2]) end
redis.call('SADD', KEYS[1], ARGV[1])
local count = redis.call('SCARD', KEYS[1])
local completedBy = redis.call('HGET', KEYS[2], 'completed_by')
if not completedBy and count >= size then
  redis.call('HSET', KEYS[2], 'completed_by', ARGV[1])
  completedBy = ARGV[1]
end
if ARGV[3] ~= '0' then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
end
return {'joined', count, completedBy == ARGV[1] and 1 or 0}
`,
);
