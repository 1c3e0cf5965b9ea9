import Foundation
import Recurrent
import RecurrentTestSupport
import Testing

/// `.npy` files written by numpy.save (Fixtures/npy, see its README) read
/// back exactly; the writer gives numpy's bytes; bad files are named.
@Suite struct NumpyFileTests {
    static let folder = TestFixtures.folder("npy")

    static func read(_ name: String) throws -> Tensor {
        try NumpyFile.tensor(contentsOf: folder.appendingPathComponent(name))
    }

    /// (arange(24).reshape(2, 3, 4) − 11.5) / 7 in float64.
    static let values: [Double] = (0..<24).map { (Double($0) - 11.5) / 7 }

    @Test func floatArraysOfEveryWidthAndByteOrderRead() throws {
        for name in ["f4_2x3x4.npy", "f4_big_endian.npy", "f8_2x3x4.npy"] {
            let x = try Self.read(name)
            #expect(x.shape == [2, 3, 4], "\(name)")
            #expect(x.scalars == Self.values.map { Float($0) }, "\(name)")
        }
        let half = try Self.read("f2_2x3x4.npy")
        #expect(half.shape == [2, 3, 4])
        // float16 keeps 11 significant bits: within 2⁻¹¹ relative.
        #expect(mismatch(half, Self.values, relative: 0x1p-11) == nil)
        #expect(try Self.read("f4_vector.npy") == Tensor([1.5, -2, 3]))
    }

    @Test func theWriterGivesNumpysBytes() throws {
        let numpy = try Data(contentsOf: Self.folder.appendingPathComponent("f4_2x3x4.npy"))
        let x = Tensor(shape: [2, 3, 4], scalars: Self.values.map { Float($0) })
        #expect(NumpyFile.data(x) == numpy)
        let vector = try Data(contentsOf: Self.folder.appendingPathComponent("f4_vector.npy"))
        #expect(NumpyFile.data(Tensor([1.5, -2, 3])) == vector)
    }

    @Test func badFilesAreRefusedByName() throws {
        func problem(_ data: Data) -> String {
            do {
                _ = try NumpyFile.tensor(data: data, name: "x.npy")
                return "read"
            } catch let error as SafetensorsError {
                #expect(error.file == "x.npy")
                return error.description
            } catch { return "\(error)" }
        }
        let good = try Data(contentsOf: Self.folder.appendingPathComponent("f4_2x3x4.npy"))
        #expect(problem(Data("PK\u{3}\u{4}junk".utf8)).contains("not a .npy file"))
        #expect(problem(good.dropLast(4)).contains("has 92 data bytes; shape [2, 3, 4] of <f4 needs 96"))
        #expect(problem(good + Data([0, 0, 0, 0])).contains("needs 96"))
        #expect(problem(good.prefix(40)).contains("header"))
        let integers = try Data(contentsOf: Self.folder.appendingPathComponent("i8.npy"))
        #expect(problem(integers).contains("dtype '<i8'"))
        let fortran = try Data(contentsOf: Self.folder.appendingPathComponent("f4_fortran.npy"))
        #expect(problem(fortran).contains("Fortran-order"))
        var version = good
        version[6] = 9
        #expect(problem(version).contains("version 9.0"))
    }
}
