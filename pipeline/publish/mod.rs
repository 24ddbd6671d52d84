//! Publish: everything a run changes in the file system outside the store: files taken from
//! the drop folder and moved, never deleted or overwritten, into the archive or the quarantine
//! (with a `.reason.txt` beside each quarantined file) ([`intake`]), and the run's outputs
//! made current together ([`release`]). Writing a file whole is [`crate::fs`]'s.

pub mod intake;
pub mod release;
