//! `ClientFrame::decode` (what the server runs on every WebSocket text frame)
//! must never panic, and every frame it accepts must survive encode → decode
//! unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tern_proto::ClientFrame;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(frame) = ClientFrame::decode(&text) {
        let encoded = frame.encode();
        let again = ClientFrame::decode(&encoded)
            .unwrap_or_else(|e| panic!("re-encoded frame {encoded} rejected: {e:?}"));
        assert_eq!(again, frame, "round trip changed the frame: {encoded}");
    }
});
