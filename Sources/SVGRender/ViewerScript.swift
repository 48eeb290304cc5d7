// The interactive part of every flame graph: a stylesheet and a script that the
// renderer embeds verbatim into the SVG. They live in Viewer/ as real files (viewer.css, and
// the script in four consecutive pieces of one closure: viewer-core.js for loading and zoom,
// viewer-search.js for search and the URL state, viewer-range.js for the time strip's range,
// viewer-input.js for mouse, keyboard and the API), embedded into the binary at build time (SwiftPM's embedInCode), so flame stays one
// self-contained executable. RendererTests checks the joined script with `node --check`. One script serves every document: a single
// graph is a document of one pane.
//
// DOM contract the script relies on (emitted by the renderer):
//   - root <svg> with width/viewBox and the settings data-fontsize, data-fontwidth,
//     data-frameheight, data-xpad, data-inverted, data-nametype, data-searchcolor,
//     data-panes (the number of panes), and onload="init(evt)";
//   - shared controls #title, #subtitle (optional), #unzoom (resets every pane),
//     #search and #ignorecase, and the background <rect id="bg">;
//   - one <g class="pane" id="paneK" data-x data-width data-countname data-unit-ns>
//     per pane, in order (with data-t0, data-bw, data-bn, data-q when it carries weights
//     over time, and then data-b="BUCKET:VALUE ..." on its frames; see PaneTimeData), holding its texts .details and .matched (and, with several
//     panes, .ptitle, .psub and its own reset .punzoom), then <g class="graph">;
//   - in each .graph, one <g class="f" data-d="DEPTH" data-v="TOTAL" data-s="SELF">
//     (class "f pruned" for a placeholder) per frame in depth-first pre-order, each
//     with <title>, <rect> and <text>. The frame name is the first line of the
//     <title>; the second is the main tooltip line (total and share of the pane),
//     the rest are further details.
//
//   - optionally <g id="strip" data-t0 data-t1 data-cx data-cw> (TimeStrip) with the range
//     rectangle #srange, the pointer target #shit and the range text #stext.
//
// Ancestry comes from the pre-order depths, never from pixel positions: a frame's
// subtree is the run of following frames deeper than it.
//
// Performance (100,000 frames): load only reads each frame's depth and finds its
// <rect>; names and values are read on first use. Zooming never touches the frames in
// .graph: the whole group is moved out of sight with one class ("zoomed"; a CSS
// translation, which unlike display:none or visibility:hidden does not make the
// browser recompute the style of 400,000 descendants) and the zoomed view is
// built from clones of the visible frames (the zoomed subtree plus its
// ancestors) in a sibling group <g class="zoomview"> that the script creates.
// So a zoom costs work proportional to the frames it shows, and resetting it
// just drops the clones and unhides .graph, whose style and layout the browser
// has kept. Neither path reads layout: labels are fitted by counting characters.
//
// Accessibility costs no bytes per frame: the script gives a frame tabindex, role
// and aria-label when keyboard focus reaches it (a roving tabindex: one entry
// frame per pane is in the tab order), since <title> already names every frame.
//
// Frame names are untrusted: they are only ever read from and written to
// textContent / attribute values.
//
// The script must never contain the CDATA terminator (two closing square
// brackets followed by a greater-than sign).

/// The CSS and JavaScript embedded in every flame graph SVG; see the DOM contract above.
enum ViewerScript {
    /// CSS placed in the SVG's <style> element.
    static let css: String = text(PackageResources.viewer_css)

    /// JavaScript placed in <script type="text/ecmascript"><![CDATA[ ... ]]></script>:
    /// one closure, written in three pieces (loading and zoom; search and URL state; input).
    static let javascript: String = text(PackageResources.viewer_core_js) + text(PackageResources.viewer_search_js)
        + text(PackageResources.viewer_range_js) + text(PackageResources.viewer_input_js)

    /// A file's text without its final newline (the pieces join without one).
    private static func text(_ bytes: [UInt8]) -> String {
        String(decoding: bytes.last == 0x0A ? bytes.dropLast() : bytes[...], as: UTF8.self)
    }
}
