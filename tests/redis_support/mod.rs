//! A real `redis-server` for the tests that need one, never a mock.
//!
//! Each test starts its own on a free loopback port (so it may kill and
//! restart it). Without `redis-server` on the PATH the test says how to get
//! it and passes vacuously on a developer's machine, but fails in CI
//! (`CI=true`), where `.ci/run` installs it: a Redis test is never silently
//! skipped there.
#![allow(dead_code)]

use std::{
    net::{TcpListener, TcpStream},
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

pub struct RedisServer {
    pub port: u16,
    dir: PathBuf,
    child: Option<Child>,
    /// The Redis `.ci/run` started (`UPHEAL_TEST_REDIS_URL`), when used.
    external: Option<String>,
}

impl RedisServer {
    /// The Redis `.ci/run` started, when `UPHEAL_TEST_REDIS_URL` names one;
    /// otherwise one of the test's own. Only for tests that never kill it.
    pub fn shared_or_start() -> Option<Self> {
        match std::env::var("UPHEAL_TEST_REDIS_URL") {
            Ok(url) => Some(Self {
                port: 0,
                dir: std::env::temp_dir(),
                child: None,
                external: Some(url),
            }),
            Err(_) => Self::start(),
        }
    }

    /// `None` (after saying why) when redis-server is missing outside CI.
    pub fn start() -> Option<Self> {
        if Command::new("redis-server")
            .arg("--version")
            .output()
            .is_err()
        {
            let how = "redis-server is not installed: `apt-get install redis-server`, \
                       or run `bash .ci/run`, to run the shared-budget tests";
            assert!(std::env::var("CI").is_err(), "{how}");
            eprintln!("SKIPPED: {how}");
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = std::env::temp_dir().join(format!("upheal-redis-{port}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut server = Self {
            port,
            dir,
            child: None,
            external: None,
        };
        server.restart();
        Some(server)
    }

    pub fn url(&self) -> String {
        self.external
            .clone()
            .unwrap_or_else(|| format!("redis://127.0.0.1:{}/0", self.port))
    }

    /// Starts (again) on the same port and waits until it accepts.
    pub fn restart(&mut self) {
        assert!(self.external.is_none(), "never restart the shared Redis");
        let child = Command::new("redis-server")
            .args([
                "--port",
                &self.port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.dir.to_str().unwrap(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills it at once, as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Every key the shared budget wrote.
    pub fn budget_keys(&self) -> Vec<String> {
        self.cli(&["KEYS", "upheal-provider-users:*"])
    }

    /// What `redis-cli` prints for one command, a line each.
    pub fn cli(&self, command: &[&str]) -> Vec<String> {
        let output = Command::new("redis-cli")
            .args(["-p", &self.port.to_string(), "--raw"])
            .args(command)
            .output()
            .expect("redis-cli runs");
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter(|line| !line.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        if self.external.is_none() {
            self.kill();
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}
