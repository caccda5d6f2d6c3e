import AgentCore
import Foundation
import Testing

@Suite struct JobSpecParserTests {
    let parser = JobSpecParser()

    func error(_ json: String) -> String? {
        do { _ = try parser.parse(Data(json.utf8)); return nil } catch { return error.description }
    }

    @Test func minimalJobGetsDefaults() throws {
        let spec = try parser.parse(Data(#"{"steps":[{"tool":"shell","input":{"command":"echo hello"}}]}"#.utf8))
        #expect(spec.queue == "default")
        #expect(spec.maxAttempts == 3)
        #expect(spec.steps == [StepSpec(tool: "shell", input: ["command": "echo hello"])])
    }

    @Test func everyFieldRoundTrips() throws {
        let json = #"""
        {"id":"job-1","queue":"q1","tenant":"acme","task":"t","sandbox":"local","residency":"local-only","timeout_s":30,
         "max_attempts":5,"env":{"A":"1"},"metadata":{"customer":"c42","n":3},"run_at":1700000000,
         "steps":[{"tool":"code","input":{"language":"python","source":"print(1)"},"timeout_s":2,"network":true,
                   "limits":{"memory_mb":64,"output_bytes":1000,"cpu_s":1,"processes":8}}]}
        """#
        let spec = try parser.parse(Data(json.utf8))
        let again = try parser.parse(spec.encoded())
        #expect(again == spec)
        #expect(spec.steps[0].limits?.memoryMB == 64)
        #expect(spec.metadata["n"] == .number(3))
        #expect(spec.sandbox == .local)
    }

    /// Residency is one of a fixed set: anything else is refused at the door, listing the values, so a
    /// mistyped "Local-Only" can never run as the default and send data out.
    @Test(arguments: ["Local-Only", "local_only", "LOCAL-ONLY", " local-only", "local", "eu-only", ""])
    func aResidencyNotInTheSetIsRefused(value: String) {
        let json = #"{"residency":"\#(value)","steps":[{"tool":"shell","input":{"command":"true"}}]}"#
        #expect(error(json) == "residency: expected one of any, local-only, got \"\(value)\"")
    }

    @Test func aStoredRecordWithAnUnknownResidencyFailsClosed() throws {
        let json = Data(#"{"residency":"eu-only","steps":[{"tool":"shell","input":{"command":"true"}}]}"#.utf8)
        #expect(try JobSpecParser.stored.parse(json).effectiveResidency == .localOnly)
        #expect(try JobSpecParser.stored.parse(Data(#"{"residency":"any","task":"t"}"#.utf8)).effectiveResidency == .any)
        #expect(try JobSpecParser.stored.parse(Data(#"{"task":"t"}"#.utf8)).effectiveResidency == .any)
        #expect(try parser.parse(Data(#"{"residency":"local-only","task":"t"}"#.utf8)).residency == .localOnly)
    }

    @Test func aCodeStepsLanguageIsCheckedAtTheDoor() {
        #expect(error(#"{"steps":[{"tool":"code","input":{"language":"Python","source":"print(1)"}}]}"#)
                == #"steps[0].input.language: expected one of bash, node, python, got "Python""#)
        #expect(error(#"{"steps":[{"tool":"code","input":{"language":"python","source":"print(1)"}}]}"#) == nil)
    }

    @Test func malformedJSONSaysWhere() {
        #expect(error(#"{"steps": [}"#)?.hasPrefix("not valid JSON") == true)
        #expect(error("") != nil)
    }

    @Test func wrongShapesNameTheField() {
        #expect(error("[1]") == "expected a JSON object, got an array")
        #expect(error(#"{"steps":"echo"}"#) == "steps: expected an array, got a string")
        #expect(error(#"{"steps":[]}"#) == #"steps: a job needs "steps" (a non-empty array) or a "task""#)
        #expect(error(#"{"steps":[{"tool":"shell","input":{"command":1}}]}"#) == "steps[0].input.command: expected a string, got a number")
        #expect(error(#"{"steps":[{"tool":"shell","input":{}}]}"#) == "steps[0].input.command: missing (the shell tool needs it)")
        #expect(error(#"{"steps":[{"input":{}}]}"#) == "steps[0].tool: missing")
        #expect(error(#"{"max_attempts":0,"task":"x"}"#) == "max_attempts: expected a positive number up to 100, got 0.0")
        #expect(error(#"{"max_attempts":"3","task":"x"}"#) == "max_attempts: expected a number, got a string")
        #expect(error(#"{"env":{"A":1},"task":"x"}"#) == "env.A: expected a string, got a number")
        #expect(error(#"{"sandbox":"cloud","task":"x"}"#) == #"sandbox: expected one of local, e2b, auto, got "cloud""#)
        #expect(error(#"{"queue":"a b","task":"x"}"#)?.hasPrefix("queue: expected 1-128 letters") == true)
        #expect(error(#"{"queue":"{x}","task":"x"}"#)?.hasPrefix("queue:") == true)
    }

    /// Numbers too big to become milliseconds or bytes are refused at the door (a run_at of 1e307
    /// once brought the API process down with an Int conversion trap; schemathesis found it).
    @Test func hugeNumbersAreRefusedNotTrapped() {
        #expect(error(#"{"task":"x","run_at":2.3e307}"#) == "run_at: expected unix time in seconds (0 to 253402300799), got 2.3e+307")
        #expect(error(#"{"task":"x","timeout_s":1e308}"#) == "timeout_s: expected a positive number up to 604800, got 1e+308")
        #expect(error(#"{"steps":[{"tool":"shell","input":{"command":"x"},"limits":{"cpu_s":1e30}}]}"#)
            == "steps[0].limits.cpu_s: expected a positive number up to 1099511627776, got 1e+30")
        #expect(error(#"{"task":"x","run_at":253402300799,"timeout_s":604800}"#) == nil)
    }

    @Test func unknownFieldsAndToolsAreRefused() {
        #expect(error(#"{"task":"x","colour":"red"}"#)?.hasPrefix("colour: unknown field") == true)
        #expect(error(#"{"steps":[{"tool":"browser","input":{}}]}"#)
            == #"steps[0].tool: unknown tool "browser" (known: browser_click, browser_navigate, browser_navigate_back, browser_press_key, browser_snapshot, browser_take_screenshot, browser_type, browser_wait_for, code, read_file, shell, write_file)"#)
    }

    @Test func oversizedJobIsRefused() {
        let big = String(repeating: "x", count: JobSpecParser.defaultMaxBytes)
        let e = error(#"{"steps":[{"tool":"shell","input":{"command":"\#(big)"}}]}"#)
        #expect(e?.contains("over the 1048576-byte limit") == true)
        #expect(throws: JobSpecError.self) { try JobSpecParser(maxBytes: 10).parse(Data(#"{"task":"a long task"}"#.utf8)) }
    }
}

@Suite struct JSONWriterTests {
    @Test func directSpecBytesMatchTheGenericWriter() throws {
        let json = #"""
        {"id":"j","queue":"q","tenant":"t","task":"x","sandbox":"e2b","residency":"local-only","timeout_s":1.5,"max_attempts":2,
         "model":"m","instructions":"Be \"brief\".","budget":{"turns":5,"dollars":0.5},
         "env":{"B":"2","A":"1"},"metadata":{"z":[1,true,null],"a":{"k":"v\n\"q\""}},"run_at":1700000000.25,
         "steps":[{"tool":"shell","input":{"command":"echo \u0001"},"timeout_s":3,"network":false,"limits":{"memory_mb":1}}]}
        """#
        let spec = try JobSpecParser().parse(Data(json.utf8))
        #expect(spec.jsonBytes() == JSONWriter.write(spec.jsonValue))
        #expect(try JobSpecParser().parse(spec.encoded()) == spec)
        #expect(String(decoding: JSONWriter.write(.string("a\u{1}\"/")), as: UTF8.self) == #""a\u0001\"/""#)
    }
}

@Suite struct JobFilterTests {
    let acme = #"{"tenant":"acme","steps":[{"tool":"shell","input":{"command":"x"}}],"metadata":{"customer":"c42"}}"#
    let globex = #"{"tenant":"globex","steps":[{"tool":"code","input":{"language":"python","source":"x"}}]}"#

    @Test func tenantWordsPickATenantAndTheRestIsText() {
        let f = JobFilter(query: "tenant:acme customer=c4", regex: true)
        #expect(f.tenant == "acme" && f.text == "customer=c4")
        #expect(f.matches(error: nil, specJSON: acme))
        #expect(!f.matches(error: nil, specJSON: globex))
        let onlyTenant = JobFilter(query: "tenant:globex")
        #expect(onlyTenant.text == nil)
        #expect(onlyTenant.matches(error: "anything", specJSON: globex) && !onlyTenant.matches(error: nil, specJSON: acme))
        // "tenant:" alone is text, and text still finds a tenant by name.
        #expect(JobFilter(query: "tenant:").tenant == nil)
        #expect(JobFilter(query: "glob").matches(error: nil, specJSON: globex))
    }

    /// With several errors a spec gets the first in the old reading order: the queue before the steps.
    @Test func theFirstErrorIsTheSameAsEver() {
        func error(_ json: String) -> String? {
            do { _ = try JobSpecParser().parse(Data(json.utf8)); return nil } catch { return error.path }
        }
        #expect(error(#"{"queue":"a b","steps":[{"tool":"nope"}]}"#) == "queue")
        #expect(error(#"{"task":"t","sandbox":"x","residency":1}"#) == "residency")
        #expect(error(#"{"steps":[{"tool":"shell"}],"timeout_s":0}"#) == "timeout_s")
    }
}
