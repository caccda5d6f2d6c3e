-- wrk script: POST /v1/jobs with a no-op job (bench/api.sh runs it).
wrk.method = "POST"
wrk.body = '{"steps":[{"tool":"shell","input":{"command":"true"}}]}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer bench-token"
