//! What a `tracing-subscriber` fmt layer writes, kept for assertions:
//! shared by the test binaries that install subscribers (each uses part).
#![allow(dead_code)]

use std::{
    io::Write,
    sync::{Arc, Mutex},
};

/// A writer whose clones append to one buffer.
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    /// Forgets what was written.
    pub fn clear(&self) {
        self.0.lock().unwrap().clear();
    }

    /// Everything written so far, as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
