import { defineScript } from './redis-script.js';
import { setAndPublish } from './set-and-publish.js';

/**
 * Compare-and-set of one result, then Celery's PUBLISH on the key's name.
 *
 * The caller read the key, decided the write is allowed (the stored state is not SUCCESS) and built
 * the new value from it (extended fields carry over). This script applies that value only if the
 * key still holds exactly what was read, compared by SHA-1, so a SUCCESS stored in between by
 * another worker can never be overwritten or lost: the caller sees 0, reads again and sees it.
 *
 * The value arrives as the final JSON string and is never decoded here: Redis's cjson re-encodes
 * numbers with 14 significant digits, which would corrupt results.
 *
 *   KEYS[1]  the result key (celery-task-meta-<id>), also the channel Celery publishes on
 *   ARGV[1]  SHA-1 (hex) of the value the write was computed from, or '' when the key was absent
 *   ARGV[2]  the new value
 *   ARGV[3]  expiry in ms, or '0' for none
 *   returns  1 when stored and published, 0 when the key changed since it was read
 */
export const storeIfUnchanged = defineScript(
  'store-if-unchanged',
  `
local current = redis.call('GET', KEYS[1])
if current then
  if redis.sha1hex(current) ~= ARGV[1] then return 0 end
elseif ARGV[1] ~= '' then
  return 0
end
${setAndPublish('KEYS[1]', 'ARGV[2]', 'ARGV[3]')}
return 1
`,
);
