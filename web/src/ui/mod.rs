//! The page's pieces: controls, the SVG topology, the panels. Plain functions that turn
//! the view model's [`Snapshot`](replscope_web::model::Snapshot) into HTML.

pub mod classroom;
pub mod controls;
pub mod el;
pub mod panels;
pub mod topology;
