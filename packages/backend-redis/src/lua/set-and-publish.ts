/**
 * The Lua tail every result write ends with, as Celery's backend does it: SET the value (with the
 * expiry, unless it is '0'), PUBLISH it on the key's name, return 1. `value` and `expiry` name the
 * ARGV slots the calling script keeps them in.
 */
export function setAndPublish(value: string, expiry: string): string {
  return `if ${expiry} == '0' then
  redis.call('SET', KEYS[1], ${value})
else
  redis.call('SET', KEYS[1], ${value}, 'PX', ${expiry})
end
redis.call('PUBLISH', KEYS[1], ${value})
return 1`;
}
