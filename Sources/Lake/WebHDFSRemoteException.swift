import Foundation

/// A failure as HDFS reports it: `{"RemoteException": {"exception": ..., "javaClassName": ..., "message": ...}}`.
struct WebHDFSRemoteException: Sendable {
    /// The short class name (`FileNotFoundException`).
    var exception: String
    var javaClassName: String
    var message: String

    /// What kind of failure this is, for retrying and for `LakeError.Code`.
    enum Kind: Equatable {
        case notFound
        case permissionDenied
        case quotaExceeded
        /// Safe mode (directly, or wrapped in a RetriableException): transient.
        case safeMode
        /// This namenode is not the active one: try the next.
        case standby
        /// The server says retrying may help (RetriableException, 5xx without a known cause).
        case retriable
        /// An operation or parameter the server does not know.
        case unsupported
        case alreadyExists
        /// Anything else, not worth retrying.
        case other
    }

    /// Parses an error body; nil when it is not a RemoteException.
    static func parse(_ body: [UInt8]) -> WebHDFSRemoteException? {
        guard !body.isEmpty,
              let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
              let remote = object["RemoteException"] as? [String: Any] else { return nil }
        let javaClassName = remote["javaClassName"] as? String ?? ""
        let exception = remote["exception"] as? String
            ?? javaClassName.split(separator: ".").last.map(String.init) ?? "RemoteException"
        return WebHDFSRemoteException(exception: exception, javaClassName: javaClassName,
                                      message: remote["message"] as? String ?? "")
    }

    /// Classifies by exception name (HDFS answers most failures with 403 whatever the
    /// cause, so the status alone says little); `status` decides for unknown ones.
    func kind(status: Int) -> Kind {
        switch exception {
        case "FileNotFoundException":
            return .notFound
        case "AccessControlException", "SecurityException", "AuthorizationException", "AuthenticationException",
             "InvalidToken", "SecretManager$InvalidToken":
            return .permissionDenied
        case "NSQuotaExceededException", "DSQuotaExceededException", "QuotaExceededException",
             "QuotaByStorageTypeExceededException":
            return .quotaExceeded
        case "SafeModeException":
            return .safeMode
        case "StandbyException", "ObserverRetryOnActiveException":
            return .standby
        case "RetriableException", "RetryStartFileException":
            return message.localizedCaseInsensitiveContains("safe mode") ? .safeMode : .retriable
        case "FileAlreadyExistsException":
            return .alreadyExists
        case "UnsupportedOperationException":
            return .unsupported
        case "IllegalArgumentException":
            return message.contains("Invalid value for webhdfs parameter") || message.contains("No enum constant")
                ? .unsupported : .other
        default:
            if message.localizedCaseInsensitiveContains("safe mode") { return .safeMode }
            if message.contains("StandbyException") || message.contains("is not supported in state standby") {
                return .standby
            }
            return status >= 500 ? .retriable : .other
        }
    }

    /// `exception: message`, the first line only.
    var summary: String {
        let firstLine = message.split(separator: "\n").first.map(String.init) ?? ""
        return firstLine.isEmpty ? exception : "\(exception): \(firstLine)"
    }
}
