import AgentCore
import Redis

/// Every multi-key state change is one of these Lua scripts, so each transition is atomic.
/// Each lists its KEYS and ARGV. Keys of a job are declared in KEYS where the caller knows them;
/// where only the script finds the id (a claim, the reaper), they are built from `jobPrefix`
/// (`prefix{queue}:job:`), which carries the queue's hash tag, so they share the queue's slot.
/// Redis Cluster: while a slot moves, touching a key that is not (yet) on this node raises an
/// error in the middle of a script, and a script's writes are not undone. So each such script
/// touches every key of one unit of work (`probe`) before it writes any of them: it stops with
/// nothing half-done, and the caller tries again.
/// Times are unix milliseconds passed by the caller, so one clock drives a whole test.
/// Bump `version` when a script changes meaning.
enum Scripts {
    static let version = 9

    /// Shared helpers: append to a job's history (capped), bump a per-minute counter, and count a
    /// finished attempt in the queue's metrics hash (an outcome counter, and its duration in the
    /// histogram bucket `b<i>` of `QueueMetrics.bucketsMs`, with `sum_ms`) for /metrics.
    private static let prelude = """
        local function hist(key, t)
          if redis.call('RPUSH', key, cjson.encode(t)) > 200 then redis.call('LTRIM', key, -200, -1) end
        end
        -- Touches keys before any write (see above): raises here, not half-way through the writes.
        local function probe(...)
          for _, k in ipairs({...}) do redis.call('EXISTS', k) end
        end
        local function bump(key, ttl)
          if redis.call('INCR', key) == 1 then redis.call('PEXPIRE', key, ttl) end
        end
        -- A job that leaves active (done, failed, released, reaped) has no call waiting any more.
        -- A decided call's decision stays (a parked call's, not yet taken by the attempt that resumes it).
        local function unawait(jk, awaiting, id)
          redis.call('ZREM', awaiting, id)
          if redis.call('HEXISTS', jk, 'approval_decision') == 0 then
            redis.call('HDEL', jk, 'approval', 'approval_id', 'approval_timeout')
          end
        end
        -- A parked job whose call was decided goes back to the front of pending (claims take from the right).
        local function wake(jk, id, parked, pending, marker, now)
          redis.call('ZREM', parked, id)
          redis.call('HSET', jk, 'state', 'pending', 'enqueued_at', now, 'updated_at', now)
          redis.call('RPUSH', pending, id)
          redis.call('ZADD', marker, 0, '1')
        end
        local buckets = {\(QueueMetrics.bucketsMs.map(String.init).joined(separator: ", "))}
        local function observe(key, outcome, claimedAt, now)
          redis.call('HINCRBY', key, outcome, 1)
          local started = tonumber(claimedAt)
          if not started then return end
          local ms = math.max(0, now - started)
          local b = #buckets + 1
          for i, le in ipairs(buckets) do if ms <= le then b = i break end end
          redis.call('HINCRBY', key, 'b' .. b, 1)
          redis.call('HINCRBY', key, 'sum_ms', math.floor(ms))
        end

        """

    private static func script(_ name: String, _ body: String) -> RedisScript {
        RedisScript(name: name, source: "-- swissagent v\(version) \(name)\n" + prelude + body)
    }

    /// KEYS: pending, scheduled, marker, then each job's key, in the order of the jobs
    /// ARGV: jobPrefix, now, check (1 = the ids came from the caller: skip any that exists),
    ///       then 3 per job: id, spec, run_at (ms; 0 = now)
    /// Returns per job 1 when stored, 0 when a job with that id already exists (enqueue is idempotent by id).
    /// One call stores a whole chunk: ids go to pending in a single LPUSH. Everything else about a job
    /// (max attempts, tools, tenant) is read from its spec when needed, which keeps this, the hot path, short.
    static let enqueue = script("enqueue", """
        local now = ARGV[2]
        local check = ARGV[3] == '1'
        local out, ready = {}, {}
        for i = 4, #ARGV, 3 do
          local id = ARGV[i]
          local jk = KEYS[3 + (i - 1) / 3]
          if check and redis.call('EXISTS', jk) == 1 then
            out[#out + 1] = 0
          else
            local runAt = ARGV[i + 2]
            if runAt ~= '0' and tonumber(runAt) > tonumber(now) then
              redis.call('HSET', jk, 'spec', ARGV[i + 1], 'state', 'scheduled', 'created_at', now, 'run_at', runAt)
              redis.call('ZADD', KEYS[2], runAt, id)
            else
              redis.call('HSET', jk, 'spec', ARGV[i + 1], 'state', 'pending', 'created_at', now)
              ready[#ready + 1] = id
            end
            out[#out + 1] = 1
          end
        end
        for i = 1, #ready, 1000 do
          redis.call('LPUSH', KEYS[1], unpack(ready, i, math.min(i + 999, #ready)))
        end
        if #ready > 0 then redis.call('ZADD', KEYS[3], 0, '1') end
        return out
        """)

