/**
 * The Lua every result write ends with, as Celery's backend does it: SET the value (with the
 * expiry, unless it is '0'), then PUBLISH it on the key's name. The arguments name the Lua
 * expressions holding the key, the value and the expiry.
 */
export function setAndPublish(key: string, value: string, expiry: string): string {
  return `if ${expiry} == '0' then
  redis.call('SET', ${key}, ${value})
else
  redis.call('SET', ${key}, ${value}, 'PX', ${expiry})
end
redis.call('PUBLISH', ${key}, ${value})`;
}
