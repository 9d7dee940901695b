-- Move due delayed messages to the tail of their ready list, earliest due first.
-- KEYS[1] delayed zset (member = "<level>|<raw envelope>", score = deliverAt ms), KEYS[2..] ready lists
-- ARGV[1] now (ms, the producer's clock: deliverAt was set on it), ARGV[2] most to move
-- Returns { moved, next due score or -1 }.
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, member in ipairs(due) do
  local bar = string.find(member, '|', 1, true)
  redis.call('LPUSH', KEYS[2 + tonumber(string.sub(member, 1, bar - 1))], string.sub(member, bar + 1))
  redis.call('ZREM', KEYS[1], member)
end
local nextDue = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return { #due, nextDue[2] or '-1' }