    /// claim_next(pending, active, lease, paused, marker, failed, now, lease_until, worker, jobPrefix, garbage_id)
    /// takes the oldest pending job: nil, or {id, spec, claim, attempt, enqueued_at}. An entry of the pending
    /// list that is not a job of this queue goes to failed as "invalid job payload" and the next one is tried.
    /// Shared by `claim` and `complete` (which hands the consumer its next job in the same round trip).
    private static let claimFunction = """
        local function activate(jk, id, f, lease, now, leaseUntil, worker)
          local claim = redis.call('HINCRBY', jk, 'claims', 1)
          local attempt = (tonumber(f[5]) or 0) + 1
          redis.call('HSET', jk, 'state', 'active', 'attempts', attempt, 'worker', worker, 'claimed_at', now,
            'updated_at', now, 'lease_until', leaseUntil)
          redis.call('ZADD', lease, leaseUntil, id)
          local previous = redis.call('LINDEX', jk .. ':history', -1) or ''
          hist(jk .. ':history', {at = now, event = 'claimed', attempt = attempt, worker = worker})
          return {id, f[1], claim, attempt, f[3] or f[4] or tostring(now), previous, redis.call('HGET', jk, 'sandbox') or ''}
        end
        local states = {scheduled = true, pending = true, active = true, retrying = true, succeeded = true, failed = true,
          cancelled = true, awaiting = true}
        local function claim_next(pending, active, lease, paused, marker, failed, now, leaseUntil, worker, jobPrefix, garbageId)
          local notes = {}
          if redis.call('EXISTS', paused) == 1 then return nil, notes end
          for i = 1, 20 do
            -- Look before taking: the job's keys are touched before anything is written.
            local id = redis.call('LINDEX', pending, -1)
            if not id then return nil, notes end
            local jk = jobPrefix .. id
            local f = redis.call('HMGET', jk, 'spec', 'state', 'enqueued_at', 'created_at', 'attempts')
            if f[1] and f[2] == 'pending' then
              probe(jk .. ':history')
              redis.call('LMOVE', pending, active, 'RIGHT', 'LEFT')
              if redis.call('LLEN', pending) > 0 then redis.call('ZADD', marker, 0, '1') end
              return activate(jk, id, f, lease, now, leaseUntil, worker), notes
            end
            if redis.call('EXISTS', jk) == 0 then
              local gid = garbageId .. '-' .. i
              probe(jobPrefix .. gid, jobPrefix .. gid .. ':history')
              redis.call('RPOP', pending)
              local why = 'invalid job payload: not a job id of this queue: ' .. string.sub(id, 1, 200)
              redis.call('HSET', jobPrefix .. gid, 'spec', id, 'state', 'failed', 'max_attempts', 0, 'created_at', now,
                'updated_at', now, 'finished_at', now, 'error', why, 'tools', '')
              hist(jobPrefix .. gid .. ':history', {at = now, event = 'failed', error = why})
              redis.call('ZADD', failed, now, gid)
              notes[#notes + 1] = gid .. ': ' .. why
            elseif not f[1] or not f[2] or not states[f[2]] then
              -- A record that is no job: failed with the reason, never silently dropped.
              probe(jk .. ':history')
              redis.call('RPOP', pending)
              local why = 'invalid job record: no spec'
              if not f[2] then why = 'invalid job record: no state'
              elseif not states[f[2]] then why = 'invalid job record: unknown state "' .. string.sub(f[2], 1, 40) .. '"' end
              if not f[1] then redis.call('HSET', jk, 'spec', '') end
              redis.call('HSET', jk, 'state', 'failed', 'error', why, 'updated_at', now, 'finished_at', now)
              hist(jk .. ':history', {at = now, event = 'failed', error = why})
              redis.call('ZADD', failed, now, id)
              notes[#notes + 1] = id .. ': ' .. why
            else
              -- A duplicate entry of a job that is elsewhere (its state says where): dropped.
              redis.call('RPOP', pending)
            end
          end
          redis.call('ZADD', marker, 0, '1')
          return nil, notes
        end

        """

    /// KEYS: pending, active, lease, paused, marker, failed
    /// ARGV: now, lease_until, worker, jobPrefix, garbage_id
    /// Returns {job or nil, notes...}: the job is {id, spec, claim, attempt, enqueued_at}; each note
    /// names a record that was not a job and went to failed.
    static let claim = script("claim", claimFunction + """
        local job, notes = claim_next(KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], tonumber(ARGV[1]), ARGV[2], ARGV[3],
          ARGV[4], ARGV[5])
        return {job or false, unpack(notes)}
        """)

    /// KEYS: job, pending, active, lease
    /// ARGV: id, now, lease_until, worker
    /// Returns nil (the job is not pending), or {id, spec, claim, attempt, enqueued_at}: takes one
    /// given job out of pending, wherever it stands (the console's "run it here").
    static let claimID = script("claim_id", claimFunction + """
        local f = redis.call('HMGET', KEYS[1], 'spec', 'state', 'enqueued_at', 'created_at', 'attempts')
        probe(KEYS[1] .. ':history')
        if f[2] ~= 'pending' or redis.call('LREM', KEYS[2], 1, ARGV[1]) == 0 then return nil end
        redis.call('LPUSH', KEYS[3], ARGV[1])
        return activate(KEYS[1], ARGV[1], f, KEYS[4], tonumber(ARGV[2]), ARGV[3], ARGV[4])
        """)

