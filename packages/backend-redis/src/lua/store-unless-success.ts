import { defineScript } from './redis-script.js';
import { setAndPublish } from './set-and-publish.js';

/**
 * Store a result unless SUCCESS is stored already, then Celery's PUBLISH on the key's name: one
 * round trip, for updates that carry every extended field (StateUpdate.complete), where nothing
 * has to be read and carried over. The stored value is decoded only to read its status; the new
 * value is written as given (cjson would re-encode numbers with 14 significant digits).
 *
 *   KEYS[1]  the result key (celery-task-meta-<id>), also the channel Celery publishes on
 *   ARGV[1]  the new value
 *   ARGV[2]  expiry in ms, or '0' for none
 *   returns  1 when stored and published, 0 when SUCCESS was stored already
 */
export const storeUnlessSuccess = defineScript(
  'store-unless-success',
  `
local current = redis.call('GET', KEYS[1])
if current then
  local ok, stored = pcall(cjson.decode, current)
  if ok and type(stored) == 'table' and stored['status'] == 'SUCCESS' then return 0 end
end
${setAndPublish('ARGV[1]', 'ARGV[2]')}
`,
);
