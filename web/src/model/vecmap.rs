//! [`VecMap`]: the core's small ordered map on a sorted `Vec` (see
//! [`replscope_core::vecmap`]), used by the view model.

pub use replscope_core::vecmap::VecMap;
