-- Give in-flight messages of one consumer back to the head of their ready list (nack with requeue),
-- remembering how often each was delivered so the next delivery is marked redelivered.
-- KEYS[1] in-flight hash, KEYS[2] redelivery counts hash, KEYS[3..] ready lists by level
-- ARGV delivery ids, latest first (so the earliest ends up consumed first)
-- Returns how many were given back (ids already settled or reaped are skipped).
local inflight, counts = KEYS[1], KEYS[2]
local returned = 0
for _, id in ipairs(ARGV) do
  local entry = redis.call('HGET', inflight, id)
  if entry then
    local first = string.find(entry, '|', 1, true)
    local second = string.find(entry, '|', first + 1, true)
    local raw = string.sub(entry, second + 1)
    -- kombu consumers pop from the right, so RPUSH puts it next in line.
    redis.call('RPUSH', KEYS[3 + tonumber(string.sub(entry, first + 1, second - 1))], raw)
    redis.call('HSET', counts, redis.sha1hex(raw), string.sub(entry, 1, first - 1))
    redis.call('HDEL', inflight, id)
    returned = returned + 1
  end
end
return returned
