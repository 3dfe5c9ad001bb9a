//! Reading TensorBoard event files: TFRecord framing and the protobuf `Event` message.
//!
//! A TFRecord is `u64 length (LE) | u32 masked CRC32C of the length | data | u32 masked CRC32C
//! of the data`. The data of each record is a `tensorflow.Event`. The framing is a dozen lines
//! and written here against the documented format; the protobuf decoding uses `prost` with
//! hand-written message structs holding only the fields git-exp reads (unknown fields are
//! skipped by prost), so no `.proto` files or build step are needed. CRCs use the `crc32c` crate.
//! Everything here is untrusted input: record sizes are bounded, CRCs checked, and every problem
//! is an error naming the byte offset, never a panic.

use std::collections::HashMap;
use std::io::Read;

/// The largest record accepted: an event holding one encoded image fits well within it, and a
/// corrupt length cannot make the reader allocate more.
pub const MAX_RECORD: u64 = 64 << 20;

/// A problem at a byte offset of an event file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("at byte {offset}: {problem}")]
pub struct ReadError {
    pub offset: u64,
    pub problem: String,
    /// The file ends inside a record (a writer that stopped mid-write); what came before is good.
    pub truncated: bool,
}

/// One value of an event, reduced to what git-exp records.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Scalar { tag: String, value: f64 },
    Image { tag: String, data: Vec<u8> },
}

/// One event: its wall time (Unix seconds), step and the values git-exp understands.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub wall_time: f64,
    pub step: i64,
    pub values: Vec<Value>,
}

/// Reads the events of one file in order.
pub struct EventReader<R> {
    input: R,
    offset: u64,
    /// The plugin of each tag: writers put a tag's metadata on its first value only.
    plugins: HashMap<String, String>,
    failed: bool,
}

impl<R: Read> EventReader<R> {
    pub fn new(input: R) -> Self {
        Self { input, offset: 0, plugins: HashMap::new(), failed: false }
    }

    /// The next record's data, `None` at the end of the file.
    fn record(&mut self) -> Result<Option<Vec<u8>>, ReadError> {
        let start = self.offset;
        let mut header = [0u8; 12];
        let got = read_full(&mut self.input, &mut header).map_err(|e| self.error(start, e.to_string(), false))?;
        if got == 0 {
            return Ok(None);
        }
        if got < header.len() {
            return Err(self.error(start, "the file ends inside a record header".into(), true));
        }
        let (len_bytes, crc_bytes) = header.split_at(8);
        let len = u64::from_le_bytes(len_bytes.try_into().unwrap_or_default());
        let crc = u32::from_le_bytes(crc_bytes.try_into().unwrap_or_default());
        if masked_crc(len_bytes) != crc {
            return Err(self.error(start, "bad length checksum (not an event file, or corrupt)".into(), false));
        }
        if len > MAX_RECORD {
            return Err(self.error(
                start,
                format!("a record of {len} bytes, more than the {MAX_RECORD} accepted"),
                false,
            ));
        }
        let mut data = Vec::new();
        (&mut self.input).take(len).read_to_end(&mut data).map_err(|e| self.error(start, e.to_string(), false))?;
        let mut footer = [0u8; 4];
        let got = read_full(&mut self.input, &mut footer).map_err(|e| self.error(start, e.to_string(), false))?;
        if (data.len() as u64) < len || got < footer.len() {
            return Err(self.error(start, "the file ends inside a record".into(), true));
        }
        if masked_crc(&data) != u32::from_le_bytes(footer) {
            return Err(self.error(start, "bad data checksum (corrupt record)".into(), false));
        }
        self.offset = start + 12 + len + 4;
        Ok(Some(data))
    }

    fn error(&mut self, offset: u64, problem: String, truncated: bool) -> ReadError {
        self.failed = true;
        ReadError { offset, problem, truncated }
    }

    fn decode(&mut self, offset: u64, data: &[u8]) -> Result<Event, ReadError> {
        let raw = <proto::Event as prost::Message>::decode(data)
            .map_err(|e| self.error(offset, format!("a record that is not an Event ({e})"), false))?;
        let mut event = Event { wall_time: raw.wall_time, step: raw.step, values: Vec::new() };
        for value in raw.summary.map(|s| s.value).unwrap_or_default() {
            if let Some(plugin) = value.metadata.as_ref().and_then(|m| m.plugin_data.as_ref()) {
                self.plugins.insert(value.tag.clone(), plugin.plugin_name.clone());
            }
            let plugin = self.plugins.get(&value.tag).map(String::as_str);
            if let Some(found) = convert(value_parts(value), plugin) {
                event.values.push(found);
            }
        }
        Ok(event)
    }
}

impl<R: Read> Iterator for EventReader<R> {
    type Item = Result<Event, ReadError>;

    /// Events in file order; after an error, nothing more.
    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let offset = self.offset;
        match self.record() {
            Ok(None) => None,
            Ok(Some(data)) => Some(self.decode(offset, &data)),
            Err(e) => Some(Err(e)),
        }
    }
}

