import Fold
import ProfileModel
import Foundation
import FoundationXML
import FuzzSupport
import TextInputs
import SVGRender

/// Folded stacks drawn as SVG in every view flame has (one graph, flipped or inverted; two panes;
/// hot/cold; difference, single and panes), with the first input line as the hostile title,
/// subtitle, notes, count and name labels, and font (tab-separated). The SVG must be well-formed
/// XML with only the renderer's own elements and attributes, one script, and no control or bidi
/// characters in any text or attribute: anything else means a name escaped its escaping.
public func fuzzRender(_ data: UnsafeRawBufferPointer) {
    let newline = data.firstIndex(of: 0x0A) ?? data.count
    let header = String(decoding: UnsafeRawBufferPointer(rebasing: data[0..<newline]), as: UTF8.self)
        .split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
    let body = UnsafeRawBufferPointer(rebasing: data[min(newline + 1, data.count)...])
    let variant = Variant(data).bits

    let path = InputFile.shared.write(body)
    let all = FoldedLoader(chartMode: variant & 4 != 0)
    let odd = FoldedLoader()
    let waits = FoldedLoader(weightScale: 1000)
    do {
        _ = try FoldedParser().parse(try ByteSource(path: path, chunkSize: 4096),
                                     into: Split(all: all, odd: odd, waits: waits))
    } catch let e as InputError {
        FuzzCheck.message(e.description, file: path, "render input")
        return
    } catch {
        FuzzCheck.fail("render input: not an InputError: \(error)")
    }
    all.profile.unit = .samples
    waits.profile.unit = .offCPU

    var o = FlameGraphOptions()
    func field(_ i: Int) -> String? { i < header.count && !header[i].isEmpty ? header[i] : nil }
    o.title = field(0)
    o.subtitle = field(1)
    o.notes = field(2)
    o.countName = field(3) ?? o.countName
    o.nameType = field(4) ?? o.nameType
    o.fontType = field(5) ?? o.fontType
    o.inverted = variant & 1 != 0
    o.hashByName = variant & 2 != 0
    o.minWidth = variant & 2 != 0 ? .percent(0.5) : .pixels(0.1)
    o.palette = Palette.allCases[Int(data.count % Palette.allCases.count)]

    let svg: [UInt8]
    switch (data.first ?? 0) % 6 {
    case 0:
        svg = FlameGraphRenderer(options: o, unit: all.profile.unit).render(FlameTree(all.profile, reverse: variant & 1 != 0)).svg
    case 1:
        let doc = BothView.sideBySide(on: all.profile, off: waits.profile, summary: nil, reverse: false,
                                      layout: variant & 1 != 0 ? .stacked : .sideBySide, countName: o.countName, options: o)
        svg = FlameGraphRenderer.render(doc).svg
    case 2:
        let on = FoldedLoader(weightScale: 1)
        on.profile.unit = .nanoseconds("cpu-clock")
        on.profile.absorb(odd.profile)
        guard let doc = try? BothView.hotCold(on: on.profile, off: waits.profile, summary: nil, reverse: false, options: o) else {
            FuzzCheck.fail("hot/cold refused nanoseconds")
        }
        svg = FlameGraphRenderer.render(doc).svg
    case 3, 4:
        let diff = ProfileDiff(before: odd.profile, after: all.profile, normalize: variant & 2 != 0)
        let view: DiffView = data.first! % 6 == 3 ? .single : .panes
        svg = FlameGraphRenderer.render(view.document(diff, before: odd.profile, after: all.profile,
                                                      countName: o.countName, options: o)).svg
    default:
        o.width = 50
        o.frameHeight = 1
        svg = FlameGraphRenderer(options: o, unit: .nanoseconds("task-clock")).render(FlameTree(all.profile)).svg
    }
    SVGCheck.check(svg)
}

/// Feeds every stack to one loader, every other one to a second (a "before" that differs), and
/// every one again as microseconds.
private final class Split: FoldedVisitor {
    let all: FoldedLoader, odd: FoldedLoader, waits: FoldedLoader
    init(all: FoldedLoader, odd: FoldedLoader, waits: FoldedLoader) { (self.all, self.odd, self.waits) = (all, odd, waits) }
    func stack(_ frames: UnsafeBufferPointer<UInt8>, count: UInt64, line: Int) {
        all.stack(frames, count: count, line: line)
        if line % 2 == 1 { odd.stack(frames, count: count, line: line) }
        waits.stack(frames, count: count, line: line)
    }
}

/// The rules a flame SVG keeps whatever the names in it.
public enum SVGCheck {
    static let elements: Set<String> = ["svg", "desc", "defs", "linearGradient", "stop", "style", "script", "rect",
                                        "text", "g", "title", "line"]
    static let attributes: Set<String> = [
        "version", "xmlns", "width", "height", "viewBox", "onload", "id", "y1", "y2", "x1", "x2", "stop-color",
        "offset", "type", "x", "y", "fill", "class", "role", "aria-label", "data-fontsize", "data-fontwidth",
        "data-frameheight", "data-xpad", "data-inverted", "data-nametype", "data-searchcolor", "data-panes",
        "data-x", "data-width", "data-countname", "data-unit-ns", "data-d", "data-v", "data-s",
    ]

    public static func check(_ svg: [UInt8]) {
        if let problem = problem(svg) { FuzzCheck.fail(problem) }
    }

    /// The first rule `svg` breaks, or nil.
    public static func problem(_ svg: [UInt8]) -> String? {
        guard String(validating: svg, as: UTF8.self) != nil else { return "SVG is not UTF-8" }
        let parser = XMLParser(data: Data(svg))
        let rules = Rules()
        parser.delegate = rules
        parser.shouldResolveExternalEntities = false
        if !parser.parse() {
            return "SVG is not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "?") at line \(parser.lineNumber)"
        }
        if let problem = rules.problem { return problem }
        return rules.scripts == 1 ? nil : "SVG: \(rules.scripts) script elements"
    }

    /// Characters that would hide, reorder or break text: C0/C1 controls but tab and newline,
    /// bidi controls, line and paragraph separators.
    static func unsafe(_ v: UInt32) -> Bool {
        (v < 0x20 && v != 0x0A && v != 0x09) || (v >= 0x7F && v <= 0x9F) || (v >= 0x202A && v <= 0x202E)
            || (v >= 0x2066 && v <= 0x2069) || v == 0x200E || v == 0x200F || v == 0x2028 || v == 0x2029
    }

    private final class Rules: NSObject, XMLParserDelegate {
        var problem: String?
        var scripts = 0

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            if !SVGCheck.elements.contains(name) { note("element <\(name)>") }
            if name == "script" { scripts += 1 }
            for (key, value) in attributes {
                if !SVGCheck.attributes.contains(key) { note("attribute \(key) on <\(name)>") }
                if key == "onload" && (name != "svg" || value != "init(evt)") { note("onload=\(value.debugDescription)") }
                text(value, "attribute \(key)")
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { text(string, "text") }
        func parser(_ parser: XMLParser, foundCDATA block: Data) {}
        func parser(_ parser: XMLParser, foundProcessingInstructionWithTarget target: String, data: String?) {
            note("processing instruction \(target)")
        }

        private func text(_ s: String, _ where_: String) {
            if let bad = s.unicodeScalars.first(where: { SVGCheck.unsafe($0.value) }) {
                note("U+\(String(bad.value, radix: 16)) in \(where_): \(s.debugDescription)")
            }
        }

        private func note(_ s: String) { if problem == nil { problem = "SVG: " + s } }
    }
}
