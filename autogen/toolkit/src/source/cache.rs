//! A content-addressed cache of materialized entity schemas (and of SQLite
//! live schemas, keyed by their catalog rows).
//!
//! The key hashes everything the result depends on (the DDL, the backend and
//! server version, and the source of the code that turns a catalog into a
//! schema: the model, the introspectors, the entity side), so an entry can
//! never be stale: a changed entity, server or toolkit is a different key.
//! An entry carries its key and a checksum of its value; one that does not
//! match (a truncated write, a file copied from elsewhere) is discarded and
//! recomputed. Entries live in the directory set by
//! [`set_dir`], else `AUTOGEN_CACHE_DIR`, else `$XDG_CACHE_HOME/autogen`,
//! else `~/.cache/autogen`. Any failure to read or write is a cache miss,
//! never an error.

use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::RwLock;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

/// Bumped when the entry layout changes.
const FORMAT: &str = "schema-v5";

/// The code a cached schema depends on, by content: a build with other
/// introspection, normalization or model code never reads this one's entries
/// (the crate version alone says nothing between releases).
const CODE: u64 = fnv_const(&[
    include_str!("../schema.rs"),
    include_str!("../schema/types.rs"),
    include_str!("database/mod.rs"),
    include_str!("database/postgres.rs"),
    include_str!("database/postgres/defaults.rs"),
    include_str!("database/postgres/rows.rs"),
    include_str!("database/postgres/digest.rs"),
    include_str!("database/sqlite.rs"),
    include_str!("database/mysql.rs"),
    include_str!("database/mysql/spelling.rs"),
    include_str!("entities.rs"),
    include_str!("entities/ddl.rs"),
    include_str!("entities/postgres.rs"),
    include_str!("entities/mysql.rs"),
    include_str!("entities/sqlite.rs"),
    include_str!("incremental.rs"),
    include_str!("../recorder.rs"),
    // SQLite's CHECK and AUTOINCREMENT reading, used by its introspector.
    include_str!("../../../runtime/src/sqlite.rs"),
    include_str!("../../../runtime/src/sqlite/sql_text.rs"),
]);

/// FNV-1a over `texts`, at compile time.
pub(crate) const fn fnv_const(texts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut t = 0;
    while t < texts.len() {
        let bytes = texts[t].as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            hash ^= bytes[i] as u64;
            hash = hash.wrapping_mul(0x0100_0000_01b3);
            i += 1;
        }
        t += 1;
    }
    hash
}

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
    let code = format!("{CODE:016x}");
    for part in [FORMAT, env!("CARGO_PKG_VERSION"), code.as_str()]
        .iter()
        .chain(parts)
    {
        part.hash(&mut a);
        part.len().hash(&mut b);
        part.hash(&mut b);
    }
    format!("{:016x}{:016x}", a.finish(), b.finish())
}

/// An entry on disk: the value with its key and a checksum of its text.
/// The value is embedded as JSON, not as a string of JSON: a load parses it
/// once, without first unescaping a copy of it.
#[derive(Serialize, serde::Deserialize)]
struct Entry<'a> {
    key: String,
    check: String,
    #[serde(borrow)]
    value: &'a RawValue,
}

fn checksum(text: &str) -> String {
    format!("{:016x}", fnv_const(&[text]))
}

/// The entry stored under `key`: a whole schema, or one table of it. An
/// entry that is not whole (unreadable, another key's, a checksum that
/// does not match, a value that does not parse) is removed: a miss.
pub fn load<T: DeserializeOwned>(key: &str) -> Option<T> {
    let path = dir()?.join(format!("{key}.json"));
    let text = std::fs::read(&path).ok()?;
    let value = serde_json::from_slice::<Entry>(&text)
        .ok()
        .filter(|e| e.key == key && e.check == checksum(e.value.get()))
        .and_then(|e| serde_json::from_str(e.value.get()).ok());
    if value.is_none() {
        tracing::debug!("discarding the cache entry {}", path.display());
        let _ = std::fs::remove_file(&path);
    }
    value
}

/// [`load`] on tokio's blocking pool. Parsing a whole schema is CPU work
/// (about 25 ms at 1 000 tables): there it runs beside the other side of a
/// comparison (the catalog being read) instead of stalling their task.
pub async fn load_blocking<T: DeserializeOwned + Send + 'static>(key: &str) -> Option<T> {
    let key = key.to_owned();
    tokio::task::spawn_blocking(move || load(&key))
        .await
        .ok()
        .flatten()
}

pub fn store<T: Serialize>(key: &str, value: &T) {
    let Some(dir) = dir() else { return };
    let Ok(value) = serde_json::value::to_raw_value(value) else {
        return;
    };
    let entry = Entry {
        key: key.to_owned(),
        check: checksum(value.get()),
        value: &value,
    };
    let Ok(text) = serde_json::to_vec(&entry) else {
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
    fn a_damaged_entry_is_a_miss_and_is_removed() {
        let dir = std::env::temp_dir().join(format!("autogen-cache-test-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        set_dir(Some(dir.clone()));
        let k = key(&["damaged"]);
        store(&k, &vec![1, 2, 3]);
        assert_eq!(load::<Vec<i32>>(&k), Some(vec![1, 2, 3]));
        let path = dir.join(format!("{k}.json"));
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        std::fs::write(&path, text.replace("[1,2,3]", "[1,2,4]")).ok();
        assert_eq!(load::<Vec<i32>>(&k), None, "checksum mismatch");
        assert!(!path.exists(), "the damaged entry is removed");
        store(&k, &vec![5]);
        std::fs::rename(&path, dir.join("elsewhere.json")).ok();
        std::fs::rename(
            dir.join("elsewhere.json"),
            dir.join(format!("{}.json", key(&["other"]))),
        )
        .ok();
        assert_eq!(
            load::<Vec<i32>>(&key(&["other"])),
            None,
            "another key's entry"
        );
        set_dir(None);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn keys_are_stable_and_distinct() {
        assert_eq!(key(&["a", "b"]), key(&["a", "b"]));
        assert_ne!(key(&["a", "b"]), key(&["ab", ""]));
        assert_ne!(key(&["a"]), key(&["b"]));
    }
}
