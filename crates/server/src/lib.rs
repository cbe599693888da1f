//! Tern IM server (work in progress).
