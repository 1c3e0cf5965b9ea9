/// CRC-32C (Castagnoli), the checksum of TFRecord files, and TensorFlow's
/// "masked" form of it.
///
/// The polynomial is 0x1EDC6F41, used bit-reflected (0x82F63B78), with an
/// initial value and a final XOR of 0xFFFFFFFF: the iSCSI checksum of
/// RFC 3720, whose check value is `CRC32C("123456789") == 0xE3069283`.
/// Byte-at-a-time with a 256-entry table: an event file holds a few hundred
/// bytes per training step, so speed does not matter here.
package enum CRC32C {
    /// The checksum of `bytes`.
    package static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
        }
        return crc ^ 0xFFFF_FFFF
    }

    /// The checksum as TFRecord stores it, rotated right by 15 bits and offset
    /// by a constant, so that the CRC of data that holds CRCs stays
    /// well-mixed (TensorFlow's `crc32c::Mask`).
    package static func masked(_ bytes: some Sequence<UInt8>) -> UInt32 {
        let crc = checksum(bytes)
        return ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }

    /// `table[b]` is the CRC register after shifting byte `b` through a zero
    /// register, eight bit steps of the reflected polynomial.
    private static let table: [UInt32] = (0..<256).map { index in
        var crc = UInt32(index)
        for _ in 0..<8 {
            crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1
        }
        return crc
    }
}
