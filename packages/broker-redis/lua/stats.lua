-- Depths of one queue. KEYS[1] delayed zset, KEYS[2] dead list, KEYS[3] consumers zset,
-- KEYS[4..] ready lists; ARGV[1] in-flight key prefix.
-- Returns { ready, inFlight, delayed, dead }.
local ready = 0
for i = 4, #KEYS do ready = ready + redis.call('LLEN', KEYS[i]) end
local inFlight = 0
for _, consumerId in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do
  inFlight = inFlight + redis.call('HLEN', ARGV[1] .. consumerId)
end
return { ready, inFlight, redis.call('ZCARD', KEYS[1]), redis.call('LLEN', KEYS[2]) }
