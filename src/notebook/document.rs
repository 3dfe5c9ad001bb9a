//! Reading a notebook document one cell at a time. Deserialising the whole file into one
//! `serde_json::Value` tree would hold every cell's JSON (images are most of a notebook's bytes)
//! beside the file bytes until the last cell is converted; this reader converts each cell as soon
//! as it is read and drops that cell's tree, so the parse holds the file bytes and the model,
//! plus one cell. With `lean`, images are reduced to their digest and size as each cell is read.

use std::fmt;

use serde::Deserialize as _;
use serde::Deserializer as _;
use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::model::{Cell, Image, MimeBundle, MimeData, Output, is_binary_mime};

/// The parts of a notebook's top-level object that the diff reads, as found in the document.
/// Shapes that are not a notebook are kept as what they were (`Shape::Not`), for the error.
#[derive(Default)]
pub(super) struct Top {
    pub nbformat: Option<Value>,
    pub nbformat_minor: Option<Value>,
    pub metadata: Option<Value>,
    pub cells: Option<Cells>,
    pub worksheets: Option<Sheets>,
}

/// What a document is when it is not an object (`a list`, ...), or the object's parts.
pub(super) enum Document {
    Object(Box<Top>),
    Not(&'static str),
}

/// A `cells` list: its cells, or why it is not one.
pub(super) enum Cells {
    List(Vec<Cell>),
    /// `cells` is not a list: what it is.
    NotAList(&'static str),
    /// The first entry that is not an object: its 0-based index and what it is.
    BadCell(usize, &'static str),
}

/// nbformat 3's `worksheets`: the `cells` of each sheet that has a list of them.
pub(super) enum Sheets {
    List(Vec<Cells>),
    NotAList,
}

/// Reads a document from JSON text. `convert` turns one cell object into a [`Cell`] (parse.rs).
pub(super) fn read(bytes: &[u8], convert: &Convert) -> Result<Document, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let document = de.deserialize_any(DocumentVisitor { convert })?;
    de.end()?;
    Ok(document)
}

/// [`read`] from a reader, as it goes: the document's bytes are never all in memory.
pub(super) fn read_from(reader: impl std::io::Read, convert: &Convert) -> Result<Document, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_reader(reader);
    let document = de.deserialize_any(DocumentVisitor { convert })?;
    de.end()?;
    Ok(document)
}

/// What the reader calls to turn JSON into model parts (parse.rs holds the rules).
pub(super) trait Build {
    /// One cell object, its `outputs` already read (nbformat 4) or still in it (nbformat 3).
    fn cell(&self, cell: Map<String, Value>, outputs: Option<Vec<Output>>, v3: bool) -> Cell;
    /// One nbformat 4 output, its `data` already read when it was an object.
    fn output(&self, output: Value, data: Option<MimeBundle>) -> Output;
    /// One mime bundle entry read as JSON.
    fn mime(&self, mime: &str, value: Value) -> MimeData;
    /// An image's base64 text, straight from the document (borrowed when it has no escapes).
    fn image(&self, base64: &str) -> Image;
}

pub(super) type Convert = dyn Build;

/// The JSON kind of what a visitor was given, in the words of the error messages.
fn kind<E>(what: &'static str) -> Result<&'static str, E> {
    Ok(what)
}

/// Implements every non-map, non-list `visit_*` as "it is a `<kind>`", for visitors that only
/// accept one shape and report the others.
macro_rules! other_shapes {
    ($value:ty, $wrap:expr) => {
        fn visit_bool<E>(self, _: bool) -> Result<$value, E> {
            kind("a boolean").map($wrap)
        }
        fn visit_i64<E>(self, _: i64) -> Result<$value, E> {
            kind("a number").map($wrap)
        }
        fn visit_u64<E>(self, _: u64) -> Result<$value, E> {
            kind("a number").map($wrap)
        }
        fn visit_f64<E>(self, _: f64) -> Result<$value, E> {
            kind("a number").map($wrap)
        }
        fn visit_str<E>(self, _: &str) -> Result<$value, E> {
            kind("a string").map($wrap)
        }
        fn visit_unit<E>(self) -> Result<$value, E> {
            kind("null").map($wrap)
        }
    };
}

struct DocumentVisitor<'c> {
    convert: &'c Convert,
}

impl<'de> Visitor<'de> for DocumentVisitor<'_> {
    type Value = Document;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a notebook object")
    }

    other_shapes!(Document, Document::Not);

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Document, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Document::Not("a list"))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Document, A::Error> {
        let mut top = Top::default();
        // A repeated key: the last one wins, as in serde_json's `Value` and Python's json.
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "nbformat" => top.nbformat = Some(map.next_value()?),
                "nbformat_minor" => top.nbformat_minor = Some(map.next_value()?),
                "metadata" => top.metadata = Some(map.next_value()?),
                "cells" => top.cells = Some(map.next_value_seed(CellsSeed { convert: self.convert, v3: false })?),
                "worksheets" => top.worksheets = Some(map.next_value_seed(SheetsSeed { convert: self.convert })?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Document::Object(Box::new(top)))
    }
}

