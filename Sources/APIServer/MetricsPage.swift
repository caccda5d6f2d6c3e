import AgentCore

extension APIServer {
    /// GET /metrics: every queue's depth by state, oldest pending age, attempts by outcome and their
    /// durations (all kept in Redis, so every replica reports the same), live workers, and this
    /// replica's own request counts and latencies.
    func metricsPage() async throws -> String {
        var out = PrometheusText()
        var stats: [QueueStats] = []
        var totals: [(String, QueueMetrics)] = []
        for name in try await queue.queues() {
            stats.append(try await queue.stats(queue: name))
            totals.append((name, try await queue.metrics(queue: name)))
        }
        out.family("swissagent_queue_jobs", "gauge", "Jobs in a queue, by state.")
        for s in stats {
            let states: [(String, Int)] = [("pending", s.pending), ("active", s.active), ("scheduled", s.scheduled), ("retrying", s.retrying),
                                           ("failed", s.failed), ("succeeded", s.succeeded), ("cancelled", s.cancelled)]
            for (state, n) in states { out.sample("swissagent_queue_jobs", [("queue", s.queue), ("state", state)], Double(n)) }
        }
        out.family("swissagent_queue_paused", "gauge", "1 while the queue is paused.")
        for s in stats { out.sample("swissagent_queue_paused", [("queue", s.queue)], s.paused ? 1 : 0) }
        out.family("swissagent_queue_oldest_pending_seconds", "gauge", "Age of the oldest pending job (0 when none).")
        for s in stats { out.sample("swissagent_queue_oldest_pending_seconds", [("queue", s.queue)], s.oldestPendingAge ?? 0) }
        out.family("swissagent_jobs_processed_total", "counter",
                   "Finished attempts, by outcome: succeeded, failed (for good), retried (failed, to run again), cancelled.")
        for (name, m) in totals {
            for (outcome, n) in [("succeeded", m.succeeded), ("failed", m.failed), ("retried", m.retried), ("cancelled", m.cancelled)] {
                out.sample("swissagent_jobs_processed_total", [("queue", name), ("outcome", outcome)], Double(n))
            }
        }
        out.family("swissagent_job_duration_seconds", "histogram", "Time from claim to outcome of each attempt.")
        for (name, m) in totals {
            out.histogram("swissagent_job_duration_seconds", [("queue", name)], bounds: QueueMetrics.bucketsMs.map { Double($0) / 1000 },
                          counts: m.buckets, sum: Double(m.sumMs) / 1000)
        }
        let models = totals.flatMap { name, m in m.models.sorted { $0.key < $1.key }.map { (name, $0.key, $0.value) } }
        out.family("swissagent_model_tokens_total", "counter", "Tokens agent jobs sent to (input) and got from (output) a model endpoint.")
        for (queue, model, m) in models {
            out.sample("swissagent_model_tokens_total", [("queue", queue), ("model", model), ("direction", "input")], Double(m.inputTokens))
            out.sample("swissagent_model_tokens_total", [("queue", queue), ("model", model), ("direction", "output")], Double(m.outputTokens))
        }
        out.family("swissagent_model_dollars_total", "counter", "What agent jobs' model calls cost, at the endpoint's configured prices.")
        for (queue, model, m) in models { out.sample("swissagent_model_dollars_total", [("queue", queue), ("model", model)], m.dollars) }
        out.family("swissagent_model_call_duration_seconds", "histogram", "Time of each model call an agent made, retries included.")
        for (queue, model, m) in models {
            out.histogram("swissagent_model_call_duration_seconds", [("queue", queue), ("model", model)],
                          bounds: ModelMetrics.bucketsMs.map { Double($0) / 1000 }, counts: m.buckets, sum: Double(m.sumMs) / 1000)
        }
        out.family("swissagent_artifact_stored_bytes", "gauge", "Bytes jobs that kept their files hold in the artifact store (files and checkpoints).")
        for (name, m) in totals { out.sample("swissagent_artifact_stored_bytes", [("queue", name)], Double(m.artifactStored)) }
        out.family("swissagent_artifact_uploaded_bytes_total", "counter", "Bytes of workspace checkpoints and files uploaded to the artifact store.")
        for (name, m) in totals { out.sample("swissagent_artifact_uploaded_bytes_total", [("queue", name)], Double(m.artifactUploaded)) }
        out.family("swissagent_workers", "gauge", "Workers whose heartbeat is current.")
        out.sample("swissagent_workers", [], Double(try await queue.workers().count))
        requestMetrics.write(to: &out)
        return out.text
    }
}
