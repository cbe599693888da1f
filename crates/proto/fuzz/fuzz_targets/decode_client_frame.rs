//! `ClientFrame::decode` must never panic on any input, and every frame it
//! accepts must survive an encode/decode round trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tern_proto::ClientFrame;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(frame) = ClientFrame::decode(text) {
        let again = ClientFrame::decode(&frame.encode()).expect("accepted frames re-encode validly");
        assert_eq!(again, frame);
    }
});