/// Reads a `cells` list, converting each cell as it comes.
#[derive(Clone, Copy)]
struct CellsSeed<'c> {
    convert: &'c Convert,
    v3: bool,
}

impl<'de> DeserializeSeed<'de> for CellsSeed<'_> {
    type Value = Cells;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Cells, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for CellsSeed<'_> {
    type Value = Cells;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of cells")
    }

    other_shapes!(Cells, Cells::NotAList);

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Cells, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Cells::NotAList("an object"))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Cells, A::Error> {
        let mut cells = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        let mut bad = None;
        loop {
            // nbformat 4 cells are read part by part (outputs, their images); nbformat 3 cells,
            // rare and small, as one JSON value.
            let read = if self.v3 {
                seq.next_element::<Value>()?.map(|value| match value {
                    Value::Object(cell) => Ok(self.convert.cell(cell, None, true)),
                    other => Err(value_kind(&other)),
                })
            } else {
                seq.next_element_seed(CellSeed { build: self.convert })?
            };
            match (read, bad) {
                (None, _) => break,
                (Some(Ok(cell)), None) => cells.push(cell),
                (Some(Err(what)), None) => bad = Some((cells.len(), what)),
                // After a bad entry the rest is only read through, for JSON errors further on.
                (Some(_), Some(_)) => {}
            }
        }
        Ok(match bad {
            Some((index, what)) => Cells::BadCell(index, what),
            None => Cells::List(cells),
        })
    }
}

/// Reads nbformat 3's `worksheets`: a list of objects with a `cells` list each.
struct SheetsSeed<'c> {
    convert: &'c Convert,
}

impl<'de> DeserializeSeed<'de> for SheetsSeed<'_> {
    type Value = Sheets;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Sheets, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for SheetsSeed<'_> {
    type Value = Sheets;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of worksheets")
    }

    other_shapes!(Sheets, |_| Sheets::NotAList);

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Sheets, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Sheets::NotAList)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Sheets, A::Error> {
        let mut sheets = Vec::new();
        while let Some(cells) = seq.next_element_seed(SheetSeed { convert: self.convert })? {
            sheets.extend(cells);
        }
        Ok(Sheets::List(sheets))
    }
}

/// One worksheet: its `cells`, when it is an object that has them.
struct SheetSeed<'c> {
    convert: &'c Convert,
}

impl<'de> DeserializeSeed<'de> for SheetSeed<'_> {
    type Value = Option<Cells>;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Option<Cells>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for SheetSeed<'_> {
    type Value = Option<Cells>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a worksheet")
    }

    other_shapes!(Option<Cells>, |_| None);

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<Cells>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<Cells>, A::Error> {
        let mut cells = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == "cells" {
                cells = Some(map.next_value_seed(CellsSeed { convert: self.convert, v3: true })?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        // As before this reader: a sheet whose `cells` is not a list is skipped.
        Ok(cells.filter(|c| !matches!(c, Cells::NotAList(_))))
    }
}

/// Builds a JSON value from whatever a visitor was given, for the parts read as plain JSON.
macro_rules! as_value {
    ($value:ty, $finish:ident) => {
        fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<$value, E> {
            Ok(self.$finish(Value::Bool(v)))
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<$value, E> {
            Ok(self.$finish(Value::from(v)))
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<$value, E> {
            Ok(self.$finish(Value::from(v)))
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<$value, E> {
            Ok(self.$finish(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)))
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$value, E> {
            Ok(self.$finish(Value::String(v.to_owned())))
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<$value, E> {
            Ok(self.$finish(Value::Null))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<$value, A::Error> {
            Ok(self.$finish(Value::deserialize(SeqAccessDeserializer::new(seq))?))
        }
    };
}

/// One nbformat 4 cell: its outputs read as they come, the rest as JSON.
#[derive(Clone, Copy)]
struct CellSeed<'c> {
    build: &'c Convert,
}

impl<'de> DeserializeSeed<'de> for CellSeed<'_> {
    type Value = Result<Cell, &'static str>;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl CellSeed<'_> {
    fn not_a_cell(self, value: Value) -> Result<Cell, &'static str> {
        Err(value_kind(&value))
    }
}

impl<'de> Visitor<'de> for CellSeed<'_> {
    type Value = Result<Cell, &'static str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a cell")
    }

    as_value!(Result<Cell, &'static str>, not_a_cell);

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut cell = Map::new();
        let mut outputs = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == "outputs" {
                outputs = Some(map.next_value_seed(OutputsSeed { build: self.build })?);
            } else {
                let value = map.next_value::<Value>()?;
                cell.insert(key, value);
            }
        }
        Ok(Ok(self.build.cell(cell, Some(outputs.unwrap_or_default()), false)))
    }
}

/// A cell's `outputs`: each read as it comes; anything but a list is no outputs.
#[derive(Clone, Copy)]
struct OutputsSeed<'c> {
    build: &'c Convert,
}