    /// KEYS: job, active, lease
    /// ARGV: id, spec, now, lease_until, worker
    /// Returns nil (the id is taken), or {id, spec, claim, attempt, enqueued_at}: stores a new job
    /// already claimed, so it is never in pending for another worker to take.
    static let enqueueClaimed = script("enqueue_claimed", claimFunction + """
        if redis.call('EXISTS', KEYS[1]) == 1 then return nil end
        probe(KEYS[1] .. ':history')
        redis.call('HSET', KEYS[1], 'spec', ARGV[2], 'state', 'pending', 'created_at', ARGV[3])
        redis.call('LPUSH', KEYS[2], ARGV[1])
        return activate(KEYS[1], ARGV[1], {ARGV[2], 'pending', nil, ARGV[3], '0'}, KEYS[3], tonumber(ARGV[3]), ARGV[4], ARGV[5])
        """)

    /// KEYS: job, transcript, pending, marker
    /// ARGV: id, spec, now, journal bytes, then the journal's entries (JSON)
    /// Returns 1 when stored, 0 when the id is taken: a new pending job with a journal to start
    /// from (a fork's copied turns), in one step.
    static let enqueueWithJournal = script("enqueue_with_journal", """
        if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
        probe(KEYS[1] .. ':history', KEYS[2])
        redis.call('HSET', KEYS[1], 'spec', ARGV[2], 'state', 'pending', 'created_at', ARGV[3], 'transcript_stored', ARGV[4])
        for i = 5, #ARGV, 1000 do redis.call('RPUSH', KEYS[2], unpack(ARGV, i, math.min(i + 999, #ARGV))) end
        redis.call('LPUSH', KEYS[3], ARGV[1])
        redis.call('ZADD', KEYS[4], 0, '1')
        return 1
        """)

    /// KEYS: job, history, active, lease, succeeded, processed counter, pending, paused, marker, failed, metrics, awaiting
    /// ARGV: id, claim, now, result, counter ttl ms, worker, then to claim the next job in the
    ///       same call: lease_until (0 = don't), jobPrefix, garbage_id
    /// Returns {outcome, next job or nil, notes...} (notes as for claim); outcome is succeeded | duplicate | stale | missing.
    static let complete = script("complete", claimFunction + """
        local function finish()
        local f = redis.call('HMGET', KEYS[1], 'state', 'claims', 'claimed_at')
        if not f[1] then return 'missing' end
        local now = tonumber(ARGV[3])
        if f[1] ~= 'active' or f[2] ~= ARGV[2] then
          local outcome = 'stale'
          if f[1] == 'succeeded' and f[2] == ARGV[2] then outcome = 'duplicate' end
          hist(KEYS[2], {at = now, event = 'ack_ignored', worker = ARGV[6],
            note = outcome .. ' success report for claim ' .. ARGV[2] .. ' while ' .. f[1] .. ' (claim ' .. tostring(f[2]) .. ')'})
          return outcome
        end
        redis.call('LREM', KEYS[3], 1, ARGV[1])
        redis.call('ZREM', KEYS[4], ARGV[1])
        unawait(KEYS[1], KEYS[12], ARGV[1])
        redis.call('HSET', KEYS[1], 'state', 'succeeded', 'result', ARGV[4], 'finished_at', now, 'updated_at', now)
        redis.call('ZADD', KEYS[5], now, ARGV[1])
        bump(KEYS[6], tonumber(ARGV[5]))
        observe(KEYS[11], 'succeeded', f[3], now)
        hist(KEYS[2], {at = now, event = 'succeeded', worker = ARGV[6]})
        return 'succeeded'
        end
        local outcome = finish()
        if ARGV[7] == '0' then return {outcome} end
        local job, notes = claim_next(KEYS[7], KEYS[3], KEYS[4], KEYS[8], KEYS[9], KEYS[10], tonumber(ARGV[3]), ARGV[7],
          ARGV[6], ARGV[8], ARGV[9])
        return {outcome, job or false, unpack(notes)}
        """)

