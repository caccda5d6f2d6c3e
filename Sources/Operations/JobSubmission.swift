import AgentCore

/// Submitting jobs, the same from every surface: the caller's tenant and queue rules applied, a
/// chosen id taken in its tenant's namespace, and each job stored atomically (a chosen id that is
/// taken leaves the existing job as it is, and the entry says so).
public enum JobSubmission {
    /// Why nothing was submitted: `outcome` says it for each surface (the API's 400).
    public struct Refused: Error, CustomStringConvertible {
        public let outcome: ActionOutcome
        public var description: String { outcome.message }
    }

    /// Stores `specs` (already parsed) as `scope` may submit them; refused whole if one breaks a rule.
    /// The ids come back as the caller knows them.
    public static func submit(_ specs: [JobSpec], as scope: TenantScope, to queue: any QueueReader & QueueOperator) async throws -> [Enqueued] {
        let ready = try prepare(specs, as: scope)
        // A chosen id names one job in every queue: one stored in another queue is taken too. (In the
        // job's own queue the store checks atomically; this look covers the others.)
        var taken: Set<Int> = []
        for (i, spec) in ready.enumerated() {
            if let id = spec.id, try await queue.job(id: id) != nil { taken.insert(i) }
        }
        let stored = try await queue.enqueue(each: ready.indices.filter { !taken.contains($0) }.map { ready[$0] })
        var results = stored.makeIterator()
        return ready.indices.map { i in
            let entry = taken.contains(i) ? Enqueued(id: ready[i].id ?? "", created: false) : results.next() ?? Enqueued(id: "", created: false)
            return Enqueued(id: scope.external(entry.id), created: entry.created)
        }
    }

    /// The specs as `scope` may submit them (its tenant, its queues, ids in its namespace); refused
    /// whole if one breaks a rule.
    static func prepare(_ specs: [JobSpec], as scope: TenantScope) throws(Refused) -> [JobSpec] {
        var ready: [JobSpec] = []
        for var spec in specs {
            // A tenant's jobs are its own whatever the body says; an admin may submit for any tenant.
            if !scope.admin || spec.tenant == nil { spec.tenant = scope.tenant ?? spec.tenant }
            guard scope.mayUse(queue: spec.queue) else { throw refused("queue_not_allowed", scope.refusal(queue: spec.queue)) }
            if let chosen = spec.id {
                let stored = scope.stored(chosen)
                guard JobSpecParser.isValidName(stored) else {
                    throw refused("invalid_job", "id: \(JobSpecParser.nameRule)" + (scope.admin ? "" : " (with the tenant's prefix)"))
                }
                spec.id = stored
            }
            ready.append(spec)
        }
        return ready
    }

    static func refused(_ code: String, _ message: String) -> Refused {
        Refused(outcome: ActionOutcome(kind: .invalid, message: message, code: code))
    }
}
