import Foundation
import ProfileModel
#if canImport(FoundationXML)
import FoundationXML
#endif
import Fold
import SVGRender

/// A parsed SVG: every element with its attributes and text, in document order. Parsing fails
/// (throws) when the document is not well-formed XML.
struct SVGDocument {
    struct Element {
        var name: String
        var attributes: [String: String]
        var text: String
        var children: [Int] = []
    }
    var elements: [Element] = []

    init(_ bytes: [UInt8]) throws {
        let delegate = Collector()
        let parser = XMLParser(data: Data(bytes))
        parser.delegate = delegate
        guard parser.parse() else {
            throw NSError(domain: "SVGDocument", code: 1,
                          userInfo: [NSLocalizedDescriptionKey: "not well-formed: \(parser.parserError.map(String.init(describing:)) ?? "?") at line \(parser.lineNumber)"])
        }
        elements = delegate.elements
    }

    typealias Frame = (depth: Int, total: UInt64, selfWeight: UInt64, title: String, rect: [String: String], label: String, pruned: Bool)

    /// The frame groups in document order (of every pane): depth, total, self, title, rect attributes, label.
    var frames: [Frame] { elements.compactMap(frame) }

    /// The frames of pane `k` (the groups in its `.graph`).
    func frames(pane k: Int) -> [Frame] {
        guard let pane = elements.first(where: { $0.attributes["id"] == "pane\(k)" }),
              let graph = pane.children.first(where: { elements[$0].attributes["class"] == "graph" }) else { return [] }
        return elements[graph].children.compactMap { frame(elements[$0]) }
    }

    /// Elements of a class, in document order.
    func elements(class name: String) -> [Element] {
        elements.filter { ($0.attributes["class"] ?? "").split(separator: " ").contains { $0 == name } }
    }

    private func frame(_ e: Element) -> Frame? {
        guard e.name == "g", let cls = e.attributes["class"], cls == "f" || cls == "f pruned" else { return nil }
        let title = e.children.map { elements[$0] }.first { $0.name == "title" }?.text ?? ""
        let rect = e.children.map { elements[$0] }.first { $0.name == "rect" }?.attributes ?? [:]
        let label = e.children.map { elements[$0] }.first { $0.name == "text" }?.text ?? ""
        return (Int(e.attributes["data-d"] ?? "") ?? -1, UInt64(e.attributes["data-v"] ?? "") ?? 0,
                UInt64(e.attributes["data-s"] ?? "") ?? 0, title, rect, label, cls == "f pruned")
    }

    func element(id: String) -> Element? { elements.first { $0.attributes["id"] == id } }

    private final class Collector: NSObject, XMLParserDelegate {
        var elements: [Element] = []
        var open: [Int] = []
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
                    qualifiedName: String?, attributes: [String: String] = [:]) {
            let index = elements.count
            elements.append(Element(name: name, attributes: attributes, text: ""))
            if let parent = open.last { elements[parent].children.append(index) }
            open.append(index)
        }
        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            open.removeLast()
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if let current = open.last { elements[current].text += string }
        }
        func parser(_ parser: XMLParser, foundCDATA data: Data) {
            if let current = open.last { elements[current].text += String(decoding: data, as: UTF8.self) }
        }
    }
}

/// A profile from folded lines given as (stack, count).
func profile(_ stacks: [(String, UInt64)]) -> Profile {
    let p = Profile()
    for (stack, count) in stacks {
        let ids = stack.split(separator: ";", omittingEmptySubsequences: false).map { frame -> Int32 in
            var bytes = Array(frame.utf8)
            return bytes.withUnsafeMutableBufferPointer { p.names.intern(UnsafeBufferPointer($0)) }
        }
        p.trie.add(stack: ids, weight: count, samples: count)
    }
    return p
}

/// A profile whose frame names are raw bytes (for invalid UTF-8).
func profile(rawFrames: [[UInt8]], count: UInt64) -> Profile {
    let p = Profile()
    let ids = rawFrames.map { frame -> Int32 in
        var bytes = frame
        return bytes.withUnsafeMutableBufferPointer { p.names.intern(UnsafeBufferPointer($0)) }
    }
    p.trie.add(stack: ids, weight: count, samples: count)
    return p
}
