"""Images, tables and text as artifact files (docs/FORMAT.md "Logged media"), standard library only.

Images: a file path (png/jpg/gif/svg/webp), a PIL image, a matplotlib figure, or a numpy-like array
(HxW, HxWx1, HxWx3, HxWx4; uint8 as is, floats taken as 0..1, bools as black/white) written as PNG
with zlib. Tables: a list of dicts, a list of rows with `columns`, or a pandas DataFrame, as CSV.
"""

import csv
import io
import os
import struct
import zlib

IMAGE_EXTENSIONS = {"png": "png", "jpg": "jpg", "jpeg": "jpg", "gif": "gif", "svg": "svg", "webp": "webp"}
# An image is bounded: a mistaken 100k x 100k array should fail, not fill the disk.
MAX_PIXELS = 64 * 1024 * 1024


def image_bytes(image):
    """Returns (data, extension) for an image in any of the supported forms."""
    if isinstance(image, (str, os.PathLike)):
        path = os.fspath(image)
        ext = IMAGE_EXTENSIONS.get(os.path.splitext(path)[1].lower().lstrip("."))
        if ext is None:
            raise ValueError(f"image file {path!r}: expected .png, .jpg, .gif, .svg or .webp")
        if not os.path.isfile(path):
            raise FileNotFoundError(f"image file {path!r} does not exist")
        with open(path, "rb") as f:
            return f.read(), ext
    module = type(image).__module__ or ""
    if hasattr(image, "savefig"):  # a matplotlib Figure
        buf = io.BytesIO()
        image.savefig(buf, format="png")
        return buf.getvalue(), "png"
    if module.startswith("PIL.") and hasattr(image, "save"):
        buf = io.BytesIO()
        if image.mode not in ("L", "LA", "RGB", "RGBA", "1", "P"):
            image = image.convert("RGBA")
        image.save(buf, format="PNG")
        return buf.getvalue(), "png"
    if hasattr(image, "shape") and hasattr(image, "dtype"):
        return array_png(image), "png"
    raise TypeError(
        f"log_image() takes a file path, a PIL image, a matplotlib figure or a numpy array, not {type(image).__name__}"
    )


def array_png(array):
    """Encodes a numpy-like array as PNG (8 bits per channel)."""
    shape = tuple(array.shape)
    if len(shape) == 3 and shape[2] == 1:
        array = array.reshape(shape[:2])
        shape = shape[:2]
    if len(shape) == 2:
        channels = 1
    elif len(shape) == 3 and shape[2] in (3, 4):
        channels = shape[2]
    else:
        raise ValueError(f"image array of shape {shape}: expected HxW, HxWx1, HxWx3 or HxWx4")
    height, width = shape[0], shape[1]
    if height == 0 or width == 0 or height * width > MAX_PIXELS:
        raise ValueError(f"image array of shape {shape}: 1 to {MAX_PIXELS} pixels")
    kind = array.dtype.kind
    if kind == "b":
        array = array.astype("uint8") * 255
    elif kind == "f":
        array = (array.clip(0.0, 1.0) * 255.0).round()
    elif kind in "iu":
        array = array.clip(0, 255)
    else:
        raise TypeError(f"image array of dtype {array.dtype}: expected numbers or bools")
    raw = array.astype("uint8").copy(order="C").tobytes()
    stride = width * channels
    rows = b"".join(b"\x00" + raw[y * stride : (y + 1) * stride] for y in range(height))
    color_type = {1: 0, 3: 2, 4: 6}[channels]
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(rows, 6)) + _chunk(b"IEND", b"")


def _chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def table_csv(data, columns=None):
    """CSV text of a list of dicts, a list of rows (with `columns`) or a pandas DataFrame."""
    if hasattr(data, "to_csv") and hasattr(data, "columns"):
        return data.to_csv(index=False)
    rows = list(data)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if rows and all(isinstance(r, dict) for r in rows):
        names = list(columns or [])
        for row in rows:
            names.extend(k for k in row if k not in names)
        writer.writerow(names)
        for row in rows:
            writer.writerow(["" if row.get(n) is None else row.get(n) for n in names])
        return out.getvalue()
    if any(isinstance(r, dict) for r in rows):
        raise TypeError("log_table(): rows must be all dicts or all sequences")
    if columns:
        writer.writerow(list(columns))
    for row in rows:
        if isinstance(row, (str, bytes)) or not hasattr(row, "__iter__"):
            raise TypeError(f"log_table(): a row must be a dict or a sequence, not {type(row).__name__}")
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue()
