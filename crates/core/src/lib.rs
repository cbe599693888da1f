//! Tern client SDK (work in progress).
