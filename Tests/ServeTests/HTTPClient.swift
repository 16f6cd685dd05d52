import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A parsed HTTP/1.1 response.
struct HTTPReply {
    let status: Int
    let headers: [String: String] // lower-cased names
    let body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }

    /// The body as a JSON object; a failed expectation (and an empty object) when it is not one.
    var json: [String: Any] {
        let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
        #expect(object != nil, "not a JSON object: \(text)")
        return object ?? [:]
    }
}

/// Why a connection or an exchange failed.
struct HTTPClientError: Error, CustomStringConvertible {
    let description: String
}

/// A tiny blocking HTTP/1.1 client over one TCP connection to 127.0.0.1: it writes exactly the
/// bytes it is given (so a test can send invalid UTF-8, a wrong method or half a request) and
/// reads one response (Content-Length or chunked). Several requests can share the connection.
final class HTTPConnection {
    private let fd: Int32
    private var pending: [UInt8] = []

    /// Connects, failing with `HTTPClientError` when nothing listens on `port`.
    init(port: Int, timeout: Double = 10) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HTTPClientError(description: "socket: \(String(cString: strerror(errno)))") }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw HTTPClientError(description: "connect to port \(port): \(reason)")
        }
    }

    deinit { close(fd) }

    /// Writes all of `bytes`.
    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress!, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw HTTPClientError(description: "send: \(String(cString: strerror(errno)))") }
            offset += n
        }
    }

    /// A request's bytes: `method path`, Host, the extra headers, Content-Length when there is a body.
    static func request(_ method: String, _ path: String, body: [UInt8]? = nil, headers: [String: String] = [:]) -> [UInt8] {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { head += "\(name): \(value)\r\n" }
        if let body { head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        return Array((head + "\r\n").utf8) + (body ?? [])
    }

    /// Sends one request and reads its response.
    func exchange(_ method: String, _ path: String, body: [UInt8]? = nil, headers: [String: String] = [:]) throws -> HTTPReply {
        try send(Self.request(method, path, body: body, headers: headers))
        return try readReply()
    }

    /// Reads more bytes; false at end of stream.
    private func fill() throws -> Bool {
        var block = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = block.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw HTTPClientError(description: "recv: \(String(cString: strerror(errno)))") }
            pending.append(contentsOf: block[0..<n])
            return n > 0
        }
    }

    /// Whether the server closed the connection (end of stream or reset) before `timeout` seconds.
    func closedByPeer() -> Bool {
        do {
            while try fill() {}
            return true
        } catch {
            return (error as? HTTPClientError)?.description.contains("reset") ?? false
        }
    }

    private func take(_ count: Int) throws -> [UInt8] {
        while pending.count < count {
            guard try fill() else { throw HTTPClientError(description: "connection closed mid-body") }
        }
        defer { pending.removeFirst(count) }
        return Array(pending[0..<count])
    }

    private func line() throws -> String {
        while true {
            if let i = pending.firstIndex(of: 0x0A) {
                let bytes = pending[..<i]
                pending.removeFirst(i + 1)
                return String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .init(charactersIn: "\r"))
            }
            guard try fill() else { throw HTTPClientError(description: "connection closed before a full response") }
        }
    }

    /// Reads one response.
    func readReply() throws -> HTTPReply {
        let statusLine = try line()
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { throw HTTPClientError(description: "bad status line: \(statusLine)") }
        var headers: [String: String] = [:]
        while case let header = try line(), !header.isEmpty {
            guard let colon = header.firstIndex(of: ":") else { continue }
            headers[header[..<colon].lowercased()] = header[header.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body: [UInt8] = []
        if headers["transfer-encoding"]?.lowercased() == "chunked" {
            while let size = Int(try line(), radix: 16), size > 0 {
                body += try take(size)
                _ = try line()
            }
            _ = try line()
        } else if let length = headers["content-length"].flatMap({ Int($0) }) {
            body = try take(length)
        }
        return HTTPReply(status: status, headers: headers, body: body)
    }
}

/// One request on a fresh connection.
func request(_ port: Int, _ method: String, _ path: String, body: [UInt8]? = nil,
             headers: [String: String] = [:]) throws -> HTTPReply {
    try HTTPConnection(port: port).exchange(method, path, body: body, headers: headers)
}

/// JSON bytes of `object`.
func jsonBody(_ object: Any) -> [UInt8] {
    Array((try? JSONSerialization.data(withJSONObject: object, options: [.fragmentsAllowed])) ?? Data())
}
