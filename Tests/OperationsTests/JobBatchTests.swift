import AgentCore
import Foundation
import Operations
import Testing

/// One reading of a submission for the CLI and the console: a job or an array, refused whole with the place.
@Suite struct JobBatchTests {
    func parse(_ text: String, queue: String? = nil) -> Result<[JobSpec], JobBatch.Invalid> {
        Result { () throws(JobBatch.Invalid) -> [JobSpec] in try JobBatch.parse(Data(text.utf8), defaultQueue: queue) }
    }
    let job = #"{"steps":[{"tool":"shell","input":{"command":"true"}}]}"#

    @Test func aJobOrAnArrayOfThem() throws {
        #expect(try parse(job).get().count == 1)
        let two = try parse("[\(job),{\"queue\":\"q2\",\"task\":\"x\"}]", queue: "q1").get()
        #expect(two.map(\.queue) == ["q1", "q2"])
    }

    @Test func badInputIsRefusedWithItsPlace() {
        #expect(parse("[\(job),{\"steps\":5}]") == .failure(.init(description: "invalid job [1]: steps: expected an array, got a number")))
        #expect(parse("[]") == .failure(.init(description: "invalid job: the array holds no jobs")))
        let many = "[" + Array(repeating: job, count: JobBatch.maxJobs + 1).joined(separator: ",") + "]"
        #expect(parse(many) == .failure(.init(description: "invalid job: 10001 jobs, over the 10000-job limit")))
        let huge = #"{"task":""# + String(repeating: "x", count: 2 << 20) + #""}"#
        if case .failure(let e) = parse(huge) { #expect(e.description.contains("over")) } else { Issue.record("a 2 MiB job was taken") }
    }

    /// A copy runs now; an edited copy keeps the run_at its editor gave it.
    @Test func aCopyRunsNowAndAnEditedOneWhenItSays() throws {
        let text = #"{"run_at":4102444800,"tenant":"acme","steps":[{"tool":"shell","input":{"command":"true"}}],"id":"old"}"#
        let copy = try JobCopy.spec(text, of: "old")
        #expect(copy.runAt == nil && copy.id == nil && copy.tenant == "acme" && copy.metadata["copied_from"] == "old")
        let edited = try JobCopy.spec(text, of: "old", origin: .edited, queue: "other")
        #expect(edited.runAt == 4_102_444_800 && edited.queue == "other" && edited.metadata["edited_from"] == "old")
    }
}
