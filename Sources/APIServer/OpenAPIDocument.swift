/// The OpenAPI 3 document of the API, served at /openapi.json. Its one source is
/// Sources/APIServer/openapi.json (docs/openapi.json links to it), compiled into the binary so a
/// static build needs no resource bundle beside it.
public enum OpenAPIDocument {
    public static let bytes: [UInt8] = PackageResources.openapi_json
    public static var json: String { String(decoding: bytes, as: UTF8.self) }
}
