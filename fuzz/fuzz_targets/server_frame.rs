//! `ServerFrame::decode` (what tern-core runs on every frame from a server,
//! which may be hostile) must never panic; what it accepts must survive
//! encode → decode unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tern_proto::ServerFrame;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(frame) = ServerFrame::decode(&text) {
        let encoded = frame.encode();
        let again = ServerFrame::decode(&encoded)
            .unwrap_or_else(|e| panic!("re-encoded frame {encoded} rejected: {e}"));
        assert_eq!(again, frame, "round trip changed the frame: {encoded}");
    }
});
