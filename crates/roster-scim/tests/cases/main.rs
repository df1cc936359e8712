//! The data tests of roster-scim (STYLE rule 7: protocol tests are data).
//!
//! One module per subject turns a case of its files in `tests/data/` into
//! the text the code produces, and keeps the subject's tests that are not
//! data; [`runner`] reads the files, compares, reports and rewrites for all
//! of them, and describes the data-file format.
//!
//! `UPDATE_EXPECT=1 cargo test -p roster-scim --test cases` rewrites the
//! expected outputs from what the code does now; name a module
//! (`... --test cases patch::`) to refresh one subject. Review the diff.
//!
//! Each subject asserts at least as many cases as its files hold today, so
//! a data file deleted or renamed by mistake fails its test; raise the
//! floor when you add cases.

// Test helpers are plain functions, not `#[test]`s, so clippy's
// allow-in-tests settings do not reach them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod kitchen;
mod runner;

mod dialect;
mod filter;
mod lenient;
mod patch;
mod projection;
mod props;
mod query;
mod resource;
mod soup;
