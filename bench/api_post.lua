-- wrk script: POST /v1/jobs with a no-op job (bench/api.sh runs it).
wrk.method = "POST"
wrk.body = '{"steps":[{"tool":"shell","input":{"command":"true"}}]}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer bench-token"

-- RATE=N (requests/s over all connections): pace each connection to N/connections, for latency at
-- a given load rather than at saturation. wrk waits delay() ms after each response.
local pause = 0
function init(args)
  local rate, conns = tonumber(os.getenv("RATE") or ""), tonumber(os.getenv("CONNS") or "8")
  if rate then pause = math.max(0, 1000 * conns / rate - 0.4) end
end
function delay() return pause end