/// Fills `buf` as far as the input goes; returns how much was read.
fn read_full(input: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match input.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// TFRecord's masked CRC32C: rotated and offset so a CRC of data holding CRCs stays strong.
#[must_use]
pub fn masked_crc(data: &[u8]) -> u32 {
    let crc = crc32c::crc32c(data);
    crc.rotate_right(15).wrapping_add(0xa282_ead8)
}

/// Frames `data` as one TFRecord (for tests and fixtures).
#[cfg(test)]
#[must_use]
pub fn frame(data: &[u8]) -> Vec<u8> {
    let len = (data.len() as u64).to_le_bytes();
    let mut out = Vec::with_capacity(data.len() + 16);
    out.extend_from_slice(&len);
    out.extend_from_slice(&masked_crc(&len).to_le_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(&masked_crc(data).to_le_bytes());
    out
}

type Parts = (String, Option<f32>, Option<proto::Image>, Option<proto::Tensor>);

fn value_parts(value: proto::Value) -> Parts {
    (value.tag, value.simple_value, value.image, value.tensor)
}

/// TensorFlow's `DataType` numbers for the tensors read here.
const DT_FLOAT: i32 = 1;
const DT_DOUBLE: i32 = 2;
const DT_STRING: i32 = 7;

/// A summary value as a scalar or an image: old-style `simple_value` and `image`, and new-style
/// tensors of the `scalars` plugin (a float or double scalar) and the `images` plugin (strings:
/// width, height, then encoded images, of which the first is kept).
fn convert((tag, simple, image, tensor): Parts, plugin: Option<&str>) -> Option<Value> {
    if let Some(value) = simple {
        return Some(Value::Scalar { tag, value: f64::from(value) });
    }
    if let Some(image) = image {
        return Some(Value::Image { tag, data: image.encoded_image_string });
    }
    let tensor = tensor?;
    match plugin {
        Some("scalars") => {
            let value =
                match tensor.dtype {
                    DT_FLOAT => tensor.float_val.first().map(|v| f64::from(*v)).or_else(|| {
                        Some(f64::from(f32::from_le_bytes(tensor.tensor_content.get(..4)?.try_into().ok()?)))
                    }),
                    DT_DOUBLE => tensor
                        .double_val
                        .first()
                        .copied()
                        .or_else(|| Some(f64::from_le_bytes(tensor.tensor_content.get(..8)?.try_into().ok()?))),
                    _ => None,
                }?;
            Some(Value::Scalar { tag, value })
        }
        Some("images") if tensor.dtype == DT_STRING => {
            tensor.string_val.into_iter().nth(2).map(|data| Value::Image { tag, data })
        }
        _ => None,
    }
}

/// The parts of TensorFlow's `event.proto`, `summary.proto` and `tensor.proto` that git-exp
/// reads, with their field numbers.
mod proto {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Event {
        #[prost(double, tag = "1")]
        pub wall_time: f64,
        #[prost(int64, tag = "2")]
        pub step: i64,
        #[prost(message, optional, tag = "5")]
        pub summary: Option<Summary>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Summary {
        #[prost(message, repeated, tag = "1")]
        pub value: Vec<Value>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Value {
        #[prost(string, tag = "1")]
        pub tag: String,
        #[prost(float, optional, tag = "2")]
        pub simple_value: Option<f32>,
        #[prost(message, optional, tag = "4")]
        pub image: Option<Image>,
        #[prost(message, optional, tag = "8")]
        pub tensor: Option<Tensor>,
        #[prost(message, optional, tag = "9")]
        pub metadata: Option<Metadata>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Image {
        #[prost(int32, tag = "1")]
        pub height: i32,
        #[prost(int32, tag = "2")]
        pub width: i32,
        #[prost(bytes = "vec", tag = "4")]
        pub encoded_image_string: Vec<u8>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Metadata {
        #[prost(message, optional, tag = "1")]
        pub plugin_data: Option<PluginData>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct PluginData {
        #[prost(string, tag = "1")]
        pub plugin_name: String,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Tensor {
        #[prost(int32, tag = "1")]
        pub dtype: i32,
        #[prost(bytes = "vec", tag = "4")]
        pub tensor_content: Vec<u8>,
        #[prost(float, repeated, tag = "5")]
        pub float_val: Vec<f32>,
        #[prost(double, repeated, tag = "6")]
        pub double_val: Vec<f64>,
        #[prost(bytes = "vec", repeated, tag = "8")]
        pub string_val: Vec<Vec<u8>>,
    }

    /// Builds events for tests.
    #[cfg(test)]
    pub fn scalar_event(wall_time: f64, step: i64, tag: &str, value: f32) -> Vec<u8> {
        let value = Value { tag: tag.into(), simple_value: Some(value), ..Default::default() };
        let event = Event { wall_time, step, summary: Some(Summary { value: vec![value] }) };
        prost::Message::encode_to_vec(&event)
    }

    #[cfg(test)]
    pub fn tensor_event(step: i64, tag: &str, plugin: Option<&str>, tensor: Tensor) -> Vec<u8> {
        let metadata = plugin.map(|p| Metadata { plugin_data: Some(PluginData { plugin_name: p.into() }) });
        let value = Value { tag: tag.into(), tensor: Some(tensor), metadata, ..Default::default() };
        let event = Event { wall_time: 1.5, step, summary: Some(Summary { value: vec![value] }) };
        prost::Message::encode_to_vec(&event)
    }
}

#[cfg(test)]
pub use proto::scalar_event;

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(bytes: &[u8]) -> Vec<Result<Event, ReadError>> {
        EventReader::new(bytes).collect()
    }

    #[test]
    fn masked_crc_matches_tensorflow() {
        // From TensorFlow's crc32c_test: crc32c("a") = 0xc1d04330, masked by hand.
        assert_eq!(crc32c::crc32c(b"a"), 0xc1d0_4330);
        assert_eq!(masked_crc(b"a"), 0xc1d0_4330u32.rotate_right(15).wrapping_add(0xa282_ead8));
    }

    #[test]
    fn reads_scalars_old_and_new_style() {
        let mut file = frame(&scalar_event(10.0, 3, "loss", 0.5));
        let float = proto::Tensor { dtype: DT_FLOAT, float_val: vec![2.5], ..Default::default() };
        file.extend(frame(&proto::tensor_event(4, "acc", Some("scalars"), float)));
        let content =
            proto::Tensor { dtype: DT_DOUBLE, tensor_content: 0.25f64.to_le_bytes().to_vec(), ..Default::default() };
        // The plugin is known from the tag's first value.
        file.extend(frame(&proto::tensor_event(5, "acc", None, content)));
        let other = proto::Tensor { dtype: DT_FLOAT, float_val: vec![1.0], ..Default::default() };
        file.extend(frame(&proto::tensor_event(5, "hist", Some("histograms"), other)));
        let events: Vec<Event> = read_all(&file).into_iter().map(|e| e.expect("valid")).collect();
        assert_eq!(
            events[0],
            Event { wall_time: 10.0, step: 3, values: vec![Value::Scalar { tag: "loss".into(), value: 0.5 }] }
        );
        assert_eq!(events[1].values, vec![Value::Scalar { tag: "acc".into(), value: 2.5 }]);
        assert_eq!(events[2].values, vec![Value::Scalar { tag: "acc".into(), value: 0.25 }]);
        assert!(events[3].values.is_empty());
    }

    #[test]
    fn new_style_images_keep_the_first() {
        let strings = vec![b"2".to_vec(), b"1".to_vec(), b"PNG1".to_vec(), b"PNG2".to_vec()];
        let tensor = proto::Tensor { dtype: DT_STRING, string_val: strings, ..Default::default() };
        let file = frame(&proto::tensor_event(1, "img", Some("images"), tensor));
        let event = read_all(&file).remove(0).expect("valid");
        assert_eq!(event.values, vec![Value::Image { tag: "img".into(), data: b"PNG1".to_vec() }]);
    }

    #[test]
    fn corruption_is_an_error_at_its_offset() {
        let first = frame(&scalar_event(1.0, 0, "a", 1.0));
        let mut file = first.clone();
        file.extend(frame(&scalar_event(2.0, 1, "a", 2.0)));
        let at = first.len() as u64;
        let mut bad = file.clone();
        bad[first.len() + 14] ^= 0xff;
        let results = read_all(&bad);
        assert!(results[0].is_ok());
        let err = results[1].clone().expect_err("corrupt");
        assert_eq!((err.offset, err.truncated), (at, false), "{err}");
        assert!(err.problem.contains("data checksum"), "{err}");
        assert_eq!(results.len(), 2, "nothing after an error");

        let cut = read_all(&file[..file.len() - 3]);
        assert!(cut[1].as_ref().expect_err("cut").truncated);

        let mut huge = (MAX_RECORD + 1).to_le_bytes().to_vec();
        huge.extend(masked_crc(&huge).to_le_bytes());
        let err = read_all(&huge).remove(0).expect_err("too big");
        assert!(err.problem.contains("more than"), "{err}");
        assert!(read_all(b"").is_empty());
    }
}

/// Property tests: any bytes are events or one error, never a panic or a huge allocation.
#[cfg(test)]
mod props {
    use proptest::prelude::*;

    use super::*;

    fn files() -> impl Strategy<Value = Vec<u8>> {
        let valid = frame(&scalar_event(1.0, 2, "loss", 0.5));
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..256),
            // Valid framing around random data: exercises the protobuf decoder.
            proptest::collection::vec(any::<u8>(), 0..128).prop_map(|data| frame(&data)),
            // A valid file with a few bytes flipped or cut.
            (proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4), 0usize..40).prop_map(
                move |(flips, cut)| {
                    let mut file = valid.repeat(2);
                    for (at, byte) in flips {
                        let i = at.index(file.len());
                        file[i] ^= byte;
                    }
                    file.truncate(file.len().saturating_sub(cut));
                    file
                }
            ),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn any_bytes_are_events_or_one_error(file in files()) {
            let results: Vec<_> = EventReader::new(file.as_slice()).collect();
            let errors = results.iter().filter(|r| r.is_err()).count();
            prop_assert!(errors <= 1);
            if errors == 1 {
                prop_assert!(results.last().is_some_and(Result::is_err));
            }
        }
    }
}
