import { defineScript } from './redis-script.js';
import { setAndPublish } from './set-and-publish.js';

/**
 * Store results unless SUCCESS is stored already, each followed by Celery's PUBLISH on its key's
 * name: one round trip for any number of updates that carry every extended field
 * (StateUpdate.complete), where nothing has to be read and carried over. Updates apply in order,
 * so a STARTED and a SUCCESS of the same task in one call land as they would one by one. A stored
 * value is decoded only to read its status; new values are written as given (cjson would
 * re-encode numbers with 14 significant digits).
 *
 *   KEYS[i]    the result key (celery-task-meta-<id>) of update i, also the channel Celery publishes on
 *   ARGV[1]    expiry in ms, or '0' for none
 *   ARGV[i+1]  the new value of update i
 *   returns    per update, 1 when stored and published, 0 when SUCCESS was stored already
 */
export const storeUnlessSuccess = defineScript(
  'store-unless-success',
  `
local stored = {}
for i, key in ipairs(KEYS) do
  local value = ARGV[i + 1]
  local current = redis.call('GET', key)
  local ok, meta = false, nil
  if current then ok, meta = pcall(cjson.decode, current) end
  if ok and type(meta) == 'table' and meta['status'] == 'SUCCESS' then
    stored[i] = 0
  else
    ${setAndPublish('key', 'value', 'ARGV[1]')}
    stored[i] = 1
  end
end
return stored
`,
);
