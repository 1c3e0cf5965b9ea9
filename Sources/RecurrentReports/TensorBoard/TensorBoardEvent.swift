import RecurrentCore

/// The bytes of the TensorFlow `Event` messages a training log needs, and of
/// the TFRecord framing that event files store them in.
///
/// The messages, from TensorFlow's `event.proto`, `summary.proto`,
/// `tensor.proto` and `tensor_shape.proto` (as vendored in the `tensorboard`
/// package, `tensorboard/compat/proto/`):
///
/// ```
/// Event        { double wall_time = 1; int64 step = 2;
///                oneof what { string file_version = 3; Summary summary = 5; SessionLog session_log = 7; } }
/// SessionLog   { SessionStatus status = 1; }   // START = 1
/// Summary      { repeated Value value = 1; }
/// Value        { string tag = 1; oneof value { float simple_value = 2; TensorProto tensor = 8; }
///                SummaryMetadata metadata = 9; }
/// SummaryMetadata { PluginData plugin_data = 1; }   PluginData { string plugin_name = 1; }
/// TensorProto  { DataType dtype = 1; TensorShapeProto tensor_shape = 2; repeated bytes string_val = 8; }
/// ```
///
/// A scalar is a `Value` with `simple_value`, the form TensorFlow 1 and
/// PyTorch's `SummaryWriter.add_scalar` write, which TensorBoard's scalars
/// dashboard reads. A text is what `tensorboard.plugins.text.summary_v2.text_pb`
/// writes: a rank-0 `DT_STRING` tensor (an empty `tensor_shape`, present)
/// under metadata naming the `text` plugin, whose dashboard renders it as
/// Markdown.
///
/// Fields go out in field-number order and proto3 defaults (a zero
/// `wall_time` or `step`) are left out, as the Python `protobuf` package
/// serialises them, so the same event gives the same bytes as TensorBoard's
/// own writer (checked by `scripts/check_tensorboard.py` and the committed
/// fixture it makes).
package enum TensorBoardEvent {
    /// `DT_STRING` in `types.proto`'s `DataType`.
    static let stringType: Int64 = 7

    /// The first event of every file: `file_version` "brain.Event:2", which
    /// tells readers that steps may be purged when a restarted run repeats them.
    package static func fileVersion(wallTime: Double) -> [UInt8] {
        event(wallTime: wallTime, step: 0) { $0.string(3, "brain.Event:2") }
    }

    /// A session start at `step`: after the first one, readers of a
    /// `brain.Event:2` file drop every event they have seen at `step` or
    /// later, which is how a resumed run replaces what the interrupted one
    /// logged after its checkpoint.
    package static func sessionStart(step: Int, wallTime: Double) -> [UInt8] {
        event(wallTime: wallTime, step: step) { $0.message(7) { $0.int64(1, 1) } }
    }

    /// A scalar: one `Summary.Value` with `tag` and `simple_value`.
    package static func scalar(_ tag: String, _ value: Float, step: Int, wallTime: Double) -> [UInt8] {
        event(wallTime: wallTime, step: step) { event in
            event.message(5) { summary in
                summary.message(1) { entry in
                    entry.string(1, tag)
                    entry.float(2, value)
                }
            }
        }
    }

    /// A Markdown text for TensorBoard's text dashboard: a rank-0 string
    /// tensor under the `text` plugin's metadata.
    package static func text(_ tag: String, _ markdown: String, step: Int, wallTime: Double) -> [UInt8] {
        event(wallTime: wallTime, step: step) { event in
            event.message(5) { summary in
                summary.message(1) { entry in
                    entry.string(1, tag)
                    entry.message(8) { tensor in
                        tensor.int64(1, stringType)
                        tensor.message(2) { _ in }  // rank 0: no dimensions
                        tensor.string(8, markdown)
                    }
                    entry.message(9) { metadata in
                        metadata.message(1) { plugin in plugin.string(1, "text") }
                    }
                }
            }
        }
    }

    /// An `Event` with `wall_time` and `step` (each left out when zero, as
    /// proto3 does), then the fields `body` writes.
    private static func event(wallTime: Double, step: Int, _ body: (inout ProtobufWriter) -> Void) -> [UInt8] {
        var writer = ProtobufWriter()
        if wallTime != 0 { writer.double(1, wallTime) }
        if step != 0 { writer.int64(2, Int64(step)) }
        body(&writer)
        return writer.bytes
    }

    /// One TFRecord: the length as a little-endian `UInt64`, the masked
    /// CRC-32C of those eight bytes, the data, the masked CRC-32C of the data.
    package static func record(_ data: [UInt8]) -> [UInt8] {
        let length = littleEndian(UInt64(data.count))
        return length + littleEndian(CRC32C.masked(length)) + data + littleEndian(CRC32C.masked(data))
    }

    private static func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }
}
