-- Move up to ARGV[4] ready messages of one queue into this consumer's in-flight hash, atomically:
-- there is no moment where a message is neither in a ready list nor in the hash (no loss window).
-- KEYS[1] consumers zset (member = consumer id, score = lease expiry, server ms)
-- KEYS[2] redelivery counts hash (sha1 of the raw envelope -> deliveries so far)
-- KEYS[3] this consumer's in-flight hash (delivery id -> "<count>|<level>|<raw envelope>")
-- KEYS[4] dead-letter list
-- KEYS[5..] ready lists in consumption order (kombu's: bare name first, then \x06\x163, 6, 9)
-- ARGV[1] consumer id, ARGV[2] lease ms, ARGV[3] first delivery id, ARGV[4] most to take,
-- ARGV[5] delivery limit, ARGV[6] queue name, ARGV[7] deadAt (ms), ARGV[8] most dead letters to keep
-- A message already delivered `limit` times is dead-lettered here instead (TQ_DELIVERY_LIMIT): in the
-- same script that would hand it out, so no consumer can run it once more in between.
-- Returns a flat array: id, deliveryCount, level, raw, id, deliveryCount, level, raw, ...
local consumers, counts, inflight, dead = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local consumerId, leaseMs = ARGV[1], tonumber(ARGV[2])
local firstId, wanted = tonumber(ARGV[3]), tonumber(ARGV[4])
local limit = tonumber(ARGV[5])

local time = redis.call('TIME')
local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
-- Reserving renews (or re-registers) the lease, so every in-flight entry is covered by one.
redis.call('ZADD', consumers, nowMs + leaseMs, consumerId)

local out = {}
-- A replay of a call whose reply was lost (a reconnect resends it) returns what the first run took
-- instead of taking more under the same ids, which would overwrite and lose those entries.
if redis.call('HEXISTS', inflight, firstId) == 1 then
  for id = firstId, firstId + wanted - 1 do
    local entry = redis.call('HGET', inflight, id)
    if entry then
      local first = string.find(entry, '|', 1, true)
      local second = string.find(entry, '|', first + 1, true)
      out[#out + 1] = id
      out[#out + 1] = tonumber(string.sub(entry, 1, first - 1))
      out[#out + 1] = tonumber(string.sub(entry, first + 1, second - 1))
      out[#out + 1] = string.sub(entry, second + 1)
    end
  end
  return out
end

-- Counts exist only for messages that were given back; skip hashing when there are none.
local lookUpCounts = redis.call('EXISTS', counts) == 1
local nextId = firstId
local fields = {}
local deadLettered = 0
for level = 0, #KEYS - 5 do
  -- Dead-lettered messages free their slot, so pop again until the window is full or the list empty.
  while true do
    local remaining = wanted - (nextId - firstId)
    if remaining <= 0 then break end
    local popped = redis.call('RPOP', KEYS[5 + level], remaining)
    if not popped then break end
    for _, raw in ipairs(popped) do
      local deliveries = 1
      if lookUpCounts then
        local digest = redis.sha1hex(raw)
        local previous = redis.call('HGET', counts, digest)
        if previous then
          deliveries = tonumber(previous) + 1
          redis.call('HDEL', counts, digest)
        end
      end
      if deliveries > limit then
        local delivered = deliveries - 1
        local record = cjson.encode({
          queue = ARGV[6],
          reason = {
            code = 'TQ_DELIVERY_LIMIT',
            message = 'Delivered ' .. delivered .. ' times without being acked (deliveryLimit ' .. limit .. '): each time its consumer lost '
              .. 'the lease (the process died, or blocked its event loop longer than lease.leaseMs; run such tasks with --pool threads) '
              .. 'or gave it back. Dead-lettered instead of delivered again; raise deliveryLimit (?delivery_limit=) if that is too few.',
          },
          deadAt = tonumber(ARGV[7]),
        })
        redis.call('LPUSH', dead, record .. '\n' .. raw)
        deadLettered = deadLettered + 1
      else
        fields[#fields + 1] = nextId
        fields[#fields + 1] = deliveries .. '|' .. level .. '|' .. raw
        out[#out + 1] = nextId
        out[#out + 1] = deliveries
        out[#out + 1] = level
        out[#out + 1] = raw
        nextId = nextId + 1
      end
    end
  end
end
if deadLettered > 0 then redis.call('LTRIM', dead, 0, tonumber(ARGV[8]) - 1) end
-- unpack() is bounded by Lua's C stack (~8000 values), so large prefetch windows go in chunks.
for from = 1, #fields, 1000 do
  redis.call('HSET', inflight, unpack(fields, from, math.min(from + 999, #fields)))
end
return out
