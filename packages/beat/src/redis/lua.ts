/**
 * The store's atomic steps. The lease value is "<token>|<holder>" with a PX expiry (Redis's clock
 * decides expiry, not the processes'); the fence counter never expires, so tokens only grow.
 */

/** KEYS: lease, fence. ARGV: holder, ttlMs. Returns {held, token, pttl, holder}. */
export const ACQUIRE_LEASE = `
local current = redis.call('GET', KEYS[1])
if current then
  local sep = string.find(current, '|', 1, true)
  local token = tonumber(string.sub(current, 1, sep - 1))
  local holder = string.sub(current, sep + 1)
  if holder == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return {1, token, tonumber(ARGV[2]), holder}
  end
  return {0, token, redis.call('PTTL', KEYS[1]), holder}
end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], token .. '|' .. ARGV[1], 'PX', ARGV[2])
return {1, token, tonumber(ARGV[2]), ARGV[1]}
`;

/** KEYS: lease. ARGV: holder, token. Deletes the lease only if it is still this holder's term. */
export const RELEASE_LEASE = `
if redis.call('GET', KEYS[1]) == ARGV[2] .. '|' .. ARGV[1] then
  redis.call('DEL', KEYS[1])
end
return 0
`;

/** KEYS: lease, last-run hash. ARGV: token, entry, dueAt. Returns 'claimed' | 'duplicate' | 'fenced'. */
export const CLAIM_TICK = `
local current = redis.call('GET', KEYS[1])
if not current then return 'fenced' end
local sep = string.find(current, '|', 1, true)
if tonumber(string.sub(current, 1, sep - 1)) ~= tonumber(ARGV[1]) then return 'fenced' end
local last = redis.call('HGET', KEYS[2], ARGV[2])
if last and tonumber(last) >= tonumber(ARGV[3]) then return 'duplicate' end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
return 'claimed'
`;
