-- Move up to ARGV[4] ready messages of one queue into this consumer's in-flight hash, atomically:
-- there is no moment where a message is neither in a ready list nor in the hash (no loss window).
-- KEYS[1] consumers zset (member = consumer id, score = lease expiry, server ms)
-- KEYS[2] redelivery counts hash (sha1 of the raw envelope -> deliveries so far)
-- KEYS[3] this consumer's in-flight hash (delivery id -> "<count>|<level>|<raw envelope>")
-- KEYS[4..] ready lists in consumption order (kombu's: bare name first, then \x06\x163, 6, 9)
-- ARGV[1] consumer id, ARGV[2] lease ms, ARGV[3] first delivery id, ARGV[4] most to take
-- Returns a flat array: id, deliveryCount, level, raw, id, deliveryCount, level, raw, ...
local consumers, counts, inflight = KEYS[1], KEYS[2], KEYS[3]
local consumerId, leaseMs = ARGV[1], tonumber(ARGV[2])
local firstId, wanted = tonumber(ARGV[3]), tonumber(ARGV[4])

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
for level = 0, #KEYS - 4 do
  local remaining = wanted - (nextId - firstId)
  if remaining <= 0 then break end
  local popped = redis.call('RPOP', KEYS[4 + level], remaining)
  if popped then
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
-- unpack() is bounded by Lua's C stack (~8000 values), so large prefetch windows go in chunks.
for from = 1, #fields, 1000 do
  redis.call('HSET', inflight, unpack(fields, from, math.min(from + 999, #fields)))
end
return out
