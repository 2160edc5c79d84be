//! List values (Redis 7.0 stores every list as a `quicklist`).

use std::collections::VecDeque;

use super::value::Sds;

/// A list: a double-ended queue of elements.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListValue {
    /// The elements, head first.
    pub items: VecDeque<Sds>,
}