    /// KEYS: job, history, active, lease, retry, failed, cancelled, processed counter, failed counter, metrics, awaiting
    /// ARGV: id, claim, now, error, kind (retryable|permanent|cancelled), retry_at, counter ttl ms, worker
    /// Returns retrying | failed | cancelled | duplicate | stale | missing.
    static let fail = script("fail", """
        local f = redis.call('HMGET', KEYS[1], 'state', 'claims', 'attempts', 'max_attempts', 'spec', 'claimed_at')
        if not f[1] then return 'missing' end
        local now = tonumber(ARGV[3])
        if f[1] ~= 'active' or f[2] ~= ARGV[2] then
          local outcome = 'stale'
          if f[2] == ARGV[2] then outcome = 'duplicate' end
          hist(KEYS[2], {at = now, event = 'ack_ignored', worker = ARGV[8], error = ARGV[4],
            note = outcome .. ' failure report for claim ' .. ARGV[2] .. ' while ' .. f[1] .. ' (claim ' .. tostring(f[2]) .. ')'})
          return outcome
        end
        redis.call('LREM', KEYS[3], 1, ARGV[1])
        redis.call('ZREM', KEYS[4], ARGV[1])
        unawait(KEYS[1], KEYS[11], ARGV[1])
        redis.call('HDEL', KEYS[1], 'lease_until')
        redis.call('HSET', KEYS[1], 'error', ARGV[4], 'updated_at', now)
        bump(KEYS[8], tonumber(ARGV[7]))
        local attempt = tonumber(f[3])
        if ARGV[5] == 'cancelled' then
          redis.call('HSET', KEYS[1], 'state', 'cancelled', 'finished_at', now)
          redis.call('HDEL', KEYS[1], 'cancel_requested')
          redis.call('ZADD', KEYS[7], now, ARGV[1])
          observe(KEYS[10], 'cancelled', f[6], now)
          hist(KEYS[2], {at = now, event = 'cancelled', attempt = attempt, worker = ARGV[8], error = ARGV[4]})
          return 'cancelled'
        end
        bump(KEYS[9], tonumber(ARGV[7]))
        local maxAttempts = tonumber(f[4])
        if not maxAttempts then
          local ok, spec = pcall(cjson.decode, f[5] or '')
          maxAttempts = ok and type(spec) == 'table' and tonumber(spec['max_attempts']) or 1
        end
        if ARGV[5] == 'retryable' and attempt < maxAttempts then
          redis.call('HSET', KEYS[1], 'state', 'retrying', 'run_at', ARGV[6])
          redis.call('ZADD', KEYS[5], ARGV[6], ARGV[1])
          observe(KEYS[10], 'retried', f[6], now)
          hist(KEYS[2], {at = now, event = 'retry_scheduled', attempt = attempt, worker = ARGV[8], error = ARGV[4]})
          return 'retrying'
        end
        redis.call('HSET', KEYS[1], 'state', 'failed', 'finished_at', now)
        redis.call('ZADD', KEYS[6], now, ARGV[1])
        observe(KEYS[10], 'failed', f[6], now)
        local note = 'attempts used up'
        if ARGV[5] == 'permanent' then note = 'not retryable' end
        hist(KEYS[2], {at = now, event = 'failed', attempt = attempt, worker = ARGV[8], error = ARGV[4], note = note})
        return 'failed'
        """)

    /// KEYS: job, history, active, lease, pending, marker, awaiting, scheduled
    /// ARGV: id, claim, now, note, run at (ms; 0 = now)
    /// Returns released | stale. Gives a job back unfinished (its worker is shutting down): it goes to
    /// the front of pending and the attempt does not count. With a run-at time it is scheduled then
    /// instead (snoozed: a model server asked for a long wait).
    static let release = script("release", """
        local f = redis.call('HMGET', KEYS[1], 'state', 'claims', 'attempts')
        if f[1] ~= 'active' or f[2] ~= ARGV[2] then return 'stale' end
        local now = tonumber(ARGV[3])
        redis.call('LREM', KEYS[3], 1, ARGV[1])
        redis.call('ZREM', KEYS[4], ARGV[1])
        unawait(KEYS[1], KEYS[7], ARGV[1])
        redis.call('HDEL', KEYS[1], 'lease_until')
        local attempts = math.max(0, (tonumber(f[3]) or 1) - 1)
        local runAt = tonumber(ARGV[5]) or 0
        if runAt > 0 then
          redis.call('HSET', KEYS[1], 'state', 'scheduled', 'attempts', attempts, 'run_at', runAt, 'updated_at', now)
          redis.call('ZADD', KEYS[8], runAt, ARGV[1])
          hist(KEYS[2], {at = now, event = 'snoozed', note = ARGV[4]})
          return 'released'
        end
        redis.call('HSET', KEYS[1], 'state', 'pending', 'attempts', attempts, 'enqueued_at', now, 'updated_at', now)
        redis.call('RPUSH', KEYS[5], ARGV[1])
        redis.call('ZADD', KEYS[6], 0, '1')
        hist(KEYS[2], {at = now, event = 'released', note = ARGV[4]})
        return 'released'
        """)

    /// KEYS: job
    /// ARGV: claim, then field, value pairs
    /// Returns 1 when written, 0 when the claim is no longer current (a late writer changes nothing).
    static let record = script("record", """
        if redis.call('HGET', KEYS[1], 'claims') ~= ARGV[1] then return 0 end
        redis.call('HSET', KEYS[1], unpack(ARGV, 2))
        return 1
        """)

