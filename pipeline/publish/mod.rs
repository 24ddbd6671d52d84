//! Publish: everything a run changes in the file system outside the store: files taken from
//! the drop folder and moved, never deleted or overwritten, into the archive or the quarantine
//! (with a `.reason.txt` beside each quarantined file) ([`intake`]), and the run's outputs
//! made current together ([`release`]); sign-off of a period's figures ([`approve`]). Writing a file whole is [`crate::fs`]'s.

pub mod approve;
pub mod intake;
pub mod release;
