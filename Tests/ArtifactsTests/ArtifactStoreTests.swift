import AgentCore
import Artifacts
import Foundation
import Testing
import TestServers

/// What every store must do, against the directory store and a real S3 protocol server (moto, with
/// SigV4 checked): whole objects, listing, deleting, bounds, and clear errors.
@Suite("Artifact stores", .serialized)
struct ArtifactStoreTests {
    static func contract(_ store: any ArtifactStore) async throws {
        let data = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try await store.put("t/job:1/blobs/a", data)
        try await store.put("t/job:1/blobs/b", Data("hello".utf8))
        try await store.put("t/job:10/files.json", Data("{}".utf8))
        #expect(try await store.get("t/job:1/blobs/a", maxBytes: 1 << 20) == data)
        #expect(try await store.get("t/job:1/blobs/missing", maxBytes: 100) == nil)
        // Read a piece at a time, as a download streams it.
        var pieces = Data()
        while pieces.count < data.count {
            let piece = try #require(try await store.read("t/job:1/blobs/a", from: pieces.count, count: 128_000))
            #expect(!piece.isEmpty && piece.count <= 128_000)
            pieces.append(piece)
        }
        #expect(pieces == data)
        #expect(try await store.read("t/job:1/blobs/a", from: data.count, count: 10)?.isEmpty == true)
        #expect(try await store.read("t/job:1/blobs/missing", from: 0, count: 10) == nil)
        await #expect(throws: ArtifactStoreError.self) { _ = try await store.get("t/job:1/blobs/a", maxBytes: 1000) }
        // A prefix is a prefix of keys, not of folders: job:1 is not job:10.
        #expect(try await store.list(prefix: "t/job:1/").map(\.key) == ["t/job:1/blobs/a", "t/job:1/blobs/b"])
        #expect(try await store.list(prefix: "t/job:1/blobs/").map(\.size) == [300_000, 5])
        try await store.delete(["t/job:1/blobs/a", "t/job:1/blobs/b", "t/job:1/blobs/never-there"])
        #expect(try await store.list(prefix: "t/job:1/").isEmpty)
        #expect(try await store.list(prefix: "t/").map(\.key) == ["t/job:10/files.json"])
        try await store.delete(["t/job:10/files.json"])
    }

    @Test func theDirectoryStoreKeepsWholeObjects() async throws {
        let store = try Stores.directory()
        try await Self.contract(store)
        // Nothing half-written is left beside the objects, and no key climbs out of the root.
        await #expect(throws: ArtifactStoreError.self) { try await store.put("../outside", Data()) }
        await #expect(throws: ArtifactStoreError.self) { _ = try await store.get("t/../../etc/passwd", maxBytes: 1 << 20) }
    }

    @Test func anS3StoreSpeaksTheProtocolWithSignatures() async throws {
        let moto = try await MotoS3Server.start()
        try await Self.contract(Stores.s3(moto))
    }

    @Test func aWrongSecretIsRefusedAndNeverQuoted() async throws {
        let moto = try await MotoS3Server.start()
        let wrong = "wrong-secret-" + UUID().uuidString
        let error = await #expect(throws: ArtifactStoreError.self) { try await Stores.s3(moto, secret: wrong).put("t/j/x", Data("x".utf8)) }
        let said = error?.description ?? ""
        #expect(said.contains("403"))
        #expect(said.contains("AWS_SECRET_ACCESS_KEY"))
        #expect(!said.contains(wrong))
    }

    @Test func aStoreThatIsDownSaysSoAndMayBeRetried() async throws {
        let moto = try await MotoS3Server.start()
        let store = Stores.s3(moto)
        moto.stop()
        let error = await #expect(throws: ArtifactStoreError.self) { try await store.put("t/j/x", Data("x".utf8)) }
        #expect(error?.retryable == true)
        #expect(error?.description.contains("s3://artifacts/") == true)
    }

    @Test func settingsNameTheStoreAndRefuseWhatIsIncomplete() throws {
        #expect(throws: ArtifactStoreError.self) { try ArtifactStoreConfig.make("s3://bucket/p", environment: [:]) }
        #expect(throws: ArtifactStoreError.self) { try ArtifactStoreConfig.make("ftp://x", environment: [:]) }
        #expect(throws: ArtifactStoreError.self) { try ArtifactStoreConfig.make("file://relative", environment: [:]) }
        let s3 = try ArtifactStoreConfig.make(nil, environment: ["SWISSAGENT_ARTIFACTS": "s3://bkt/some/prefix/", "AWS_ACCESS_KEY_ID": "AK",
                                                                 "AWS_SECRET_ACCESS_KEY": "secret-key-value", "AWS_ENDPOINT_URL_S3": "http://minio:9000"])
        #expect(s3.label == "s3://bkt/some/prefix/ at http://minio:9000")
        #expect(!s3.label.contains("secret-key-value"))
        let aws = try #require(try ArtifactStoreConfig.make("s3://bkt", environment: ["AWS_ACCESS_KEY_ID": "AK", "AWS_SECRET_ACCESS_KEY": "sk12",
                                                                                   "AWS_REGION": "eu-west-1"]) as? S3ArtifactStore)
        #expect(aws.config.endpoint == "https://s3.eu-west-1.amazonaws.com")
        #expect(!aws.config.pathStyle)
        #expect(Secrets.redact("said sk12") == "said \(Secrets.mask)")
    }
}