    /// KEYS: job, output
    /// ARGV: claim, max entries, max bytes, then step, stream, text per event
    /// Returns {outcome, dropped bytes}: stored | full (the job's stored output reached max bytes; what
    /// did not fit was dropped, cut at a UTF-8 boundary, and the stream says so once) | stale (the claim
    /// is not current or the job is gone: nothing is written, so a late writer cannot bring back the
    /// stream of a deleted job). `system` events are the worker's own notes: always kept, never counted.
    static let appendOutput = script("append_output", """
        if redis.call('HGET', KEYS[1], 'claims') ~= ARGV[1] then return {'stale', 0} end
        local f = redis.call('HMGET', KEYS[1], 'output_stored', 'output_full')
        local used = tonumber(f[1]) or 0
        local max = tonumber(ARGV[3])
        local full = f[2] == '1'
        local dropped = 0
        local function add(step, stream, text)
          redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'step', step, 'stream', stream, 'text', text)
        end
        for i = 4, #ARGV, 3 do
          local text = ARGV[i + 2]
          if ARGV[i + 1] == 'system' then
            add(ARGV[i], 'system', text)
          elseif ARGV[i + 1] == 'agent' and (full or used + #text > max) then
            -- A typed event is kept whole or not at all: half of one is not one.
            dropped = dropped + #text
            if not full then
              add(ARGV[i], 'system', 'output past ' .. max .. ' bytes is not kept')
              redis.call('HSET', KEYS[1], 'output_full', '1')
              full = true
            end
          elseif not full and used + #text <= max then
            add(ARGV[i], ARGV[i + 1], text)
            used = used + #text
          else
            local room = full and 0 or math.max(0, max - used)
            while room > 0 do
              local b = string.byte(text, room + 1)
              if not b or b < 128 or b >= 192 then break end
              room = room - 1
            end
            if room > 0 then add(ARGV[i], ARGV[i + 1], string.sub(text, 1, room)) end
            used = used + room
            dropped = dropped + #text - room
            if not full then
              add(ARGV[i], 'system', 'output past ' .. max .. ' bytes is not kept')
              redis.call('HSET', KEYS[1], 'output_full', '1')
              full = true
            end
          end
        end
        redis.call('HSET', KEYS[1], 'output_stored', used)
        if dropped > 0 then redis.call('HINCRBY', KEYS[1], 'output_dropped', dropped) end
        if full then return {'full', dropped} end
        return {'stored', 0}
        """)

    /// KEYS: job, transcript, metrics
    /// ARGV: claim, max bytes, model, then 6 per entry: JSON, kind, input tokens, output tokens,
    ///       millionths of a dollar, milliseconds
    /// Returns {outcome, dropped bytes}, as append_output. Each `model_call` adds a turn, its tokens and
    /// dollars to the job's usage, and the same with its latency (histogram buckets `b<i>` of
    /// `ModelMetrics.bucketsMs`) to the queue's metrics under `model|<model>|`, even once the
    /// transcript is full: what was spent is counted.
    static let appendTranscript = script("append_transcript", """
        if redis.call('HGET', KEYS[1], 'claims') ~= ARGV[1] then return {'stale', 0} end
        local f = redis.call('HMGET', KEYS[1], 'transcript_stored', 'transcript_full')
        local used = tonumber(f[1]) or 0
        local max = tonumber(ARGV[2])
        local full = f[2] == '1'
        local dropped = 0
        local p = 'model|' .. ARGV[3] .. '|'
        local mb = {\(ModelMetrics.bucketsMs.map(String.init).joined(separator: ", "))}
        redis.call('HSET', KEYS[1], 'agent_model', ARGV[3])
        for i = 4, #ARGV, 6 do
          local json = ARGV[i]
          if ARGV[i + 1] == 'model_call' then
            local tin, tout, usd, ms = tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3]), tonumber(ARGV[i + 4]), tonumber(ARGV[i + 5])
            redis.call('HINCRBY', KEYS[1], 'agent_turns', 1)
            redis.call('HINCRBY', KEYS[1], 'tokens_in', tin)
            redis.call('HINCRBY', KEYS[1], 'tokens_out', tout)
            redis.call('HINCRBY', KEYS[1], 'model_usd_micros', usd)
            redis.call('HINCRBY', KEYS[3], p .. 'calls', 1)
            redis.call('HINCRBY', KEYS[3], p .. 'input_tokens', tin)
            redis.call('HINCRBY', KEYS[3], p .. 'output_tokens', tout)
            redis.call('HINCRBY', KEYS[3], p .. 'usd_micros', usd)
            redis.call('HINCRBY', KEYS[3], p .. 'sum_ms', ms)
            local b = #mb + 1
            for k, le in ipairs(mb) do if ms <= le then b = k break end end
            redis.call('HINCRBY', KEYS[3], p .. 'b' .. b, 1)
          end
          if not full and used + #json <= max then
            redis.call('RPUSH', KEYS[2], json)
            used = used + #json
          else
            dropped = dropped + #json
            if not full then
              redis.call('RPUSH', KEYS[2], cjson.encode({kind = 'note', text = 'transcript past ' .. max .. ' bytes is not kept'}))
              redis.call('HSET', KEYS[1], 'transcript_full', '1')
              full = true
            end
          end
        end
        redis.call('HSET', KEYS[1], 'transcript_stored', used)
        if full then return {'full', dropped} end
        return {'stored', 0}
        """)

    /// KEYS: job, history, awaiting
    /// ARGV: id, claim, now, request JSON, request id, note
    /// Returns asked | stale. Stores the call that waits for a person with its job, while the claim is current.
    static let askApproval = script("ask_approval", """
        local f = redis.call('HMGET', KEYS[1], 'state', 'claims')
        if f[1] ~= 'active' or f[2] ~= ARGV[2] then return 'stale' end
        redis.call('HSET', KEYS[1], 'approval', ARGV[4], 'approval_id', ARGV[5])
        redis.call('HDEL', KEYS[1], 'approval_decision')
        redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
        hist(KEYS[2], {at = tonumber(ARGV[3]), event = 'approval_asked', note = ARGV[6]})
        return 'asked'
        """)

