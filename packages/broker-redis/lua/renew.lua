-- Renew a consumer's lease on one queue, on the server's clock so consumers on hosts with
-- skewed clocks agree on who expired.
-- KEYS[1] consumers zset; ARGV[1] consumer id, ARGV[2] lease ms
-- Returns 1 when the consumer was not registered (never, or reaped: its lease was lost), else 0.
local time = redis.call('TIME')
local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
return redis.call('ZADD', KEYS[1], nowMs + tonumber(ARGV[2]), ARGV[1])
