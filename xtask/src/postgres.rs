//! A throwaway PostgreSQL server for the tests: a new cluster in a temporary folder, on a free loopback
//! port, stopped and removed when dropped. Uses the server binaries of the machine's PostgreSQL package.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

pub struct Server {
    dir: PathBuf,
    port: u16,
    run_as: Option<&'static str>,
    bin: PathBuf,
}

fn find_bin() -> Result<PathBuf> {
    for candidate in
        ["/usr/local/bin", "/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin"]
    {
        if Path::new(candidate).join("pg_ctl").exists() && Path::new(candidate).join("initdb").exists() {
            return Ok(PathBuf::from(candidate));
        }
    }
    bail!("PostgreSQL server binaries (initdb, pg_ctl) not found: install Debian's postgresql package")
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl Server {
    pub fn start() -> Result<Self> {
        let bin = find_bin()?;
        let dir = std::env::temp_dir().join(format!("kindling-pg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        // initdb refuses to run as root; the postgres system user owns the cluster instead.
        let run_as = if super::is_root() { Some("postgres") } else { None };
        if run_as.is_some() {
            let status = Command::new("chown").args(["-R", "postgres"]).arg(&dir).status()?;
            if !status.success() {
                bail!("could not give {} to the postgres user", dir.display());
            }
        }
        let port = free_port()?;
        let server = Self { dir, port, run_as, bin };
        let data = server.dir.join("data");
        server.pg(
            "initdb",
            &[
                "-D",
                data.to_str().unwrap_or_default(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale",
                "C",
            ],
        )?;
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300",
            server.dir.display()
        );
        server.pg(
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap_or_default(),
                "-l",
                server.dir.join("log").to_str().unwrap_or_default(),
                "-w",
                "start",
                "-o",
                &options,
            ],
        )?;
        println!("PostgreSQL running on 127.0.0.1:{port}");
        Ok(server)
    }

    fn pg(&self, tool: &str, args: &[&str]) -> Result<()> {
        let program = self.bin.join(tool);
        let mut command = match self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(&program);
                c
            }
            None => Command::new(&program),
        };
        let output = command.args(args).output().with_context(|| format!("running {tool}"))?;
        if !output.status.success() {
            bail!(
                "{tool} failed: {}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(())
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let _ = self.pg("pg_ctl", &["-D", data.to_str().unwrap_or_default(), "-m", "fast", "-w", "stop"]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