    /// KEYS: job, history, active, lease, awaiting, parked
    /// ARGV: id, claim, now, request JSON, request id, note, wake at (ms), timeout decision JSON
    /// Returns parked | stale. Stores the waiting call with its job and gives the job up: no worker,
    /// no lease, not an attempt used; it wakes on a decision or at `wake at`.
    static let park = script("park", """
        local f = redis.call('HMGET', KEYS[1], 'state', 'claims', 'cancel_requested')
        if f[1] ~= 'active' or f[2] ~= ARGV[2] or f[3] then return 'stale' end
        probe(KEYS[2])
        local now = tonumber(ARGV[3])
        redis.call('LREM', KEYS[3], 1, ARGV[1])
        redis.call('ZREM', KEYS[4], ARGV[1])
        redis.call('HINCRBY', KEYS[1], 'attempts', -1)
        redis.call('HSET', KEYS[1], 'state', 'awaiting', 'approval', ARGV[4], 'approval_id', ARGV[5], 'approval_timeout', ARGV[8],
          'updated_at', now)
        redis.call('HDEL', KEYS[1], 'approval_decision', 'lease_until', 'worker')
        redis.call('ZADD', KEYS[5], now, ARGV[1])
        redis.call('ZADD', KEYS[6], tonumber(ARGV[7]), ARGV[1])
        hist(KEYS[2], {at = now, event = 'parked', note = ARGV[6]})
        return 'parked'
        """)

    /// KEYS: job
    /// ARGV: claim
    /// Returns {} | {request JSON, decision JSON}: a parked call's decision, taken off the job once,
    /// while the claim is current.
    static let takeDecision = script("take_decision", """
        local f = redis.call('HMGET', KEYS[1], 'state', 'claims', 'approval', 'approval_decision')
        if f[1] ~= 'active' or f[2] ~= ARGV[1] or not f[3] or not f[4] then return {} end
        redis.call('HDEL', KEYS[1], 'approval', 'approval_id', 'approval_decision', 'approval_timeout')
        return {f[3], f[4]}
        """)

    /// KEYS: job, history, awaiting, parked, pending, marker
    /// ARGV: id, request id ('' = whatever waits), verdict (approved | denied), by, reason, now, decision JSON
    /// Returns approved | denied | missing | nothing_waiting | already_decided | changed. The first
    /// decision on a call wins; its worker takes it on its next look, or, for a parked job, the job
    /// goes back to the front of pending and the next worker takes it.
    static let decideApproval = script("decide_approval", """
        local f = redis.call('HMGET', KEYS[1], 'state', 'approval_id', 'approval_decision')
        if not f[1] then return 'missing' end
        if (f[1] ~= 'active' and f[1] ~= 'awaiting') or not f[2] then return 'nothing_waiting' end
        if f[3] then return 'already_decided' end
        if ARGV[2] ~= '' and ARGV[2] ~= f[2] then return 'changed' end
        probe(KEYS[2])
        redis.call('HSET', KEYS[1], 'approval_decision', ARGV[7])
        redis.call('ZREM', KEYS[3], ARGV[1])
        if f[1] == 'awaiting' then wake(KEYS[1], ARGV[1], KEYS[4], KEYS[5], KEYS[6], tonumber(ARGV[6])) end
        local t = {at = tonumber(ARGV[6]), event = ARGV[3], by = ARGV[4]}
        if ARGV[5] ~= '' then t.note = ARGV[5] end
        hist(KEYS[2], t)
        return ARGV[3]
        """)

    /// KEYS: job, history, awaiting
    /// ARGV: id, claim, request id, now, timeout decision JSON ('' = keep waiting)
    /// Returns {waiting} | {decided, decision JSON} | {stale}. Takes a decision off the job; with a
    /// timeout decision and none made, the call stops waiting, denied by the clock, in the same step
    /// (so a person's decision and the timeout cannot both win).
    static let settleApproval = script("settle_approval", """
        local f = redis.call('HMGET', KEYS[1], 'state', 'claims', 'approval_id', 'approval_decision')
        if f[1] ~= 'active' or f[2] ~= ARGV[2] or f[3] ~= ARGV[3] then return {'stale'} end
        if f[4] then
          redis.call('HDEL', KEYS[1], 'approval', 'approval_id', 'approval_decision')
          return {'decided', f[4]}
        end
        if ARGV[5] == '' then return {'waiting'} end
        unawait(KEYS[1], KEYS[3], ARGV[1])
        hist(KEYS[2], {at = tonumber(ARGV[4]), event = 'denied', by = 'timeout', note = 'no decision in time'})
        return {'decided', ARGV[5]}
        """)

    /// KEYS: lease
    /// ARGV: lease_until, jobPrefix, worker, then id, claim pairs
    /// Returns one of ok | cancel | lost per pair.
    static let renew = script("renew", """
        local out = {}
        for i = 4, #ARGV, 2 do
          local id = ARGV[i]
          local f = redis.call('HMGET', ARGV[2] .. id, 'state', 'claims', 'cancel_requested')
          if f[1] ~= 'active' or f[2] ~= ARGV[i + 1] then
            table.insert(out, 'lost')
          else
            redis.call('ZADD', KEYS[1], 'XX', ARGV[1], id)
            redis.call('HSET', ARGV[2] .. id, 'lease_until', ARGV[1])
            if f[3] then table.insert(out, 'cancel') else table.insert(out, 'ok') end
          end
        end
        return out
        """)

