-- Move one in-flight message to the queue's dead-letter list with its reason.
-- KEYS[1] in-flight hash, KEYS[2] dead-letter list
-- ARGV[1] delivery id, ARGV[2] the record's JSON ({ queue, reason, deadAt }), ARGV[3] most dead
-- letters to keep.
-- The record stored is that JSON, a newline, then the raw envelope (JSON text never holds a bare
-- newline, so readers split at the first one): Lua never decodes or re-encodes the message, and a
-- malformed envelope is kept byte for byte.
-- Returns 1 when moved, 0 when the delivery was settled or reaped already.
local entry = redis.call('HGET', KEYS[1], ARGV[1])
if not entry then return 0 end
local first = string.find(entry, '|', 1, true)
local second = string.find(entry, '|', first + 1, true)
redis.call('LPUSH', KEYS[2], ARGV[2] .. '\n' .. string.sub(entry, second + 1))
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[3]) - 1)
redis.call('HDEL', KEYS[1], ARGV[1])
return 1
