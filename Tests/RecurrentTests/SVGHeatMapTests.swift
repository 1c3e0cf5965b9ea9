import Recurrent
import Testing

/// Heat maps: cell geometry from the frame, colours from the scale's stops
/// worked out by hand, and the robustness cases.
@Suite struct SVGHeatMapTests {
    private let pixelTolerance = 0.0051

    @Test func cellsTileTheFrame() throws {
        // 3 rows × 4 columns; largest |value| 3.
        let matrix: [[Double]] = [[0, 1, -1, 2], [0.5, -0.5, 3, -3], [1.5, -1.5, 0.25, 0]]
        let map = HeatMap(title: "Hidden <state>", matrix: matrix, xAxis: PlotAxis("Time step"),
                          yAxis: PlotAxis("Hidden unit"), colorLabel: "h")
        let svg = try ParsedSVG(map.svg)
        let cells = svg.all("rect", inGroup: "cells")
        #expect(cells.count == 12)
        #expect(svg.all("rect").count == 12 + 3)   // background, grey for gaps, colour bar
        #expect(svg.all("title").first?.text == "Hidden <state>")

        // Row 1, column 2 (value 3) is the 7th cell; its corner by hand.
        let f = map.plotFrame
        let cell = cells[1 * 4 + 2]
        #expect(abs(try #require(cell.number("x")) - (f.x + 2 * f.width / 4)) <= pixelTolerance)
        #expect(abs(try #require(cell.number("y")) - (f.y + 1 * f.height / 3)) <= pixelTolerance)
        #expect(abs(try #require(cell.number("width")) - f.width / 4) <= pixelTolerance)
        #expect(abs(try #require(cell.number("height")) - f.height / 3) <= pixelTolerance)

        // The scale's ends and middle: +3 dark red, −3 dark blue, 0 white.
        #expect(cell.attributes["fill"] == "#b2182b")
        #expect(cells[1 * 4 + 3].attributes["fill"] == "#2166ac")
        #expect(cells[0].attributes["fill"] == "#ffffff")
        // 1.5 = L/2 is the fourth stop exactly.
        #expect(cells[2 * 4 + 0].attributes["fill"] == "#ef8a62")

        // Colour bar labelled ±3 and 0, titled "h"; axes titled.
        for label in ["3", "0", "−3", "h", "Time step", "Hidden unit"] {
            #expect(svg.texts.contains(label), "missing \(label)")
        }
        #expect(map.colorLimit == 3)
    }

    @Test func colorScaleInterpolatesBetweenStops() {
        // −0.25 L lies half-way between #67a9cf (−0.5) and #ffffff (0):
        // (0x67 + 0xff) / 2 = 179 = 0xb3, (0xa9 + 0xff) / 2 = 212 = 0xd4, (0xcf + 0xff) / 2 = 231 = 0xe7.
        #expect(HeatMap.color(of: -0.25, limit: 1) == "#b3d4e7")
        #expect(HeatMap.color(of: -5, limit: 2) == "#2166ac")   // clamped
        #expect(HeatMap.color(of: 10, limit: 2) == "#b2182b")
        #expect(HeatMap.color(of: .nan, limit: 1) == nil)
        #expect(HeatMap.color(of: .infinity, limit: 1) == nil)
    }

    @Test func nonFiniteCellsAreSkipped() throws {
        let map = HeatMap(title: "", matrix: [[1, .nan], [-.infinity, -2]], xAxis: PlotAxis("t"), yAxis: PlotAxis("u"))
        let svg = try ParsedSVG(map.svg)
        #expect(svg.all("rect", inGroup: "cells").count == 2)
        #expect(map.colorLimit == 2)
        #expect(!map.svg.contains("nan") && !map.svg.contains("inf"))
    }

    @Test func degenerateMatricesDoNotBreak() throws {
        let cases = [
            HeatMap(title: "zeros", matrix: [[0, 0], [0, 0]], xAxis: PlotAxis("t"), yAxis: PlotAxis("u")),
            HeatMap(title: "empty", matrix: [], xAxis: PlotAxis("t"), yAxis: PlotAxis("u")),
            HeatMap(title: "no columns", values: Tensor.zeros([3, 0]), xAxis: PlotAxis("t"), yAxis: PlotAxis("u")),
            HeatMap(title: "all NaN", matrix: [[.nan]], xAxis: PlotAxis("t"), yAxis: PlotAxis("u")),
            HeatMap(title: "bad limit", matrix: [[1, -1]], xAxis: PlotAxis("t"), yAxis: PlotAxis("u"), limit: .nan),
        ]
        let expectedCells = [4, 0, 0, 0, 2]
        for (map, expected) in zip(cases, expectedCells) {
            let svg = try ParsedSVG(map.svg)
            #expect(svg.all("rect", inGroup: "cells").count == expected, "\(map.title)")
            #expect(!map.svg.contains("nan") && !map.svg.contains("inf"))
        }
        // All zeros: the scale spans ±1 and every cell is white.
        #expect(cases[0].colorLimit == 1)
        #expect(try ParsedSVG(cases[0].svg).all("rect", inGroup: "cells").allSatisfy { $0.attributes["fill"] == "#ffffff" })
    }

    @Test func largeMatricesAreBinnedToPixels() throws {
        // 64 hidden units × 5000 steps: more columns than the frame has pixels.
        // 64 rows fit (400 px tall); columns are binned to half the frame's width.
        let rows = 64, columns = 5000
        // Row r holds r + 1 in every column but a few NaNs, so every bin's mean is r + 1.
        var scalars = (0..<rows * columns).map { Float($0 / columns + 1) }
        for index in stride(from: 3, to: scalars.count, by: 97) { scalars[index] = .nan }
        let values = Tensor(shape: [rows, columns], scalars: scalars)
        let map = HeatMap(title: "", values: values, xAxis: PlotAxis("Time step"), yAxis: PlotAxis("Hidden unit"),
                          width: 1000, height: 400)
        let f = map.plotFrame
        let binnedColumns = Int(f.width / 2)   // cells at least 2 px wide; 64 × that is under 30 000
        let cells = try ParsedSVG(map.svg).all("rect", inGroup: "cells")
        #expect(cells.count == rows * binnedColumns)
        // The bins tile the width: the last cell of row 0 ends at the frame's right edge.
        let last = cells[binnedColumns - 1]
        #expect(abs(try #require(last.number("x")) + (try #require(last.number("width"))) - f.maxX) <= 2 * pixelTolerance)
        #expect(map.colorLimit == 64)
        // 300 rows × 2000 columns: rows binned to half the height, columns so that
        // the total stays within the cell budget.
        let tall = HeatMap(title: "", values: Tensor.ones([300, 2000]), xAxis: PlotAxis("t"), yAxis: PlotAxis("u"))
        let tallCells = try ParsedSVG(tall.svg).all("rect", inGroup: "cells").count
        let rowBins = Int(tall.plotFrame.height / 2)
        #expect(tallCells == rowBins * min(Int(tall.plotFrame.width / 2), HeatMap.maximumCells / rowBins))
        #expect(tallCells <= HeatMap.maximumCells)
        // Row 63 (value 64 = L) is dark red, row 31 (32 = L/2) the fourth stop.
        #expect(cells[63 * binnedColumns ..< 64 * binnedColumns].allSatisfy { $0.attributes["fill"] == "#b2182b" })
        #expect(cells[31 * binnedColumns ..< 32 * binnedColumns].allSatisfy { $0.attributes["fill"] == "#ef8a62" })
    }
}