    /// KEYS: lease, active, pending, failed, marker, metrics, awaiting
    /// ARGV: now, jobPrefix, max_orphans, limit
    /// Returns how many jobs whose lease ran out were taken back (to the front of pending, or to
    /// failed once a job has been orphaned max_orphans times: a job that keeps killing its worker).
    static let reap = script("reap", """
        local now = tonumber(ARGV[1])
        local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[4]))
        for _, id in ipairs(ids) do
          local jk = ARGV[2] .. id
          local f = redis.call('HMGET', jk, 'state', 'worker', 'attempts', 'claimed_at')
          probe(jk .. ':history')
          redis.call('ZREM', KEYS[1], id)
          redis.call('LREM', KEYS[2], 1, id)
          if f[1] == 'active' then
            unawait(jk, KEYS[7], id)
            local n = redis.call('HINCRBY', jk, 'orphaned', 1)
            local attempt = tonumber(f[3])
            redis.call('HDEL', jk, 'lease_until')
            if n >= tonumber(ARGV[3]) then
              local why = 'lease expired ' .. n .. ' times: its worker stopped renewing it (killed or stuck)'
              redis.call('HSET', jk, 'state', 'failed', 'error', why, 'finished_at', now, 'updated_at', now)
              redis.call('ZADD', KEYS[4], now, id)
              observe(KEYS[6], 'failed', f[4], now)
              hist(jk .. ':history', {at = now, event = 'failed', attempt = attempt, worker = f[2], error = why})
            else
              redis.call('HSET', jk, 'state', 'pending', 'enqueued_at', now, 'updated_at', now)
              redis.call('RPUSH', KEYS[3], id)
              hist(jk .. ':history', {at = now, event = 'orphaned', attempt = attempt, worker = f[2],
                note = 'lease expired; returned to pending'})
            end
          end
        end
        if #ids > 0 then redis.call('ZADD', KEYS[5], 0, '1') end
        return #ids
        """)

    /// KEYS: retry, scheduled, pending, marker, parked, awaiting
    /// ARGV: now, jobPrefix, limit
    /// Returns how many due jobs moved to pending: due retries and scheduled jobs, and parked jobs
    /// whose call no one decided in time (denied by the clock, they go on at the front).
    static let promote = script("promote", """
        local now = tonumber(ARGV[1])
        local n = 0
        for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[5], '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))) do
          local jk = ARGV[2] .. id
          probe(jk, jk .. ':history')
          local f = redis.call('HMGET', jk, 'state', 'approval_timeout')
          if f[1] == 'awaiting' then
            redis.call('HSET', jk, 'approval_decision', f[2] or '{"approved":false,"by":"timeout","at":0}')
            redis.call('ZREM', KEYS[6], id)
            wake(jk, id, KEYS[5], KEYS[3], KEYS[4], now)
            hist(jk .. ':history', {at = now, event = 'denied', by = 'timeout', note = 'no decision in time'})
            n = n + 1
          else
            redis.call('ZREM', KEYS[5], id)
          end
        end
        for k = 1, 2 do
          local ids = redis.call('ZRANGEBYSCORE', KEYS[k], '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))
          for _, id in ipairs(ids) do
            local jk = ARGV[2] .. id
            probe(jk, jk .. ':history')
            redis.call('ZREM', KEYS[k], id)
            if redis.call('EXISTS', jk) == 1 then
              redis.call('HSET', jk, 'state', 'pending', 'enqueued_at', now, 'updated_at', now)
              redis.call('LPUSH', KEYS[3], id)
              hist(jk .. ':history', {at = now, event = 'promoted'})
              n = n + 1
            end
          end
        end
        if n > 0 then redis.call('ZADD', KEYS[4], 0, '1') end
        return n
        """)

    /// KEYS: job, history, pending, marker, failed, cancelled, succeeded, retry, scheduled
    /// ARGV: id, now, note, step records JSON ('' = keep them)
    /// Returns requeued | missing | the state that cannot be requeued (pending, active).
    /// A requeued job gets a fresh set of attempts; its history keeps the old ones.
    static let requeue = script("requeue", """
        local state = redis.call('HGET', KEYS[1], 'state')
        if not state then return 'missing' end
        if state == 'pending' or state == 'active' or state == 'awaiting' then return state end
        local now = tonumber(ARGV[2])
        for k = 5, 9 do redis.call('ZREM', KEYS[k], ARGV[1]) end
        redis.call('HSET', KEYS[1], 'state', 'pending', 'attempts', 0, 'enqueued_at', now, 'updated_at', now)
        redis.call('HDEL', KEYS[1], 'finished_at', 'run_at', 'cancel_requested')
        -- Step records kept for --from-step, or none: a plain requeue runs every step again.
        if ARGV[4] and ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'steps', ARGV[4]) else redis.call('HDEL', KEYS[1], 'steps') end
        redis.call('LPUSH', KEYS[3], ARGV[1])
        redis.call('ZADD', KEYS[4], 0, '1')
        hist(KEYS[2], {at = now, event = 'requeued', note = 'from ' .. state .. ARGV[3]})
        return 'requeued'
        """)

