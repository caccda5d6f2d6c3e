import AgentCore
import Operations
import Testing

/// One wording and one status per outcome, for the CLI, the API and the console alike.
@Suite struct ActionOutcomeTests {
    @Test func everyOutcomeHasItsMessageAndStatus() {
        #expect(RequeueOutcome.requeued.outcome("j1") == ActionOutcome(kind: .done, message: "requeued j1", code: "requeued"))
        #expect(RequeueOutcome.notRequeueable(.active).outcome("j1").message == "j1 is active, not requeued")
        #expect(RequeueOutcome.notRequeueable(.active).outcome("j1").status == 409)
        #expect(CancelOutcome.requested.outcome("j2").status == 202)
        #expect(CancelOutcome.requested.outcome("j2").done)
        #expect(CancelOutcome.alreadyFinished(.succeeded).outcome("j2").message == "j2 is already succeeded")
        #expect(DeleteOutcome.active.outcome("j3") == ActionOutcome(kind: .conflict, message: "j3 is running: cancel it first", code: "job_active"))
        for o in [RequeueOutcome.notFound.outcome("x"), CancelOutcome.notFound.outcome("x"), DeleteOutcome.notFound.outcome("x")] {
            #expect(o == .notFound("x") && o.status == 404 && o.message == "no job with id x")
        }
    }

    @Test func aBatchIsOneLine() {
        let outcomes = [RequeueOutcome.requeued.outcome("a"), RequeueOutcome.requeued.outcome("b"), RequeueOutcome.notFound.outcome("c")]
        #expect(BatchSummary.line("requeued", outcomes) == "requeued 2 jobs; not: no job with id c")
        #expect(BatchSummary.line("deleted", [DeleteOutcome.deleted.outcome("a")]) == "deleted 1 job")
    }
}