impl<'de> DeserializeSeed<'de> for OutputsSeed<'_> {
    type Value = Vec<Output>;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Vec<Output>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl OutputsSeed<'_> {
    fn none(self, _: Value) -> Vec<Output> {
        Vec::new()
    }
}

impl<'de> Visitor<'de> for OutputsSeed<'_> {
    type Value = Vec<Output>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of outputs")
    }

    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Vec<Output>, E> {
        Ok(Vec::new())
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Vec<Output>, E> {
        Ok(Vec::new())
    }
    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Vec<Output>, E> {
        Ok(Vec::new())
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Vec<Output>, E> {
        Ok(Vec::new())
    }
    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<Vec<Output>, E> {
        Ok(Vec::new())
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Vec<Output>, E> {
        Ok(Vec::new())
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Vec<Output>, A::Error> {
        Ok(self.none(Value::deserialize(MapAccessDeserializer::new(map))?))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Output>, A::Error> {
        let mut outputs = Vec::new();
        while let Some(output) = seq.next_element_seed(OutputSeed { build: self.build })? {
            outputs.push(output);
        }
        Ok(outputs)
    }
}

/// One output: its `data` bundle read as it comes (images hashed straight from the document),
/// the rest as JSON.
#[derive(Clone, Copy)]
struct OutputSeed<'c> {
    build: &'c Convert,
}

impl<'de> DeserializeSeed<'de> for OutputSeed<'_> {
    type Value = Output;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Output, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl OutputSeed<'_> {
    fn plain(self, value: Value) -> Output {
        self.build.output(value, None)
    }
}

impl<'de> Visitor<'de> for OutputSeed<'_> {
    type Value = Output;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an output")
    }

    as_value!(Output, plain);

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Output, A::Error> {
        let mut output = Map::new();
        let mut data = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == "data" {
                match map.next_value_seed(BundleSeed { build: self.build })? {
                    Ok(bundle) => {
                        output.shift_remove("data");
                        data = Some(bundle);
                    }
                    // A bare string or list there: parse.rs reads it as `text/plain`.
                    Err(value) => {
                        data = None;
                        output.insert(key, value);
                    }
                }
            } else {
                let value = map.next_value::<Value>()?;
                output.insert(key, value);
            }
        }
        Ok(self.build.output(Value::Object(output), data))
    }
}

/// A `data` mime bundle: the bundle when it is an object, else the JSON it is.
#[derive(Clone, Copy)]
struct BundleSeed<'c> {
    build: &'c Convert,
}

impl<'de> DeserializeSeed<'de> for BundleSeed<'_> {
    type Value = Result<MimeBundle, Value>;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl BundleSeed<'_> {
    fn other(self, value: Value) -> Result<MimeBundle, Value> {
        Err(value)
    }
}

impl<'de> Visitor<'de> for BundleSeed<'_> {
    type Value = Result<MimeBundle, Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mime bundle")
    }

    as_value!(Result<MimeBundle, Value>, other);

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries: Vec<(String, MimeData)> = Vec::new();
        while let Some(mime) = map.next_key::<String>()? {
            let data = if is_binary_mime(&mime) {
                match map.next_value_seed(ImageSeed { build: self.build })? {
                    Ok(image) => MimeData::Image(image),
                    Err(value) => self.build.mime(&mime, value),
                }
            } else {
                let value = map.next_value::<Value>()?;
                self.build.mime(&mime, value)
            };
            // A repeated key: the last value in the first key's place, as serde_json's map.
            match entries.iter_mut().find(|(m, _)| *m == mime) {
                Some(entry) => entry.1 = data,
                None => entries.push((mime, data)),
            }
        }
        Ok(Ok(MimeBundle(entries)))
    }
}

/// An image's value: hashed straight from the document when it is one string (the usual form,
/// borrowed when it has no escapes), else the JSON it is.
#[derive(Clone, Copy)]
struct ImageSeed<'c> {
    build: &'c Convert,
}

impl<'de> DeserializeSeed<'de> for ImageSeed<'_> {
    type Value = Result<Image, Value>;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl ImageSeed<'_> {
    fn other(self, value: Value) -> Result<Image, Value> {
        Err(value)
    }
}

impl<'de> Visitor<'de> for ImageSeed<'_> {
    type Value = Result<Image, Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("base64 text")
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(self.other(Value::Bool(v)))
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(self.other(Value::from(v)))
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(self.other(Value::from(v)))
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(self.other(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)))
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Ok(self.build.image(v)))
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(self.other(Value::Null))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Ok(self.other(Value::deserialize(SeqAccessDeserializer::new(seq))?))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Ok(self.other(Value::deserialize(MapAccessDeserializer::new(map))?))
    }
}

/// The JSON kind of a value, in the words of the error messages.
pub(super) fn value_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}