    /// KEYS: job, history, pending, retry, scheduled, cancelled, parked, awaiting
    /// ARGV: id, now, channel, queue
    /// Returns cancelled | requested (active: its worker is told) | missing | finished:<state>.
    static let cancel = script("cancel", """
        local state = redis.call('HGET', KEYS[1], 'state')
        if not state then return 'missing' end
        local now = tonumber(ARGV[2])
        if state == 'active' then
          redis.call('HSET', KEYS[1], 'cancel_requested', now)
          hist(KEYS[2], {at = now, event = 'cancel_requested'})
          redis.call('PUBLISH', ARGV[3], 'cancel ' .. ARGV[4] .. ' ' .. ARGV[1])
          return 'requested'
        end
        if state ~= 'pending' and state ~= 'retrying' and state ~= 'scheduled' and state ~= 'awaiting' then return 'finished:' .. state end
        redis.call('LREM', KEYS[3], 0, ARGV[1])
        redis.call('ZREM', KEYS[4], ARGV[1])
        redis.call('ZREM', KEYS[5], ARGV[1])
        redis.call('ZREM', KEYS[7], ARGV[1])
        unawait(KEYS[1], KEYS[8], ARGV[1])
        redis.call('HSET', KEYS[1], 'state', 'cancelled', 'finished_at', now, 'updated_at', now)
        redis.call('ZADD', KEYS[6], now, ARGV[1])
        hist(KEYS[2], {at = now, event = 'cancelled', note = 'was ' .. state})
        return 'cancelled'
        """)

    /// KEYS: job, metrics
    /// ARGV: claim, artifact root, bytes held (-1: not kept this time), bytes this attempt uploaded
    static let recordArtifacts = script("record_artifacts", """
        if redis.call('HGET', KEYS[1], 'claims') ~= ARGV[1] then return 0 end
        redis.call('HSET', KEYS[1], 'artifacts', ARGV[2])
        local uploaded = tonumber(ARGV[4]) or 0
        if uploaded > 0 then redis.call('HINCRBY', KEYS[2], 'artifact_uploaded', uploaded) end
        local held = tonumber(ARGV[3]) or -1
        if held >= 0 then
          local before = tonumber(redis.call('HGET', KEYS[1], 'artifact_bytes')) or 0
          redis.call('HSET', KEYS[1], 'artifact_bytes', held)
          redis.call('HINCRBY', KEYS[2], 'artifact_stored', held - before)
        end
        return 1
        """)

    /// A job that goes hands its artifact root to the sweeper's list, and its bytes leave the metrics.
    private static let artifactsGone = """
        local function artifacts_gone(jk, gone, metrics)
          local f = redis.call('HMGET', jk, 'artifacts', 'artifact_bytes')
          if not f[1] then return end
          redis.call('LPUSH', gone, f[1])
          redis.call('HINCRBY', metrics, 'artifact_stored', -(tonumber(f[2]) or 0))
        end
        """

    /// KEYS: job, history, output, pending, retry, scheduled, failed, succeeded, cancelled, transcript, parked, awaiting, artifacts_gone, metrics
    /// ARGV: id
    /// Returns deleted | active (refused: cancel it first) | missing.
    static let delete = script("delete", artifactsGone + "\n" + """
        local state = redis.call('HGET', KEYS[1], 'state')
        if not state then return 'missing' end
        if state == 'active' then return 'active' end
        artifacts_gone(KEYS[1], KEYS[13], KEYS[14])
        redis.call('LREM', KEYS[4], 0, ARGV[1])
        for k = 5, 9 do redis.call('ZREM', KEYS[k], ARGV[1]) end
        redis.call('ZREM', KEYS[11], ARGV[1])
        redis.call('ZREM', KEYS[12], ARGV[1])
        redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[10])
        return 'deleted'
        """)

    /// KEYS: succeeded, failed, cancelled, artifacts_gone, metrics
    /// ARGV: now, jobPrefix, succeeded retention ms, failed retention ms, failed max count, limit
    /// Returns how many finished jobs were dropped (their hashes, histories, output and transcripts
    /// too; their artifact roots go to the sweeper's list).
    static let trim = script("trim", artifactsGone + "\n" + """
        local now = tonumber(ARGV[1])
        local limit = tonumber(ARGV[6])
        local n = 0
        local function drop(set, ids)
          for _, id in ipairs(ids) do
            local jk = ARGV[2] .. id
            probe(jk, jk .. ':history', jk .. ':output', jk .. ':transcript')
            artifacts_gone(jk, KEYS[4], KEYS[5])
            redis.call('ZREM', set, id)
            redis.call('DEL', jk, jk .. ':history', jk .. ':output', jk .. ':transcript')
            n = n + 1
          end
        end
        drop(KEYS[1], redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[3]), 'LIMIT', 0, limit))
        drop(KEYS[3], redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now - tonumber(ARGV[3]), 'LIMIT', 0, limit))
        drop(KEYS[2], redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[4]), 'LIMIT', 0, limit))
        local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[5])
        if over > 0 then drop(KEYS[2], redis.call('ZRANGE', KEYS[2], 0, math.min(over, limit) - 1)) end
        return n
        """)
}
