//! A content-addressed cache of materialized entity schemas.
//!
//! The key hashes everything the result depends on (the DDL, the backend and
//! server version, this crate's version), so an entry can never be stale:
//! a changed entity is a different key. Entries live in the directory set by
//! [`set_dir`], else `AUTOGEN_CACHE_DIR`, else `$XDG_CACHE_HOME/autogen`,
//! else `~/.cache/autogen`. Any failure to read or write is a cache miss,
//! never an error.

use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::RwLock;

use serde::Serialize;
use serde::de::DeserializeOwned;

/// Bumped when the model or the introspection changes what a schema looks like.
const FORMAT: &str = "schema-v3";

/// The directory chosen by the embedding program, over the environment.
static DIR: RwLock<Option<PathBuf>> = RwLock::new(None);

/// Keep the cache in `dir` from now on (`None`: back to the environment's
/// choice). For a program or a test that wants a cache of its own without
/// changing the process environment.
pub fn set_dir(dir: Option<PathBuf>) {
    *DIR.write().unwrap_or_else(|p| p.into_inner()) = dir;
}

fn dir() -> Option<PathBuf> {
    if let Some(d) = DIR.read().unwrap_or_else(|p| p.into_inner()).clone() {
        return Some(d);
    }
    if let Some(d) = std::env::var_os("AUTOGEN_CACHE_DIR") {
        return Some(PathBuf::from(d));
    }
    if let Some(d) = std::env::var_os("XDG_CACHE_HOME") {
        return Some(PathBuf::from(d).join("autogen"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache").join("autogen"))
}

/// A stable hex key of `parts`: two 64-bit FNV-1a hashes side by side (two
/// offset bases, the second also hashing lengths), 128 bits of key.
pub fn key(parts: &[&str]) -> String {
    let mut a = Fnv(0xcbf2_9ce4_8422_2325);
    let mut b = Fnv(0x8422_2325_cbf2_9ce4);
    for part in [FORMAT, env!("CARGO_PKG_VERSION")].iter().chain(parts) {
        part.hash(&mut a);
        part.len().hash(&mut b);
        part.hash(&mut b);
    }
    format!("{:016x}{:016x}", a.finish(), b.finish())
}

/// The entry stored under `key`: a whole schema, or one table of it.
pub fn load<T: DeserializeOwned>(key: &str) -> Option<T> {
    let text = std::fs::read(dir()?.join(format!("{key}.json"))).ok()?;
    serde_json::from_slice(&text).ok()
}

pub fn store<T: Serialize>(key: &str, value: &T) {
    let Some(dir) = dir() else { return };
    let Ok(text) = serde_json::to_vec(value) else {
        return;
    };
    if std::fs::create_dir_all(&dir).is_err() {
        return;
    }
    let tmp = dir.join(format!("{key}.{}.tmp", std::process::id()));
    if std::fs::write(&tmp, text).is_ok()
        && std::fs::rename(&tmp, dir.join(format!("{key}.json"))).is_err()
    {
        let _ = std::fs::remove_file(&tmp);
    }
}

/// FNV-1a: stable across Rust versions, unlike `DefaultHasher`.
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_stable_and_distinct() {
        assert_eq!(key(&["a", "b"]), key(&["a", "b"]));
        assert_ne!(key(&["a", "b"]), key(&["ab", ""]));
        assert_ne!(key(&["a"]), key(&["b"]));
    }
}
