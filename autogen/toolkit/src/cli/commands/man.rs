//! `autogen man`: the man page, generated from the clap definition
//! (`clap_mangen`), so it never drifts from `--help`.

use std::path::Path;

use anyhow::Context as _;

/// Print autogen(1) on stdout, or write a page per command into `out_dir`.
pub fn run(cmd: clap::Command, out_dir: Option<&Path>) -> anyhow::Result<()> {
    match out_dir {
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(cmd)
                .render(&mut page)
                .context("rendering the man page")?;
            crate::cli::output::raw(&page)?;
        }
        Some(dir) => {
            if !dir.is_dir() {
                anyhow::bail!(
                    "cannot write the man pages: {} is not a directory (create it first)",
                    dir.display()
                );
            }
            clap_mangen::generate_to(cmd, dir)
                .with_context(|| format!("cannot write the man pages into {}", dir.display()))
                .map_err(|e| anyhow::anyhow!("{e:#}"))?;
            println!("Wrote the man pages into {}", dir.display());
        }
    }
    Ok(())
}
