//! Commands of this group (being filled in).

use super::CommandSpec;

pub(crate) static COMMANDS: &[CommandSpec] = &[];
