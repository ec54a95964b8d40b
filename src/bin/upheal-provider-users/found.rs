//! What a scan of an input file yields, row by row: the one type the
//! readers of each format, the column-name suggestions and the checked
//! file all speak, kept apart so that none of them imports another for it.

use crate::{input_row::RawRow, problem::Problem};

/// What scanning a file finds, in file order.
#[derive(Debug)]
pub enum Found {
    /// A row's cells, with the line it starts on.
    Row(u64, RawRow),
    /// Blocks `apply`: nothing is sent while there is one.
    Problem(Problem),
    /// Worth reading, but nothing wrong with what will be sent.
    Note(Problem),
}
