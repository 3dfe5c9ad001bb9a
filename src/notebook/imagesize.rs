//! Width and height from image headers, for summaries like `image/png 640×480`. Reading a
//! few header bytes beats pulling in an image crate for one number pair.

/// Returns `(width, height)` for PNG, GIF and baseline/progressive JPEG data, else `None`.
pub(super) fn dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        // The IHDR chunk always comes first: length, "IHDR", width, height (big-endian).
        let width = u32::from_be_bytes(bytes.get(16..20)?.try_into().ok()?);
        let height = u32::from_be_bytes(bytes.get(20..24)?.try_into().ok()?);
        return Some((width, height));
    }
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        let width = u16::from_le_bytes(bytes.get(6..8)?.try_into().ok()?);
        let height = u16::from_le_bytes(bytes.get(8..10)?.try_into().ok()?);
        return Some((u32::from(width), u32::from(height)));
    }
    if bytes.starts_with(&[0xFF, 0xD8]) {
        return jpeg_dimensions(bytes);
    }
    None
}

/// Returns true when PNG, JPEG or GIF data is cut short: a PNG chunk runs past the end or no
/// `IEND` chunk comes, a JPEG lacks its end-of-image marker, a GIF its trailer byte. Other
/// formats are not checked (false).
pub(super) fn truncated(bytes: &[u8]) -> bool {
    if let Some(mut rest) = bytes.strip_prefix(b"\x89PNG\r\n\x1a\n") {
        // Chunks: length (4, big-endian), type (4), data, CRC (4); the last is IEND.
        loop {
            let Some((len, kind)) = rest.get(..4).zip(rest.get(4..8)) else { return true };
            let len = u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize;
            let Some(next) = len.checked_add(12).and_then(|end| rest.get(end..)) else { return true };
            if kind == b"IEND" {
                return false;
            }
            rest = next;
        }
    }
    // Some encoders pad the end with zero bytes.
    let end = bytes.iter().rposition(|&b| b != 0).map_or(&bytes[..0], |k| &bytes[..=k]);
    if bytes.starts_with(&[0xFF, 0xD8]) {
        return !end.ends_with(&[0xFF, 0xD9]);
    }
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        return !end.ends_with(&[0x3B]);
    }
    false
}

/// Walks JPEG segments to the first start-of-frame marker, which holds the size.
fn jpeg_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    let mut at = 2;
    loop {
        if *bytes.get(at)? != 0xFF {
            return None;
        }
        let marker = *bytes.get(at + 1)?;
        // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
        if (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            let height = u16::from_be_bytes(bytes.get(at + 5..at + 7)?.try_into().ok()?);
            let width = u16::from_be_bytes(bytes.get(at + 7..at + 9)?.try_into().ok()?);
            return Some((u32::from(width), u32::from(height)));
        }
        let len = u16::from_be_bytes(bytes.get(at + 2..at + 4)?.try_into().ok()?);
        at += 2 + usize::from(len);
    }
}

#[cfg(test)]
mod tests {
    use super::{dimensions, truncated};

    #[test]
    fn reads_png_gif_and_jpeg_headers() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend_from_slice(&640u32.to_be_bytes());
        png.extend_from_slice(&480u32.to_be_bytes());
        assert_eq!(dimensions(&png), Some((640, 480)));
        assert_eq!(dimensions(b"GIF89a\x02\x00\x03\x00"), Some((2, 3)));
        // SOI, an APP0 segment of length 4, then SOF0 with height 7 and width 9.
        let jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0, 0, 0xFF, 0xC0, 0, 11, 8, 0, 7, 0, 9];
        assert_eq!(dimensions(&jpeg), Some((9, 7)));
        assert_eq!(dimensions(b"\x89PNG\r\n\x1a\n\0\0"), None, "truncated header");
        assert_eq!(dimensions(b"not an image"), None);
    }

    #[test]
    fn notices_truncation() {
        let chunk = |kind: &[u8], data: &[u8]| {
            let mut c = (data.len() as u32).to_be_bytes().to_vec();
            c.extend_from_slice(kind);
            c.extend_from_slice(data);
            c.extend_from_slice(&[0; 4]);
            c
        };
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend(chunk(b"IHDR", &[0; 13]));
        png.extend(chunk(b"IDAT", &[1; 40]));
        png.extend(chunk(b"IEND", &[]));
        assert!(!truncated(&png));
        for cut in [png.len() - 1, png.len() - 12, 40, 9] {
            assert!(truncated(&png[..cut]), "cut at {cut}");
        }
        let mut huge = b"\x89PNG\r\n\x1a\n".to_vec();
        huge.extend_from_slice(&[0xFF; 8]);
        assert!(truncated(&huge), "a length past the end");
        assert!(!truncated(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 2, 0xFF, 0xD9]));
        assert!(truncated(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 2, 0xFF]));
        assert!(!truncated(b"GIF89a\x02\x00\x03\x00;\0\0"));
        assert!(truncated(b"GIF89a\x02\x00\x03\x00"));
        assert!(!truncated(b"%PDF-1.4 anything"));
    }
}
