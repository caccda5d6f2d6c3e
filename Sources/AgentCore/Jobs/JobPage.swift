import Foundation

/// One page of `find`: the matching rows, where the next page starts, and how many jobs were looked at.
public struct JobPage: Sendable, Equatable {
    public var rows: [JobSummary]
    /// nil when nothing is left; otherwise pass it back as `cursor` for the next page.
    public var next: String?
    public var scanned: Int

    public init(rows: [JobSummary], next: String?, scanned: Int) {
        self.rows = rows
        self.next = next
        self.scanned = scanned
    }
}

/// Where a walk of a state's jobs stands: a queue and a position in it. Written `offset@queue`;
/// a bare number is a position in the first queue (what the API's cursor used to be).
public struct JobCursor: Sendable, Equatable {
    public var queue: String?
    public var offset: Int

    public init(queue: String?, offset: Int) {
        self.queue = queue
        self.offset = offset
    }

    public init(parsing text: String) throws {
        let parts = text.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)
        guard let first = parts.first, first.count <= 12, let offset = Int(first), offset >= 0 else {
            throw JobCursorError(text: text)
        }
        self.offset = offset
        queue = parts.count == 2 ? String(parts[1]) : nil
        if queue?.isEmpty == true { throw JobCursorError(text: text) }
    }

    public var text: String { queue.map { "\(offset)@\($0)" } ?? "\(offset)" }
}

public struct JobCursorError: Error, CustomStringConvertible {
    public var text: String
    public var description: String { "invalid cursor \"\(text.prefix(40))\": pass back the next_cursor of the previous page" }
}

extension QueueReader {
    /// `find` as a walk over `list` pages of 500: every implementation pages the same way, and
    /// each one's `list` makes it as cheap as its store allows (Redis: one range read and one
    /// pipelined HMGET per 500 jobs).
    public func walkFind(queue: String?, state: JobState, filter: JobFilter, cursor: String?, limit: Int,
                         scanLimit: Int) async throws -> JobPage {
        let start = try cursor.map(JobCursor.init(parsing:)) ?? JobCursor(queue: nil, offset: 0)
        let names = if let queue { [queue] } else { try await queues() }
        if let queue, let q = start.queue, q != queue { throw JobCursorError(text: start.text) }
        // Resume at the cursor's queue, or at the first one after it when it is gone.
        var index = start.queue.map { q in names.firstIndex { $0 >= q } ?? names.count } ?? 0
        var offset = start.queue == nil || names.indices.contains(index) && names[index] == start.queue ? start.offset : 0
        var rows: [JobSummary] = []
        var scanned = 0
        // At least one row and one job looked at, so a page's cursor always moves on.
        let wanted = max(1, limit)
        let scanLimit = max(1, scanLimit)
        // A regular expression that backtracks without end spends the budget: the page ends there
        // like one that reached scanLimit, and the next page starts afresh.
        let budget = RegexBudget(seconds: JobFilter.regexSeconds)
        let matches = filter.matcher(budget: budget)
        while index < names.count {
            let name = names[index]
            while rows.count < wanted && scanned < scanLimit {
                let page = try await list(queue: name, state: state, offset: offset, limit: min(500, max(1, scanLimit - scanned)))
                if page.isEmpty { break }
                for row in page {
                    offset += 1
                    scanned += 1
                    let matched = matches(row)
                    if matched { rows.append(row) }
                    if budget.exhausted {
                        // The row the budget ran out on is looked at again by the next page, unless
                        // it was this page's first (then it counts as no match, so the cursor moves on).
                        if !matched && scanned > 1 {
                            offset -= 1
                            scanned -= 1
                        }
                        break
                    }
                    if rows.count == wanted || scanned == scanLimit { break }
                }
                if budget.exhausted { break }
            }
            if rows.count == wanted || scanned == scanLimit || budget.exhausted {
                let more = try await !list(queue: name, state: state, offset: offset, limit: 1).isEmpty
                if more { return JobPage(rows: rows, next: JobCursor(queue: name, offset: offset).text, scanned: scanned) }
                let after = index + 1
                return JobPage(rows: rows, next: after < names.count ? JobCursor(queue: names[after], offset: 0).text : nil,
                               scanned: scanned)
            }
            index += 1
            offset = 0
        }
        return JobPage(rows: rows, next: nil, scanned: scanned)
    }
}
