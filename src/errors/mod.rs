//! What goes wrong, as one typed error, and how the API key is kept out of
//! everything an error carries, even when a server echoes it encoded.

pub(crate) mod api_message;
pub(crate) mod echo_decoding;
pub(crate) mod error;
pub(crate) mod error_for_test;
pub(crate) mod key_redactor;

pub use error::{Error, ErrorKind};
