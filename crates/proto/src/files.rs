//! Files over HTTP (`POST /files`, `GET /files/{id}`): the shared constants and
//! the display-name rule both ends apply to a client-supplied file name.
//!
//! A file name is display data only: the server stores blobs under their
//! sha256, and clients save downloads under a name passed through
//! [`sanitize_file_name`], so no name can become a path.

use serde::{Deserialize, Serialize};

use crate::FileRef;

/// Path of the upload endpoint; a download is `GET {FILES_PATH}/{id}`.
pub const FILES_PATH: &str = "/files";

/// Request header carrying the file's name, percent-encoded UTF-8.
pub const FILE_NAME_HEADER: &str = "x-file-name";

/// Longest sanitised name, in bytes (below every common file system's 255).
pub const MAX_FILE_NAME_BYTES: usize = 200;

/// The answer to an upload: the [`FileRef`] to put in a message, plus the
/// content's sha256 (lower-case hex; also the download's `ETag`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Uploaded {
    /// The reference to send in an image/file/audio/video message.
    #[serde(flatten)]
    pub file: FileRef,
    /// sha256 of the bytes, lower-case hex.
    pub sha256: String,
}

/// Turns any client-supplied name into a harmless display name that is also a
/// valid single file name: the last path component only (`/` and `\` both
/// separate), no control or bidi-override characters, no leading dots or
/// surrounding spaces, at most [`MAX_FILE_NAME_BYTES`] bytes (the extension is
/// kept when the stem is cut), and `file` when nothing is left.
pub fn sanitize_file_name(raw: &str) -> String {
    let last = raw
        .rsplit(['/', '\\'])
        .find(|part| !part.trim().is_empty())
        .unwrap_or("");
    let cleaned: String = last
        .chars()
        .filter(|&c| !c.is_control() && !is_bidi_or_invisible(c))
        .collect();
    let trimmed = cleaned
        .trim()
        .trim_start_matches('.')
        .trim_end_matches(['.', ' '])
        .trim();
    if trimmed.is_empty() {
        return "file".to_string();
    }
    if trimmed.len() <= MAX_FILE_NAME_BYTES {
        return trimmed.to_string();
    }
    // Keep a short extension, cut the stem at a character boundary.
    let ext = trimmed
        .rfind('.')
        .map(|i| &trimmed[i..])
        .filter(|e| e.len() <= 16)
        .unwrap_or("");
    let budget = MAX_FILE_NAME_BYTES - ext.len();
    let stem = &trimmed[..trimmed.len() - ext.len()];
    let mut cut = budget.min(stem.len());
    while !stem.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{ext}", stem[..cut].trim_end())
}

/// Characters that reorder or hide text (a name like `exe.txt` spoofed as
/// `txt.exe`), which `char::is_control` does not cover.
fn is_bidi_or_invisible(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_never_become_paths() {
        assert_eq!(sanitize_file_name("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_file_name("..\\..\\boot.ini"), "boot.ini");
        assert_eq!(sanitize_file_name("a/b/"), "b");
        assert_eq!(sanitize_file_name(".."), "file");
        assert_eq!(sanitize_file_name("/"), "file");
        assert_eq!(sanitize_file_name(""), "file");
        assert_eq!(sanitize_file_name(".bashrc"), "bashrc");
        assert_eq!(sanitize_file_name("evil\0name.txt"), "evilname.txt");
        assert_eq!(sanitize_file_name("a\nb\u{202E}txt.exe"), "abtxt.exe");
        assert_eq!(
            sanitize_file_name("  report final.pdf  "),
            "report final.pdf"
        );
        assert_eq!(sanitize_file_name("猫.png"), "猫.png");
    }

    #[test]
    fn long_names_are_cut_keeping_the_extension() {
        let long = format!("{}.jpeg", "é".repeat(5000));
        let s = sanitize_file_name(&long);
        assert!(s.len() <= MAX_FILE_NAME_BYTES, "{}", s.len());
        assert!(s.ends_with(".jpeg"));
        assert!(s.starts_with('é'));
        let s = sanitize_file_name(&"x".repeat(10_000));
        assert_eq!(s.len(), MAX_FILE_NAME_BYTES);
    }
}
