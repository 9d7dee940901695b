-- Give back every in-flight message of consumers that are gone: this consumer on cancel/close
-- (ARGV[2] = '0'), or, for the reaper, every consumer whose lease expired (ARGV[2] = '1').
-- KEYS[1] consumers zset, KEYS[2] redelivery counts hash, KEYS[3..] ready lists by level
-- ARGV[1] in-flight key prefix (the consumer id is appended), ARGV[2] mode, ARGV[3] consumer id
-- (mode 0) or the most consumers to reap in one call (mode 1)
-- Returns how many messages went back.
local consumers, counts = KEYS[1], KEYS[2]
local prefix, reaping = ARGV[1], ARGV[2] == '1'

local gone
if reaping then
  local time = redis.call('TIME')
  local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  gone = redis.call('ZRANGEBYSCORE', consumers, '-inf', nowMs, 'LIMIT', 0, tonumber(ARGV[3]))
else
  gone = { ARGV[3] }
end

local returned = 0
for _, consumerId in ipairs(gone) do
  local inflight = prefix .. consumerId
  local flat = redis.call('HGETALL', inflight)
  local entries = {}
  for i = 1, #flat, 2 do entries[#entries + 1] = { tonumber(flat[i]), flat[i + 1] } end
  -- Latest delivery first, so the earliest is pushed last and comes out first again.
  table.sort(entries, function(a, b) return a[1] > b[1] end)
  for _, item in ipairs(entries) do
    local entry = item[2]
    local first = string.find(entry, '|', 1, true)
    local second = string.find(entry, '|', first + 1, true)
    local raw = string.sub(entry, second + 1)
    redis.call('RPUSH', KEYS[3 + tonumber(string.sub(entry, first + 1, second - 1))], raw)
    redis.call('HSET', counts, redis.sha1hex(raw), string.sub(entry, 1, first - 1))
    returned = returned + 1
  end
  redis.call('DEL', inflight)
  -- A consumer that comes back after this finds itself unregistered and learns its lease was lost.
  redis.call('ZREM', consumers, consumerId)
end
return returned
