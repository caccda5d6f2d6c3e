import AgentCore
import APIServer
import Artifacts
import Foundation
import Testing
import TestServers

/// A job's files over the API: listed and downloaded by its tenant, "not found" for anyone else,
/// served as attachments that a browser will not run, and deleted with the job.
@Suite struct APIFileRouteTests {
    /// A finished job of `acme` whose workspace was kept: src/main.py and report.html.
    func finishedJobWithFiles(_ api: InProcessAPI, store: any ArtifactStore) async throws -> (id: String, stored: String) {
        let id = try await api.submit(#"{"id": "build-1", "steps": [{"tool": "shell", "input": {"command": "true"}}]}"#)
        let stored = "acme:" + id
        let claimed = try #require(try await api.queue.claim(id: stored, worker: "w", lease: 30))
        _ = try await api.queue.complete(claimed.token, result: "ok", next: nil)
        let keys = ArtifactKeys(tenant: "acme", job: stored)
        var files: [WorkspaceManifest.File] = []
        // big.log is streamed in several pieces.
        let big = String(repeating: "0123456789abcdef\n", count: 150_000)
        for (path, text) in [("src/main.py", "print('hi')\n"), ("report.html", "<script>alert(1)</script>"), ("big.log", big)] {
            let digest = try #require(try await sha256(text))
            try await store.put(keys.blob(digest), Data(text.utf8))
            files.append(WorkspaceManifest.File(path: path, size: text.utf8.count, mode: 0o644, sha256: digest, modified: 1_700_000_000))
        }
        try await store.put(keys.files, WorkspaceManifest(turn: 1, at: 1_700_000_000, files: files, omitted: ["huge.bin"],
                                                          omittedWhy: "over the 1.0 MB cap").encoded())
        return (id, stored)
    }

    /// The digest as the worker would store it (`sha256sum`, a program apart from the code under test),
    /// run on a thread of its own: the tests' few cooperative threads never wait on a process.
    func sha256(_ text: String) async throws -> String? {
        try await TestProcess.run(["/usr/bin/sha256sum"], stdin: Data(text.utf8)).text.split(separator: " ").first.map(String.init)
    }

    @Test func aTenantListsAndDownloadsItsJobsFiles() async throws {
        let store = try FileArtifactStore(root: NSTemporaryDirectory() + "api-files-" + UUID().uuidString)
        let api = try await InProcessAPI { $0.files = JobFiles(store: store) }
        let (id, _) = try await finishedJobWithFiles(api, store: store)
        let list = try await api.call("GET", "/v1/jobs/\(id)/files")
        #expect(list.status == 200)
        #expect(list.json["id"] == .string(id))
        #expect(list.json["kept"] == true)
        #expect(list.json["files"]?.arrayValue?.compactMap { $0["path"]?.stringValue } == ["src/main.py", "report.html", "big.log"])
        let streamed = try await api.call("GET", "/v1/jobs/\(id)/files/big.log")
        #expect(streamed.status == 200 && streamed.text == String(repeating: "0123456789abcdef\n", count: 150_000))
        #expect(streamed.headers["content-length"] == "2550000")
        #expect(list.json["omitted"] == ["huge.bin"])
        let file = try await api.call("GET", "/v1/jobs/\(id)/files/src/main.py")
        #expect(file.status == 200)
        #expect(file.text == "print('hi')\n")
        #expect(file.headers["content-type"] == "text/plain; charset=utf-8")
        #expect(file.headers["content-disposition"] == "attachment; filename=\"main.py\"")
        // A page the job wrote is never run as the API's own.
        let page = try await api.call("GET", "/v1/jobs/\(id)/files/report.html")
        #expect(page.headers["content-security-policy"] == "sandbox")
        #expect(page.headers["x-content-type-options"] == "nosniff")
        #expect(try await api.call("GET", "/v1/jobs/\(id)/files/nope.txt").status == 404)
    }

    @Test func anotherTenantFindsNothingAndPathsCannotClimbOut() async throws {
        let store = try FileArtifactStore(root: NSTemporaryDirectory() + "api-files-" + UUID().uuidString)
        let api = try await InProcessAPI { $0.files = JobFiles(store: store) }
        let (id, stored) = try await finishedJobWithFiles(api, store: store)
        for path in ["/v1/jobs/\(id)/files", "/v1/jobs/\(id)/files/src/main.py", "/v1/jobs/\(stored)/files/src/main.py"] {
            #expect(try await api.call("GET", path, token: "tok-globex").status == 404, "\(path)")
        }
        for climb in ["..%2F..%2Fetc%2Fpasswd", "src/..%2F..%2Fblobs", "%2Fetc%2Fpasswd", "src/%2E%2E/%2E%2E/x"] {
            let r = try await api.call("GET", "/v1/jobs/\(id)/files/\(climb)")
            #expect(r.status == 404, "\(climb): \(r.status) \(r.text)")
        }
    }

    @Test func aJobNotEndedHasNoFilesYetAndDeleteTakesThemAway() async throws {
        let store = try FileArtifactStore(root: NSTemporaryDirectory() + "api-files-" + UUID().uuidString)
        let api = try await InProcessAPI { $0.files = JobFiles(store: store) }
        let pending = try await api.submit(#"{"steps": [{"tool": "shell", "input": {"command": "true"}}]}"#)
        let none = try await api.call("GET", "/v1/jobs/\(pending)/files")
        #expect(none.status == 200 && none.json["kept"] == false && none.json["files"] == [])
        let (id, _) = try await finishedJobWithFiles(api, store: store)
        #expect(try await store.list(prefix: "acme/").count == 4)
        #expect(try await api.call("DELETE", "/v1/jobs/\(id)").status == 204)
        #expect(try await store.list(prefix: "acme/").isEmpty)
    }
}
