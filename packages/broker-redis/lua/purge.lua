-- Remove every ready and delayed message of one queue (in-flight ones stay with their consumers).
-- KEYS[1] delayed zset, KEYS[2] redelivery counts hash, KEYS[3..] ready lists. Returns how many.
local removed = redis.call('ZCARD', KEYS[1])
for i = 3, #KEYS do removed = removed + redis.call('LLEN', KEYS[i]) end
-- Counts belong to ready messages only (a reservation takes its count along), so they go too.
redis.call('DEL', unpack(KEYS))
return removed
