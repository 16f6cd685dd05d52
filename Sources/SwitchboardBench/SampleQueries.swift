import SwitchboardData
import Foundation

/// Query sets for latency benchmarks: a deterministic built-in set, or queries read from a file.
public enum SampleQueries {
    /// Size of the built-in set: enough distinct texts that the CPU caches see a realistic mix,
    /// few enough that one pass takes about a millisecond.
    public static let defaultCount = 200

    /// Hand-written support and assistant queries of varied length and style (short commands,
    /// long rambling sentences, typos, digits, punctuation, non-ASCII, one with no features).
    public static let handWritten: [String] = [
        "reset my password",
        "I was charged twice for the same order, can you refund one of them?",
        "whats the weather like tomorrow in boston",
        "cancel my subscription",
        "how do I change the email address on my account",
        "my package hasn't arrived yet and the tracking number doesn't work",
        "book a table for 4 at 7pm",
        "play some jazz",
        "transfer $200 from checking to savings",
        "what's my credit card balance",
        "set an alarm for 6:30 am",
        "the app keeps crashing when I open the camera on iOS 17.2",
        "I want to speak to a human",
        "is the store on main street open on sundays",
        "translate 'where is the train station' into german",
        "how many calories are in an avocado",
        "upgrade my plan to premium",
        "error 404 when i try to log in",
        "can u help me w/ my bill",
        "hi",
        "thanks, that's all",
        "Ich möchte meine Bestellung stornieren",
        "¿Dónde está mi pedido?",
        "réinitialiser mon mot de passe",
        "my 2fa code never arrives by sms",
        "why was my card declined at the gas station yesterday",
        "remind me to call mom at 5",
        "what is the exchange rate from dollars to euros",
        "add milk, eggs and bread to my shopping list",
        "how long does it take to get a new debit card",
        "report a lost card",
        "I'd like to dispute a transaction from last week of $45.99",
        "turn off the lights in the living room",
        "what time is it in tokyo",
        "tell me a joke",
        "How do I export my data to CSV?",
        "change my shipping address to 221B Baker Street, London",
        "is there a fee for international transfers",
        "my order #A-10293 arrived damaged",
        "when is my next payment due",
        "delete my account and all my data permanently please",
        "what's the difference between the basic and the pro plan",
        "schedule a meeting with the design team next tuesday at 10",
        "how do i enable dark mode",
        "I can't hear anything during calls, the microphone seems broken",
        "find me flights from NYC to SFO on the 14th",
        "what is my pto balance",
        "who do I talk to about a raise",
        "roll a dice",
        "what's 15% of 86",
        "the invoice for march is wrong",
        "how to apply for a mortgage",
        "Is it safe to use the app on public wifi?",
        "set the thermostat to 21 degrees",
        "next song",
        "where can I find my tax documents",
        "i forgot my pin",
        "how do I freeze my account while I'm traveling abroad for three months",
        "Bonjour, je n'arrive pas à me connecter depuis la mise à jour",
        "ok",
        "share my location with alex",
        "what are your opening hours on public holidays",
        "my refund still hasn't shown up after 10 business days, what is going on??",
        "increase my credit limit",
        "how many vacation days do I have left",
        "can I pay with apple pay",
        "the website says 'session expired' every two minutes",
        "order a pizza with extra cheese",
        "what's the nutritional info for a big mac",
        "text sarah that I'm running late",
        "!!!",
        "what's the meaning of life",
        "recommend a good sci-fi book",
        "how do i report a bug in the android app version 3.4.1",
        "I need an invoice with my company's VAT number on it",
        "change language to spanish",
        "are pets allowed on the train",
        "what is the status of my insurance claim",
        "how do I redeem a gift card",
        "can you explain this charge: AMZN MKTP US*2K4",
    ]

    /// Phrasings wrapped around a label's words ("{}" is replaced by them).
    public static let templates: [String] = [
        "{}", "how do i {}", "i need help with {}", "can you {} for me", "{} please",
        "question about {}", "what's the status of my {}", "is it possible to {} today",
        "hey, quick one: {}?", "I've been trying to sort out {} for a week and nothing works",
    ]

    /// `count` queries: `handWritten` first, then `templates` filled with the words of `labels`
    /// ("billing_question" → "billing question"), cycling through labels and templates. The
    /// same labels always give the same queries.
    public static func make(labels: [String], count: Int = defaultCount) -> [String] {
        var queries = Array(handWritten.prefix(count))
        let phrases = labels.map { label in
            String(label.lowercased().map { $0 == "_" || $0 == "-" || $0 == "." ? " " : $0 })
        }
        var i = 0
        while queries.count < count {
            if phrases.isEmpty {
                queries.append(handWritten[i % handWritten.count])
            } else {
                // Step through templates at a different rate than labels so that pairs vary.
                let template = templates[(i / phrases.count + i) % templates.count]
                queries.append(template.replacingOccurrences(of: "{}", with: phrases[i % phrases.count]))
            }
            i += 1
        }
        return queries
    }

    /// Queries from a file: the text column of a CSV with a header row when the name ends in
    /// ".csv" (any case), else one query per line (trimmed; blank lines skipped; "\r\n" accepted;
    /// invalid UTF-8 replaced with U+FFFD). Throws `CSVError` for a malformed CSV or a file
    /// without queries, and Foundation's error for an unreadable file.
    public static func load(path: String, textColumn: ColumnSelector = .name("text")) throws -> [String] {
        let lowered = path.lowercased()
        if lowered.hasSuffix(".csv") {
            return try LabeledDataset.loadTexts(path: path, textColumn: textColumn).texts
        }
        if lowered.hasSuffix(".jsonl") || lowered.hasSuffix(".ndjson") || lowered.hasSuffix(".tsv") {
            throw CSVError(file: path, line: 0, message: "bench reads a CSV file (its text column) or plain text, "
                + "one query per line; convert this file first (e.g. jq -r .text FILE > queries.txt)")
        }
        let data = try InputFile.read(path: path)
        let queries = data.split(separator: 0x0A).compactMap { line -> String? in
            let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return text.isEmpty ? nil : text
        }
        if queries.isEmpty { throw CSVError(file: InputFile.displayName(path), line: 0, message: "no queries (every line is blank)") }
        return queries
    }
}
