import Foundation

extension WireModel {
    /// A job's files as the API and `jobs files --json` give them: `kept` false when it has none yet.
    public static func files(_ manifest: WorkspaceManifest?, id: String) -> JSONValue {
        var body: [String: JSONValue] = ["id": .string(id), "kept": .bool(manifest != nil)]
        body["files"] = .array((manifest?.files ?? []).map { f in
            .object(["path": .string(f.path), "size": .number(Double(f.size)), "sha256": .string(f.sha256),
                     "modified": timestamp(Date(timeIntervalSince1970: f.modified)).map(JSONValue.string) ?? .null])
        })
        body["bytes"] = .number(Double(manifest?.bytes ?? 0))
        body["omitted"] = .array((manifest?.omitted ?? []).map(JSONValue.string))
        body["omitted_why"] = manifest?.omittedWhy.map(JSONValue.string) ?? .null
        return .object(body)
    }
}
